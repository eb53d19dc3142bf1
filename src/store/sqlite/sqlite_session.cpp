#include "sqlite_session.hpp"

#include "sqlite_rows.hpp"

#include <sqlite3.h>

namespace parley::store::sqlite::detail {
namespace {

// --- statements (static storage: the connection caches them by address) ---
#define CONV_COLS \
  "pk, tenant_id, id, user_ref, sealed, key_id, key_version, last_activity, state, last_seq, key_uses, subject"

constexpr char sql_get_key_meta[] = "SELECT value FROM key_meta WHERE name = ?1";
constexpr char sql_get_data_meta[] = "SELECT value FROM data_meta WHERE name = ?1";
constexpr char sql_put_key_meta[] = "INSERT OR REPLACE INTO key_meta (name, value) VALUES (?1, ?2)";
constexpr char sql_put_data_meta[] = "INSERT OR REPLACE INTO data_meta (name, value) VALUES (?1, ?2)";

constexpr char sql_current_tenant_key[] =
    "SELECT tenant_id, version, parent_version, sealed, uses FROM tenant_keys WHERE tenant_id = ?1 "
    "ORDER BY version DESC LIMIT 1";
constexpr char sql_all_tenant_keys[] = "SELECT tenant_id, version, parent_version, sealed, uses FROM tenant_keys";
constexpr char sql_insert_tenant_key[] =
    "INSERT INTO tenant_keys (tenant_id, version, parent_version, sealed, uses) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr char sql_update_tenant_key[] =
    "UPDATE tenant_keys SET parent_version = ?3, sealed = ?4 WHERE tenant_id = ?1 AND version = ?2";
constexpr char sql_add_tenant_uses[] = "UPDATE tenant_keys SET uses = uses + ?3 WHERE tenant_id = ?1 AND version = ?2";
constexpr char sql_delete_tenant_key[] = "DELETE FROM tenant_keys WHERE tenant_id = ?1 AND version = ?2";

constexpr char sql_get_data_key[] =
    "SELECT tenant_id, key_id, version, parent_version, sealed, subject FROM data_keys "
    "WHERE tenant_id = ?1 AND key_id = ?2 AND version = ?3";
constexpr char sql_tenant_data_keys[] =
    "SELECT tenant_id, key_id, version, parent_version, sealed, subject FROM data_keys WHERE tenant_id = ?1";
constexpr char sql_insert_data_key[] =
    "INSERT INTO data_keys (tenant_id, key_id, version, parent_version, sealed, subject) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char sql_update_data_key[] =
    "UPDATE data_keys SET parent_version = ?4, sealed = ?5 WHERE tenant_id = ?1 AND key_id = ?2 AND version = ?3";
constexpr char sql_delete_data_key[] = "DELETE FROM data_keys WHERE tenant_id = ?1 AND key_id = ?2";
constexpr char sql_get_tenant_secret[] = "SELECT sealed FROM tenant_secrets WHERE tenant_id = ?1";
constexpr char sql_put_tenant_secret[] = "INSERT OR REPLACE INTO tenant_secrets (tenant_id, sealed) VALUES (?1, ?2)";

constexpr char sql_tenant_exists[] = "SELECT 1 FROM tenants WHERE tenant_id = ?1";
constexpr char sql_insert_tenant[] = "INSERT INTO tenants (tenant_id, created) VALUES (?1, ?2)";
constexpr char sql_list_tenants[] = "SELECT tenant_id FROM tenants ORDER BY tenant_id";
constexpr char sql_get_conversation[] = "SELECT " CONV_COLS " FROM conversations WHERE tenant_id = ?1 AND id = ?2";
constexpr char sql_insert_conversation[] =
    "INSERT INTO conversations (tenant_id, id, user_ref, sealed, key_id, key_version, last_activity, state, last_seq, "
    "key_uses, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr char sql_list_conversations[] =
    "SELECT " CONV_COLS
    " FROM conversations WHERE tenant_id = ?1 AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR last_activity >= ?3) "
    "AND (?4 IS NULL OR last_activity < ?4 OR (last_activity = ?4 AND id > ?5)) "
    "ORDER BY last_activity DESC, id ASC LIMIT ?6";
constexpr char sql_set_state[] = "UPDATE conversations SET state = ?3 WHERE tenant_id = ?1 AND id = ?2";
constexpr char sql_scan_subjects[] =
    "SELECT pk, id, subject, user_ref FROM conversations WHERE tenant_id = ?1 AND pk > ?2 ORDER BY pk LIMIT ?3";
constexpr char sql_idle_since[] = "SELECT " CONV_COLS " FROM conversations WHERE tenant_id = ?1 AND last_activity < ?2";
constexpr char sql_delete_activities[] = "DELETE FROM activities WHERE conv_pk = ?1";
constexpr char sql_delete_idempotency[] = "DELETE FROM idempotency WHERE conv_pk = ?1";
constexpr char sql_delete_bot_state[] = "DELETE FROM bot_state WHERE conv_pk = ?1";
constexpr char sql_delete_attachments[] = "DELETE FROM attachments WHERE conv_pk = ?1";
constexpr char sql_delete_conversation[] = "DELETE FROM conversations WHERE pk = ?1";

constexpr char sql_find_idempotency[] = "SELECT seq, activity_id FROM idempotency WHERE conv_pk = ?1 AND ref = ?2";
constexpr char sql_insert_activity[] =
    "INSERT INTO activities (conv_pk, seq, activity_id, body) VALUES (?1, ?2, ?3, ?4)";
constexpr char sql_insert_idempotency[] =
    "INSERT INTO idempotency (conv_pk, ref, seq, activity_id) VALUES (?1, ?2, ?3, ?4)";
constexpr char sql_advance[] =
    "UPDATE conversations SET last_seq = ?2, last_activity = ?3, key_uses = ?4 WHERE pk = ?1";
constexpr char sql_set_key_uses[] = "UPDATE conversations SET key_uses = ?2 WHERE pk = ?1";

constexpr char sql_read_activities[] =
    "SELECT conv_pk, seq, activity_id, body FROM activities WHERE conv_pk = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
constexpr char sql_find_activity[] =
    "SELECT conv_pk, seq, activity_id, body FROM activities "
    "WHERE conv_pk = ?1 AND activity_id = ?2 ORDER BY seq DESC LIMIT 1";
constexpr char sql_get_bot_state[] = "SELECT etag, data FROM bot_state WHERE conv_pk = ?1";
constexpr char sql_put_bot_state[] = "INSERT OR REPLACE INTO bot_state (conv_pk, etag, data) VALUES (?1, ?2, ?3)";
constexpr char sql_insert_attachment[] = "INSERT INTO attachments (conv_pk, id, meta, content) VALUES (?1, ?2, ?3, ?4)";
constexpr char sql_get_attachment[] =
    "SELECT conv_pk, id, meta, content FROM attachments WHERE conv_pk = ?1 AND id = ?2";

#undef CONV_COLS

conversation_row read_conversation(const statement& st) {
  conversation_row r;
  r.pk = st.int64(0);
  r.tenant_id = st.text(1);
  r.id = st.text(2);
  r.user_ref = st.text(3);
  r.sealed = st.blob(4);
  r.key_id = st.text(5);
  r.key_version = static_cast<std::uint32_t>(st.int64(6));
  r.last_activity = st.int64(7);
  // An unknown state string (edited row) reads as ended rather than failing the whole listing.
  r.state = conversation_state_from_string(st.text(8)).value_or(conversation_state::ended);
  r.last_seq = static_cast<std::uint64_t>(st.int64(9));
  r.key_uses = static_cast<std::uint64_t>(st.int64(10));
  r.subject = static_cast<std::uint64_t>(st.int64(11));
  return r;
}

tenant_key_row read_tenant_key(const statement& st) {
  return {st.text(0), static_cast<std::uint32_t>(st.int64(1)), static_cast<std::uint32_t>(st.int64(2)), st.blob(3),
          static_cast<std::uint64_t>(st.int64(4))};
}

data_key_row read_data_key(const statement& st) {
  return {st.text(0),
          st.text(1),
          static_cast<std::uint32_t>(st.int64(2)),
          static_cast<std::uint32_t>(st.int64(3)),
          st.blob(4),
          static_cast<std::uint64_t>(st.int64(5))};
}

activity_row read_activity(const statement& st) {
  return {st.int64(0), static_cast<std::uint64_t>(st.int64(1)), st.text(2), st.blob(3)};
}

}  // namespace

sqlite_session::sqlite_session(std::unique_ptr<connection_pair> pair, give_back back,
                               std::shared_ptr<spdlog::logger> log)
    : pair_(std::move(pair)), back_(std::move(back)), log_(std::move(log)) {}

sqlite_session::~sqlite_session() {
  rollback();
  if (back_) back_(std::move(pair_));
}

result<void> sqlite_session::begin() {
  // IMMEDIATE: take the write lock now, so that a busy database fails here, before any work.
  if (auto r = keys().exec("BEGIN IMMEDIATE"); !r) return r;
  if (auto r = data().exec("BEGIN IMMEDIATE"); !r) {
    (void)keys().exec("ROLLBACK");
    return r;
  }
  return {};
}

commit_outcome sqlite_session::commit() {
  // The key file first: a crash between the two commits leaves at most a data key without its
  // conversation, or rows whose key was erased (read as erased), never a row without its key.
  if (!keys().exec("COMMIT")) {
    rollback();
    return commit_outcome::unknown;
  }
  if (!data().exec("COMMIT")) {
    rollback();
    return commit_outcome::keys_only;
  }
  return commit_outcome::all;
}

void sqlite_session::rollback() noexcept {
  if (!pair_) return;
  for (auto* c : {pair_->keys.get(), pair_->data.get()}) {
    if (c->in_transaction()) (void)c->exec("ROLLBACK");
  }
}

result<void> sqlite_session::savepoint() {
  if (auto r = keys().exec("SAVEPOINT op"); !r) return r;
  if (auto r = data().exec("SAVEPOINT op"); !r) {
    (void)keys().exec("ROLLBACK TO op; RELEASE op");
    return r;
  }
  return {};
}

result<void> sqlite_session::release_savepoint() {
  auto k = keys().exec("RELEASE op");
  auto d = data().exec("RELEASE op");
  if (!k) return k;
  return d;
}

void sqlite_session::rollback_to_savepoint() noexcept {
  (void)keys().exec("ROLLBACK TO op; RELEASE op");
  (void)data().exec("ROLLBACK TO op; RELEASE op");
}

result<std::optional<bytes>> sqlite_session::get_meta(meta_scope scope, std::string_view name) {
  auto& c = scope == meta_scope::keys ? keys() : data();
  auto st = c.prepare(scope == meta_scope::keys ? sql_get_key_meta : sql_get_data_meta);
  if (st) st->bind(1, name);
  return one<bytes>(std::move(st), [](const statement& s) { return s.blob(0); });
}

result<void> sqlite_session::put_meta(meta_scope scope, std::string_view name, std::span<const std::uint8_t> value) {
  auto& c = scope == meta_scope::keys ? keys() : data();
  auto st = c.prepare(scope == meta_scope::keys ? sql_put_key_meta : sql_put_data_meta);
  if (st) st->bind(1, name).bind_blob(2, value);
  return run(std::move(st));
}

result<std::optional<tenant_key_row>> sqlite_session::current_tenant_key(std::string_view tenant_id, key_lock) {
  // One writer: the write transaction already excludes a concurrent rotation.
  auto st = keys().prepare(sql_current_tenant_key);
  if (st) st->bind(1, tenant_id);
  return one<tenant_key_row>(std::move(st), read_tenant_key);
}

result<std::vector<tenant_key_row>> sqlite_session::all_tenant_keys() {
  return all<tenant_key_row>(keys().prepare(sql_all_tenant_keys), read_tenant_key);
}

result<void> sqlite_session::insert_tenant_key(const tenant_key_row& r) {
  auto st = keys().prepare(sql_insert_tenant_key);
  if (st)
    st->bind(1, r.tenant_id).bind(2, r.version).bind(3, r.parent_version).bind_blob(4, r.sealed).bind(5, i64(r.uses));
  return run(std::move(st));
}

result<void> sqlite_session::update_tenant_key(const tenant_key_row& r) {
  auto st = keys().prepare(sql_update_tenant_key);
  if (st) st->bind(1, r.tenant_id).bind(2, r.version).bind(3, r.parent_version).bind_blob(4, r.sealed);
  return run(std::move(st));
}

result<void> sqlite_session::add_tenant_key_uses(std::string_view tenant_id, std::uint32_t version, std::uint64_t n) {
  auto st = keys().prepare(sql_add_tenant_uses);
  if (st) st->bind(1, tenant_id).bind(2, version).bind(3, i64(n));
  return run(std::move(st));
}

result<void> sqlite_session::delete_tenant_key(std::string_view tenant_id, std::uint32_t version) {
  auto st = keys().prepare(sql_delete_tenant_key);
  if (st) st->bind(1, tenant_id).bind(2, version);
  return run(std::move(st));
}

result<std::optional<data_key_row>> sqlite_session::get_data_key(std::string_view tenant_id, std::string_view key_id,
                                                                 std::uint32_t version) {
  auto st = keys().prepare(sql_get_data_key);
  if (st) st->bind(1, tenant_id).bind(2, key_id).bind(3, version);
  return one<data_key_row>(std::move(st), read_data_key);
}

result<std::vector<data_key_row>> sqlite_session::tenant_data_keys(std::string_view tenant_id) {
  auto st = keys().prepare(sql_tenant_data_keys);
  if (st) st->bind(1, tenant_id);
  return all<data_key_row>(std::move(st), read_data_key);
}

result<void> sqlite_session::insert_data_key(const data_key_row& r) {
  auto st = keys().prepare(sql_insert_data_key);
  if (st) {
    st->bind(1, r.tenant_id)
        .bind(2, r.key_id)
        .bind(3, r.version)
        .bind(4, r.parent_version)
        .bind_blob(5, r.sealed)
        .bind(6, i64(r.subject));
  }
  return run(std::move(st));
}

result<void> sqlite_session::update_data_keys(std::span<const data_key_row> rows) {
  for (const auto& r : rows) {
    auto st = keys().prepare(sql_update_data_key);
    if (st) {
      st->bind(1, r.tenant_id).bind(2, r.key_id).bind(3, r.version).bind(4, r.parent_version).bind_blob(5, r.sealed);
    }
    if (auto w = run(std::move(st)); !w) return w;
  }
  return {};
}

result<void> sqlite_session::delete_data_keys(std::string_view tenant_id, std::span<const std::string> key_ids) {
  for (const auto& id : key_ids) {
    auto st = keys().prepare(sql_delete_data_key);
    if (st) st->bind(1, tenant_id).bind(2, id);
    if (auto w = run(std::move(st)); !w) return w;
  }
  return {};
}

result<std::optional<bytes>> sqlite_session::get_tenant_secret(std::string_view tenant_id) {
  auto st = keys().prepare(sql_get_tenant_secret);
  if (st) st->bind(1, tenant_id);
  return one<bytes>(std::move(st), [](const statement& s) { return s.blob(0); });
}

result<void> sqlite_session::put_tenant_secret(std::string_view tenant_id, std::span<const std::uint8_t> sealed) {
  auto st = keys().prepare(sql_put_tenant_secret);
  if (st) st->bind(1, tenant_id).bind_blob(2, sealed);
  return run(std::move(st));
}

result<bool> sqlite_session::tenant_exists(std::string_view tenant_id) {
  auto st = data().prepare(sql_tenant_exists);
  if (st) st->bind(1, tenant_id);
  auto r = one<int>(std::move(st), [](const statement&) { return 1; });
  if (!r) return bool_error(r.error());
  return r->has_value();
}

result<void> sqlite_session::insert_tenant(std::string_view tenant_id, nanos created) {
  auto st = data().prepare(sql_insert_tenant);
  if (st) st->bind(1, tenant_id).bind(2, created);
  return run(std::move(st));
}

result<std::vector<std::string>> sqlite_session::list_tenants() {
  return all<std::string>(data().prepare(sql_list_tenants), [](const statement& s) { return s.text(0); });
}

result<std::optional<conversation_row>> sqlite_session::get_conversation(std::string_view tenant_id,
                                                                         std::string_view id) {
  auto st = data().prepare(sql_get_conversation);
  if (st) st->bind(1, tenant_id).bind(2, id);
  return one<conversation_row>(std::move(st), read_conversation);
}

result<void> sqlite_session::insert_conversation(conversation_row& r) {
  auto st = data().prepare(sql_insert_conversation);
  if (!st) return st.error();
  st->bind(1, r.tenant_id)
      .bind(2, r.id)
      .bind(3, r.user_ref)
      .bind_blob(4, r.sealed)
      .bind(5, r.key_id)
      .bind(6, r.key_version)
      .bind(7, r.last_activity)
      .bind(8, to_string(r.state))
      .bind(9, i64(r.last_seq))
      .bind(10, i64(r.key_uses))
      .bind(11, i64(r.subject));
  if (auto w = st->run(); !w) return w;
  r.pk = sqlite3_last_insert_rowid(data().handle());
  return {};
}

result<std::vector<conversation_row>> sqlite_session::list_conversations(const conversation_query& q) {
  auto st = data().prepare(sql_list_conversations);
  if (!st) return st.error();
  st->bind(1, q.tenant_id);
  if (q.state) {
    st->bind(2, to_string(*q.state));
  } else {
    st->bind_null(2);
  }
  if (q.active_since) {
    st->bind(3, *q.active_since);
  } else {
    st->bind_null(3);
  }
  if (q.after) {
    st->bind(4, q.after->first).bind(5, q.after->second);
  } else {
    st->bind_null(4).bind_null(5);
  }
  st->bind(6, static_cast<std::int64_t>(q.limit));
  return all<conversation_row>(std::move(st), read_conversation);
}

result<bool> sqlite_session::set_state(std::string_view tenant_id, std::string_view id, conversation_state state) {
  auto st = data().prepare(sql_set_state);
  if (!st) return bool_error(st.error());
  st->bind(1, tenant_id).bind(2, id).bind(3, to_string(state));
  if (auto w = st->run(); !w) return bool_error(w.error());
  return sqlite3_changes(data().handle()) > 0;
}

result<std::vector<subject_row>> sqlite_session::scan_subjects(std::string_view tenant_id, std::int64_t after_pk,
                                                               std::size_t limit) {
  auto st = data().prepare(sql_scan_subjects);
  if (st) st->bind(1, tenant_id).bind(2, after_pk).bind(3, static_cast<std::int64_t>(limit));
  return all<subject_row>(std::move(st), [](const statement& s) {
    return subject_row{s.int64(0), s.text(1), static_cast<std::uint64_t>(s.int64(2)), s.text(3)};
  });
}

result<std::vector<conversation_row>> sqlite_session::conversations_idle_since(std::string_view tenant_id,
                                                                               nanos cutoff) {
  auto st = data().prepare(sql_idle_since);
  if (st) st->bind(1, tenant_id).bind(2, cutoff);
  return all<conversation_row>(std::move(st), read_conversation);
}

result<void> sqlite_session::delete_conversations(std::span<const std::int64_t> pks) {
  for (auto pk : pks) {
    for (const char* sql : {sql_delete_activities, sql_delete_idempotency, sql_delete_bot_state, sql_delete_attachments,
                            sql_delete_conversation}) {
      auto st = data().prepare(sql);
      if (st) st->bind(1, pk);
      if (auto w = run(std::move(st)); !w) return w;
    }
  }
  return {};
}

result<std::vector<std::optional<conversation_row>>> sqlite_session::lock_conversations(
    std::span<const std::pair<std::string, std::string>> keys) {
  // The single writer's transaction already excludes other writers; plain reads suffice.
  std::vector<std::optional<conversation_row>> out;
  out.reserve(keys.size());
  for (const auto& [tenant, id] : keys) {
    auto row = get_conversation(tenant, id);
    if (!row) return row.error();
    out.push_back(std::move(*row));
  }
  return out;
}

result<std::vector<std::optional<idempotency_row>>> sqlite_session::find_idempotency(
    std::span<const std::pair<std::int64_t, std::string>> keys) {
  std::vector<std::optional<idempotency_row>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    // Not a structured binding: clang 14 (the fuzz preset) cannot capture one in the lambda below.
    const std::int64_t pk = key.first;
    const std::string& ref = key.second;
    auto st = data().prepare(sql_find_idempotency);
    if (st) st->bind(1, pk).bind(2, ref);
    auto row = one<idempotency_row>(std::move(st), [&](const statement& s) {
      return idempotency_row{pk, ref, static_cast<std::uint64_t>(s.int64(0)), s.text(1)};
    });
    if (!row) return row.error();
    out.push_back(std::move(*row));
  }
  return out;
}

result<void> sqlite_session::insert_activities(std::span<const activity_row> rows) {
  for (const auto& r : rows) {
    auto st = data().prepare(sql_insert_activity);
    if (st) {
      st->bind(1, r.conv_pk)
          .bind(2, i64(r.seq))
          .bind(3, r.activity_id)
          .bind_blob_borrowed(4, r.body);  // `rows` outlives the statement
    }
    if (auto w = run(std::move(st)); !w) return w;
  }
  return {};
}

result<void> sqlite_session::insert_idempotency(std::span<const idempotency_row> rows) {
  for (const auto& r : rows) {
    auto st = data().prepare(sql_insert_idempotency);
    if (st) st->bind(1, r.conv_pk).bind(2, r.ref).bind(3, i64(r.seq)).bind(4, r.activity_id);
    if (auto w = run(std::move(st)); !w) return w;
  }
  return {};
}

result<void> sqlite_session::advance_conversations(std::span<const conversation_advance> rows) {
  for (const auto& r : rows) {
    auto st = data().prepare(sql_advance);
    if (st) st->bind(1, r.pk).bind(2, i64(r.last_seq)).bind(3, r.last_activity).bind(4, i64(r.key_uses));
    if (auto w = run(std::move(st)); !w) return w;
  }
  return {};
}

result<void> sqlite_session::set_key_uses(std::int64_t conv_pk, std::uint64_t key_uses) {
  auto st = data().prepare(sql_set_key_uses);
  if (st) st->bind(1, conv_pk).bind(2, i64(key_uses));
  return run(std::move(st));
}

result<std::vector<activity_row>> sqlite_session::read_activities(std::int64_t conv_pk, std::uint64_t after,
                                                                  std::size_t limit) {
  auto st = data().prepare(sql_read_activities);
  if (st) st->bind(1, conv_pk).bind(2, i64(after)).bind(3, static_cast<std::int64_t>(limit));
  return all<activity_row>(std::move(st), read_activity);
}

result<std::optional<activity_row>> sqlite_session::find_activity(std::int64_t conv_pk, std::string_view activity_id) {
  auto st = data().prepare(sql_find_activity);
  if (st) st->bind(1, conv_pk).bind(2, activity_id);
  return one<activity_row>(std::move(st), read_activity);
}

result<std::optional<bot_state_row>> sqlite_session::get_bot_state(std::int64_t conv_pk) {
  auto st = data().prepare(sql_get_bot_state);
  if (st) st->bind(1, conv_pk);
  return one<bot_state_row>(std::move(st), [](const statement& s) { return bot_state_row{s.text(0), s.blob(1)}; });
}

result<void> sqlite_session::put_bot_state(std::int64_t conv_pk, const bot_state_row& row) {
  auto st = data().prepare(sql_put_bot_state);
  if (st) st->bind(1, conv_pk).bind(2, row.etag).bind_blob(3, row.data);
  return run(std::move(st));
}

result<void> sqlite_session::insert_attachment(const attachment_row& r) {
  auto st = data().prepare(sql_insert_attachment);
  if (st) {
    st->bind(1, r.conv_pk).bind(2, r.id).bind_blob(3, r.meta).bind_blob(4, r.content);
  }
  return run(std::move(st));
}

result<std::optional<attachment_row>> sqlite_session::get_attachment(std::int64_t conv_pk, std::string_view id) {
  auto st = data().prepare(sql_get_attachment);
  if (st) st->bind(1, conv_pk).bind(2, id);
  return one<attachment_row>(std::move(st), [](const statement& s) {
    return attachment_row{s.int64(0), s.text(1), s.blob(2), s.blob(3)};
  });
}

}  // namespace parley::store::sqlite::detail
