// Private: a session over one libpqxx connection. Transactions are plain BEGIN/COMMIT/SAVEPOINT
// statements (through pqxx::nontransaction), so that savepoints, commit outcomes and reconnection
// stay under the store's control. Library exceptions end here: every call returns store errc.
#pragma once

#include <parley/store/backend.hpp>

#include <pqxx/pqxx>
#include <spdlog/logger.h>

#include <functional>
#include <memory>

namespace parley::store::postgres::detail {

/// Where a session's connection comes from and goes back to (the backend's pool).
class connection_source {
 public:
  virtual ~connection_source() = default;
  virtual result<std::unique_ptr<pqxx::connection>> connect() = 0;
  virtual void give_back(std::unique_ptr<pqxx::connection> c) = 0;
  /// A connection broke: the idle ones are most likely broken too (a server restart).
  virtual void lost() = 0;
};

class pg_session final : public store::session {
 public:
  /// `pooled`: the connection goes back to the pool when the session ends (read sessions).
  pg_session(connection_source& source, std::unique_ptr<pqxx::connection> conn, bool pooled,
             std::shared_ptr<spdlog::logger> log);
  ~pg_session() override;

  // Every store::session member (backend.hpp), the audit log's in a file of their own.
#include "../audit_overrides.inc"
#include "../session_overrides.inc"
#include "../desk_session_overrides.inc"
#include "../desk_queue_overrides.inc"

 private:
  /// guarded() for statements defined in other files (pg_audit.cpp): `f` reports through its
  /// captures and returns an error or success.
  result<void> run_guarded(std::string_view what, const std::function<result<void>(pqxx::nontransaction&)>& f);
  /// Runs f(pqxx::nontransaction&) -> R, turning exceptions into errors (and dropping a broken
  /// connection). R is a result<...>.
  template <class R, class F>
  R guarded(std::string_view what, F&& f);
  void drop_connection() noexcept;

  connection_source& source_;
  std::unique_ptr<pqxx::connection> conn_;
  bool pooled_;
  bool in_transaction_ = false;
  bool aborted_ = false;  // a statement failed since the last savepoint rollback
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace parley::store::postgres::detail
