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

  result<void> begin() override;
  commit_outcome commit() override;
  void rollback() noexcept override;
  result<void> savepoint() override;
  result<void> release_savepoint() override;
  void rollback_to_savepoint() noexcept override;

  result<std::optional<bytes>> get_meta(meta_scope scope, std::string_view name) override;
  result<void> put_meta(meta_scope scope, std::string_view name, std::span<const std::uint8_t> value) override;

  result<std::optional<tenant_key_row>> current_tenant_key(std::string_view tenant_id, key_lock lock) override;
  result<std::vector<tenant_key_row>> all_tenant_keys() override;
  result<void> insert_tenant_key(const tenant_key_row& row) override;
  result<void> update_tenant_key(const tenant_key_row& row) override;
  result<void> add_tenant_key_uses(std::string_view tenant_id, std::uint32_t version, std::uint64_t n) override;
  result<void> delete_tenant_key(std::string_view tenant_id, std::uint32_t version) override;
  result<std::optional<data_key_row>> get_data_key(std::string_view tenant_id, std::string_view key_id,
                                                   std::uint32_t version) override;
  result<std::vector<data_key_row>> tenant_data_keys(std::string_view tenant_id) override;
  result<void> insert_data_key(const data_key_row& row) override;
  result<void> update_data_keys(std::span<const data_key_row> rows) override;
  result<void> delete_data_keys(std::string_view tenant_id, std::span<const std::string> key_ids) override;
  result<std::optional<bytes>> get_tenant_secret(std::string_view tenant_id) override;
  result<void> put_tenant_secret(std::string_view tenant_id, std::span<const std::uint8_t> sealed) override;

  result<bool> tenant_exists(std::string_view tenant_id) override;
  result<void> insert_tenant(std::string_view tenant_id, nanos created) override;
  result<std::vector<std::string>> list_tenants() override;
  result<std::optional<conversation_row>> get_conversation(std::string_view tenant_id, std::string_view id) override;
  result<void> insert_conversation(conversation_row& row) override;
  result<std::vector<conversation_row>> list_conversations(const conversation_query& q) override;
  result<bool> set_state(std::string_view tenant_id, std::string_view id, conversation_state state) override;
  result<std::vector<conversation_row>> conversations_of_user(std::string_view tenant_id,
                                                              std::string_view user_ref) override;
  result<std::vector<conversation_row>> conversations_idle_since(std::string_view tenant_id, nanos cutoff) override;
  result<void> delete_conversations(std::span<const std::int64_t> pks) override;

  result<std::vector<std::optional<conversation_row>>> lock_conversations(
      std::span<const std::pair<std::string, std::string>> keys) override;
  result<std::vector<std::optional<idempotency_row>>> find_idempotency(
      std::span<const std::pair<std::int64_t, std::string>> keys) override;
  result<void> insert_activities(std::span<const activity_row> rows) override;
  result<void> insert_idempotency(std::span<const idempotency_row> rows) override;
  result<void> advance_conversations(std::span<const conversation_advance> rows) override;
  result<void> set_key_uses(std::int64_t conv_pk, std::uint64_t key_uses) override;

  result<std::vector<activity_row>> read_activities(std::int64_t conv_pk, std::uint64_t after,
                                                    std::size_t limit) override;
  result<std::optional<activity_row>> find_activity(std::int64_t conv_pk, std::string_view activity_id) override;
  result<std::optional<bot_state_row>> get_bot_state(std::int64_t conv_pk) override;
  result<void> put_bot_state(std::int64_t conv_pk, const bot_state_row& row) override;
  result<void> insert_attachment(const attachment_row& row) override;
  result<std::optional<attachment_row>> get_attachment(std::int64_t conv_pk, std::string_view id) override;

 private:
  connection& data() { return *pair_->data; }
  connection& keys() { return *pair_->keys; }

  std::unique_ptr<connection_pair> pair_;
  give_back back_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace parley::store::sqlite::detail
