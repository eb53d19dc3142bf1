// Private: a session over a pair of SQLite connections (data file, key file). The writer's pair
// is its own; read pairs are leased from the backend's pool and given back when the session ends.
#pragma once

#include "sqlite_db.hpp"

#include <functional>
#include <memory>

namespace parley::store::sqlite::detail {

struct connection_pair {
  std::unique_ptr<connection> data;
  std::unique_ptr<connection> keys;
};

class sqlite_session final : public store::session {
 public:
  using give_back = std::function<void(std::unique_ptr<connection_pair>)>;
  sqlite_session(std::unique_ptr<connection_pair> pair, give_back back, std::shared_ptr<spdlog::logger> log);
  ~sqlite_session() override;

  // Every store::session member (backend.hpp), the audit log's in a file of their own.
#include "../audit_overrides.inc"
#include "../session_overrides.inc"
#include "../desk_session_overrides.inc"
#include "../desk_queue_overrides.inc"

 private:
  connection& data() { return *pair_->data; }
  connection& keys() { return *pair_->keys; }

  std::unique_ptr<connection_pair> pair_;
  give_back back_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace parley::store::sqlite::detail
