#include "pg_rows.hpp"
#include "pg_guarded.hpp"

#include <algorithm>
#include <map>

namespace parley::store::postgres::detail {
namespace {

constexpr char conv_cols[] =
    "c.pk, c.tenant_id, c.id, c.user_ref, c.sealed, c.key_id, c.key_version, c.last_activity, c.state, c.last_seq, "
    "c.key_uses, c.subject";

conversation_row read_conversation(const pqxx::row& r) {
  conversation_row c;
  c.pk = r[0].as<std::int64_t>();
  c.tenant_id = r[1].as<std::string>();
  c.id = r[2].as<std::string>();
  c.user_ref = r[3].as<std::string>();
  if (!r[4].is_null()) c.sealed = to_bytes(r[4]);
  c.key_id = r[5].as<std::string>();
  c.key_version = static_cast<std::uint32_t>(r[6].as<std::int64_t>());
  c.last_activity = r[7].as<std::int64_t>();
  c.state = conversation_state_from_string(r[8].as<std::string>()).value_or(conversation_state::ended);
  c.last_seq = static_cast<std::uint64_t>(r[9].as<std::int64_t>());
  c.key_uses = static_cast<std::uint64_t>(r[10].as<std::int64_t>());
  c.subject = static_cast<std::uint64_t>(r[11].as<std::int64_t>());
  return c;
}

tenant_key_row read_tenant_key(const pqxx::row& r) {
  return {r[0].as<std::string>(), static_cast<std::uint32_t>(r[1].as<std::int64_t>()),
          static_cast<std::uint32_t>(r[2].as<std::int64_t>()), to_bytes(r[3]),
          static_cast<std::uint64_t>(r[4].as<std::int64_t>())};
}

data_key_row read_data_key(const pqxx::row& r) {
  return {r[0].as<std::string>(),
          r[1].as<std::string>(),
          static_cast<std::uint32_t>(r[2].as<std::int64_t>()),
          static_cast<std::uint32_t>(r[3].as<std::int64_t>()),
          to_bytes(r[4]),
          static_cast<std::uint64_t>(r[5].as<std::int64_t>())};
}

activity_row read_activity(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(), static_cast<std::uint64_t>(r[1].as<std::int64_t>()), r[2].as<std::string>(),
          to_bytes(r[3])};
}

std::string conv_select(const char* where) {
  return std::string("SELECT ") + conv_cols + " FROM conversations c WHERE " + where;
}

}  // namespace

pg_session::pg_session(connection_source& source, std::unique_ptr<pqxx::connection> conn, bool pooled,
                       std::shared_ptr<spdlog::logger> log)
    : source_(source), conn_(std::move(conn)), pooled_(pooled), log_(std::move(log)) {}

pg_session::~pg_session() {
  rollback();
  if (conn_ && pooled_) source_.give_back(std::move(conn_));
}

void pg_session::drop_connection() noexcept {
  conn_.reset();
  in_transaction_ = false;
  source_.lost();
}

result<void> pg_session::run_guarded(std::string_view what,
                                     const std::function<result<void>(pqxx::nontransaction&)>& f) {
  return guarded<result<void>>(what, f);
}

result<void> pg_session::begin() {
  auto r = guarded<result<void>>("BEGIN", [](pqxx::nontransaction& tx) -> result<void> {
    tx.exec0("BEGIN");
    return {};
  });
  if (r) in_transaction_ = true;
  aborted_ = false;
  return r;
}

commit_outcome pg_session::commit() {
  if (!conn_ || !in_transaction_) return commit_outcome::none;
  if (aborted_) {
    // COMMIT of a failed transaction would answer ROLLBACK, not an error.
    rollback();
    return commit_outcome::none;
  }
  try {
    pqxx::nontransaction tx(*conn_);
    tx.exec0("COMMIT");
    in_transaction_ = false;
    return commit_outcome::all;
  } catch (const pqxx::broken_connection&) {
    log_->warn("postgres: connection lost during COMMIT; outcome unknown");
    drop_connection();
    return commit_outcome::unknown;
  } catch (const std::exception&) {
    log_->warn("postgres: COMMIT failed");
    rollback();
    return commit_outcome::none;
  }
}

void pg_session::rollback() noexcept {
  if (!conn_ || !in_transaction_) return;
  in_transaction_ = false;
  aborted_ = false;
  try {
    pqxx::nontransaction tx(*conn_);
    tx.exec0("ROLLBACK");
  } catch (...) {
    drop_connection();
  }
}

result<void> pg_session::savepoint() {
  return guarded<result<void>>("SAVEPOINT", [](pqxx::nontransaction& tx) -> result<void> {
    tx.exec0("SAVEPOINT op");
    return {};
  });
}

result<void> pg_session::release_savepoint() {
  return guarded<result<void>>("RELEASE", [](pqxx::nontransaction& tx) -> result<void> {
    tx.exec0("RELEASE SAVEPOINT op");
    return {};
  });
}

void pg_session::rollback_to_savepoint() noexcept {
  auto r = guarded<result<void>>("ROLLBACK TO", [](pqxx::nontransaction& tx) -> result<void> {
    tx.exec0("ROLLBACK TO SAVEPOINT op");
    tx.exec0("RELEASE SAVEPOINT op");
    return {};
  });
  if (r) aborted_ = false;
}

result<std::optional<bytes>> pg_session::get_meta(meta_scope scope, std::string_view name) {
  const char* sql = scope == meta_scope::keys ? "SELECT value FROM key_meta WHERE name = $1"
                                              : "SELECT value FROM data_meta WHERE name = $1";
  return guarded<result<std::optional<bytes>>>("get_meta", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(sql, str(name));
    return result<std::optional<bytes>>(r.empty() ? std::optional<bytes>{} : std::optional<bytes>{to_bytes(r[0][0])});
  });
}

result<void> pg_session::put_meta(meta_scope scope, std::string_view name, std::span<const std::uint8_t> value) {
  const char* sql = scope == meta_scope::keys ? "INSERT INTO key_meta (name, value) VALUES ($1, $2) "
                                                "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
                                              : "INSERT INTO data_meta (name, value) VALUES ($1, $2) "
                                                "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value";
  return guarded<result<void>>("put_meta", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(sql, str(name), blob(value));
    return {};
  });
}

result<std::optional<tenant_key_row>> pg_session::current_tenant_key(std::string_view tenant_id, key_lock lock) {
  return guarded<result<std::optional<tenant_key_row>>>("current_tenant_key", [&](pqxx::nontransaction& tx) {
    // Lock the tenant row (never deleted) first, then read the key row with a fresh snapshot, so
    // that a rotation that committed while we waited is seen.
    if (lock == key_lock::shared)
      tx.exec_params("SELECT 1 FROM tenants WHERE tenant_id = $1 FOR SHARE", str(tenant_id));
    if (lock == key_lock::exclusive) {
      tx.exec_params("SELECT 1 FROM tenants WHERE tenant_id = $1 FOR UPDATE", str(tenant_id));
    }
    auto r = tx.exec_params(
        "SELECT tenant_id, version, parent_version, sealed, uses FROM tenant_keys WHERE tenant_id = $1 "
        "ORDER BY version DESC LIMIT 1",
        str(tenant_id));
    return result<std::optional<tenant_key_row>>(r.empty() ? std::optional<tenant_key_row>{}
                                                           : std::optional<tenant_key_row>{read_tenant_key(r[0])});
  });
}

result<std::vector<tenant_key_row>> pg_session::all_tenant_keys() {
  return guarded<result<std::vector<tenant_key_row>>>("all_tenant_keys", [&](pqxx::nontransaction& tx) {
    std::vector<tenant_key_row> out;
    for (const auto& row : tx.exec("SELECT tenant_id, version, parent_version, sealed, uses FROM tenant_keys")) {
      out.push_back(read_tenant_key(row));
    }
    return result<std::vector<tenant_key_row>>(std::move(out));
  });
}

result<void> pg_session::insert_tenant_key(const tenant_key_row& k) {
  return guarded<result<void>>("insert_tenant_key", [&](pqxx::nontransaction& tx) -> result<void> {
    auto r = tx.exec_params(
        "INSERT INTO tenant_keys (tenant_id, version, parent_version, sealed, uses) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        k.tenant_id, static_cast<std::int64_t>(k.version), static_cast<std::int64_t>(k.parent_version), blob(k.sealed),
        static_cast<std::int64_t>(k.uses));
    if (r.empty()) return errc::already_exists;
    return {};
  });
}

result<void> pg_session::update_tenant_key(const tenant_key_row& k) {
  return guarded<result<void>>("update_tenant_key", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("UPDATE tenant_keys SET parent_version = $3, sealed = $4 WHERE tenant_id = $1 AND version = $2",
                    k.tenant_id, static_cast<std::int64_t>(k.version), static_cast<std::int64_t>(k.parent_version),
                    blob(k.sealed));
    return {};
  });
}

result<void> pg_session::add_tenant_key_uses(std::string_view tenant_id, std::uint32_t version, std::uint64_t n) {
  return guarded<result<void>>("add_tenant_key_uses", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("UPDATE tenant_keys SET uses = uses + $3 WHERE tenant_id = $1 AND version = $2", str(tenant_id),
                    static_cast<std::int64_t>(version), static_cast<std::int64_t>(n));
    return {};
  });
}

result<void> pg_session::delete_tenant_key(std::string_view tenant_id, std::uint32_t version) {
  return guarded<result<void>>("delete_tenant_key", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("DELETE FROM tenant_keys WHERE tenant_id = $1 AND version = $2", str(tenant_id),
                    static_cast<std::int64_t>(version));
    return {};
  });
}

result<std::optional<data_key_row>> pg_session::get_data_key(std::string_view tenant_id, std::string_view key_id,
                                                             std::uint32_t version) {
  return guarded<result<std::optional<data_key_row>>>("get_data_key", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(
        "SELECT tenant_id, key_id, version, parent_version, sealed, subject FROM data_keys "
        "WHERE tenant_id = $1 AND key_id = $2 AND version = $3",
        str(tenant_id), str(key_id), static_cast<std::int64_t>(version));
    return result<std::optional<data_key_row>>(r.empty() ? std::optional<data_key_row>{}
                                                         : std::optional<data_key_row>{read_data_key(r[0])});
  });
}

result<std::vector<data_key_row>> pg_session::tenant_data_keys(std::string_view tenant_id) {
  return guarded<result<std::vector<data_key_row>>>("tenant_data_keys", [&](pqxx::nontransaction& tx) {
    std::vector<data_key_row> out;
    for (const auto& row : tx.exec_params(
             "SELECT tenant_id, key_id, version, parent_version, sealed, subject FROM data_keys WHERE tenant_id = $1",
             str(tenant_id))) {
      out.push_back(read_data_key(row));
    }
    return result<std::vector<data_key_row>>(std::move(out));
  });
}

result<void> pg_session::insert_data_key(const data_key_row& k) {
  return guarded<result<void>>("insert_data_key", [&](pqxx::nontransaction& tx) -> result<void> {
    auto r = tx.exec_params(
        "INSERT INTO data_keys (tenant_id, key_id, version, parent_version, sealed, subject) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1",
        k.tenant_id, k.key_id, static_cast<std::int64_t>(k.version), static_cast<std::int64_t>(k.parent_version),
        blob(k.sealed), static_cast<std::int64_t>(k.subject));
    if (r.empty()) return errc::already_exists;
    return {};
  });
}

result<void> pg_session::update_data_keys(std::span<const data_key_row> rows) {
  return guarded<result<void>>("update_data_keys", [&](pqxx::nontransaction& tx) -> result<void> {
    for (std::size_t start = 0; start < rows.size(); start += chunk_rows) {
      const auto n = std::min(chunk_rows, rows.size() - start);
      std::vector<pqxx::binarystring> params;
      params.reserve(n * 5);
      for (const auto& k : rows.subspan(start, n)) {
        params.push_back(bin_text(k.tenant_id));
        params.push_back(bin_text(k.key_id));
        params.push_back(bin_int8(k.version));
        params.push_back(bin_int8(k.parent_version));
        params.push_back(blob(k.sealed));
      }
      tx.exec_params0("UPDATE data_keys d SET parent_version = v.pv, sealed = v.s FROM (VALUES " +
                          values_list(n, {"text", "text", "bigint", "bigint", "bytea"}) +
                          ") AS v(t, k, ver, pv, s) WHERE d.tenant_id = v.t AND d.key_id = v.k AND d.version = v.ver",
                      pqxx::prepare::make_dynamic_params(params));
    }
    return {};
  });
}

result<void> pg_session::delete_data_keys(std::string_view tenant_id, std::span<const std::string> key_ids) {
  if (key_ids.empty()) return {};
  return guarded<result<void>>("delete_data_keys", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("DELETE FROM data_keys WHERE tenant_id = $1 AND key_id = ANY($2::text[])", str(tenant_id),
                    text_array(key_ids, [](const std::string& s) -> const std::string& { return s; }));
    return {};
  });
}

result<std::optional<bytes>> pg_session::get_tenant_secret(std::string_view tenant_id) {
  return guarded<result<std::optional<bytes>>>("get_tenant_secret", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("SELECT sealed FROM tenant_secrets WHERE tenant_id = $1", str(tenant_id));
    return result<std::optional<bytes>>(r.empty() ? std::optional<bytes>{} : std::optional<bytes>{to_bytes(r[0][0])});
  });
}

result<void> pg_session::put_tenant_secret(std::string_view tenant_id, std::span<const std::uint8_t> sealed) {
  return guarded<result<void>>("put_tenant_secret", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(
        "INSERT INTO tenant_secrets (tenant_id, sealed) VALUES ($1, $2) "
        "ON CONFLICT (tenant_id) DO UPDATE SET sealed = EXCLUDED.sealed",
        str(tenant_id), blob(sealed));
    return {};
  });
}

result<bool> pg_session::tenant_exists(std::string_view tenant_id) {
  return guarded<result<bool>>("tenant_exists", [&](pqxx::nontransaction& tx) {
    return result<bool>(!tx.exec_params("SELECT 1 FROM tenants WHERE tenant_id = $1", str(tenant_id)).empty());
  });
}

result<void> pg_session::insert_tenant(std::string_view tenant_id, nanos created) {
  return guarded<result<void>>("insert_tenant", [&](pqxx::nontransaction& tx) -> result<void> {
    // ON CONFLICT: a concurrent insert (another process) waits for us, then finds the row.
    auto r =
        tx.exec_params("INSERT INTO tenants (tenant_id, created) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
                       str(tenant_id), created);
    if (r.empty()) return errc::already_exists;
    return {};
  });
}

result<std::vector<std::string>> pg_session::list_tenants() {
  return guarded<result<std::vector<std::string>>>("list_tenants", [&](pqxx::nontransaction& tx) {
    std::vector<std::string> out;
    for (const auto& row : tx.exec("SELECT tenant_id FROM tenants ORDER BY tenant_id")) {
      out.push_back(row[0].as<std::string>());
    }
    return result<std::vector<std::string>>(std::move(out));
  });
}

result<std::optional<conversation_row>> pg_session::get_conversation(std::string_view tenant_id, std::string_view id) {
  return guarded<result<std::optional<conversation_row>>>("get_conversation", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(conv_select("c.tenant_id = $1 AND c.id = $2"), str(tenant_id), str(id));
    return result<std::optional<conversation_row>>(
        r.empty() ? std::optional<conversation_row>{} : std::optional<conversation_row>{read_conversation(r[0])});
  });
}

result<void> pg_session::insert_conversation(conversation_row& c) {
  return guarded<result<void>>("insert_conversation", [&](pqxx::nontransaction& tx) -> result<void> {
    auto r = tx.exec_params(
        "INSERT INTO conversations (tenant_id, id, user_ref, sealed, key_id, key_version, last_activity, state, "
        "last_seq, key_uses, subject) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT (tenant_id, id) DO NOTHING RETURNING pk",
        c.tenant_id, c.id, c.user_ref, blob(c.sealed), c.key_id, static_cast<std::int64_t>(c.key_version),
        c.last_activity, str(to_string(c.state)), static_cast<std::int64_t>(c.last_seq),
        static_cast<std::int64_t>(c.key_uses), static_cast<std::int64_t>(c.subject));
    if (r.empty()) return errc::already_exists;
    c.pk = r[0][0].as<std::int64_t>();
    return {};
  });
}

result<std::vector<conversation_row>> pg_session::list_conversations(const conversation_query& q) {
  return guarded<result<std::vector<conversation_row>>>("list_conversations", [&](pqxx::nontransaction& tx) {
    // NULL parameters switch filters off; one statement text for every combination.
    const char* null = nullptr;
    auto r = tx.exec_params(
        conv_select("c.tenant_id = $1 AND ($2::text IS NULL OR c.state = $2) AND "
                    "($3::bigint IS NULL OR c.last_activity >= $3) AND "
                    "($4::bigint IS NULL OR c.last_activity < $4 OR (c.last_activity = $4 AND c.id > $5)) "
                    "ORDER BY c.last_activity DESC, c.id ASC LIMIT $6"),
        q.tenant_id, q.state ? str(to_string(*q.state)).c_str() : null,
        q.active_since ? std::to_string(*q.active_since).c_str() : null,
        q.after ? std::to_string(q.after->first).c_str() : null, q.after ? q.after->second.c_str() : null,
        static_cast<std::int64_t>(q.limit));
    std::vector<conversation_row> out;
    for (const auto& row : r) out.push_back(read_conversation(row));
    return result<std::vector<conversation_row>>(std::move(out));
  });
}

result<bool> pg_session::set_state(std::string_view tenant_id, std::string_view id, conversation_state state) {
  return guarded<result<bool>>("set_state", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("UPDATE conversations SET state = $3 WHERE tenant_id = $1 AND id = $2 RETURNING 1",
                            str(tenant_id), str(id), str(to_string(state)));
    return result<bool>(!r.empty());
  });
}

result<std::vector<subject_row>> pg_session::scan_subjects(std::string_view tenant_id, std::int64_t after_pk,
                                                           std::size_t limit) {
  return guarded<result<std::vector<subject_row>>>("scan_subjects", [&](pqxx::nontransaction& tx) {
    std::vector<subject_row> out;
    for (const auto& row : tx.exec_params("SELECT pk, id, subject, user_ref FROM conversations WHERE tenant_id = $1 "
                                          "AND pk > $2 ORDER BY pk LIMIT $3",
                                          str(tenant_id), after_pk, static_cast<std::int64_t>(limit))) {
      out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(),
                     static_cast<std::uint64_t>(row[2].as<std::int64_t>()), row[3].as<std::string>()});
    }
    return result<std::vector<subject_row>>(std::move(out));
  });
}

result<std::vector<conversation_row>> pg_session::conversations_idle_since(std::string_view tenant_id, nanos cutoff) {
  return guarded<result<std::vector<conversation_row>>>("conversations_idle_since", [&](pqxx::nontransaction& tx) {
    std::vector<conversation_row> out;
    for (const auto& row :
         tx.exec_params(conv_select("c.tenant_id = $1 AND c.last_activity < $2"), str(tenant_id), cutoff)) {
      out.push_back(read_conversation(row));
    }
    return result<std::vector<conversation_row>>(std::move(out));
  });
}

result<void> pg_session::delete_conversations(std::span<const std::int64_t> pks) {
  if (pks.empty()) return {};
  return guarded<result<void>>("delete_conversations", [&](pqxx::nontransaction& tx) -> result<void> {
    const auto arr = int_array(pks, [](std::int64_t v) { return v; });
    for (const char* sql : {"DELETE FROM activities WHERE conv_pk = ANY($1::bigint[])",
                            "DELETE FROM idempotency WHERE conv_pk = ANY($1::bigint[])",
                            "DELETE FROM bot_state WHERE conv_pk = ANY($1::bigint[])",
                            "DELETE FROM attachments WHERE conv_pk = ANY($1::bigint[])",
                            "DELETE FROM conversations WHERE pk = ANY($1::bigint[])"}) {
      tx.exec_params0(sql, arr);
    }
    return {};
  });
}

result<std::vector<std::optional<conversation_row>>> pg_session::lock_conversations(
    std::span<const std::pair<std::string, std::string>> keys) {
  using out_t = std::vector<std::optional<conversation_row>>;
  return guarded<result<out_t>>("lock_conversations", [&](pqxx::nontransaction& tx) {
    // FOR UPDATE in pk order: concurrent batches of several processes lock in one global order.
    auto r = tx.exec_params(std::string("SELECT ") + conv_cols +
                                " FROM conversations c JOIN unnest($1::text[], $2::text[]) AS k(t, i) "
                                "ON c.tenant_id = k.t AND c.id = k.i ORDER BY c.pk FOR UPDATE OF c",
                            text_array(keys, [](const auto& k) -> const std::string& { return k.first; }),
                            text_array(keys, [](const auto& k) -> const std::string& { return k.second; }));
    std::map<std::pair<std::string, std::string>, conversation_row> found;
    for (const auto& row : r) {
      auto c = read_conversation(row);
      auto key = std::pair{c.tenant_id, c.id};
      found.emplace(std::move(key), std::move(c));
    }
    out_t out;
    out.reserve(keys.size());
    for (const auto& k : keys) {
      auto it = found.find(k);
      out.push_back(it == found.end() ? std::nullopt : std::optional<conversation_row>(it->second));
    }
    return result<out_t>(std::move(out));
  });
}

result<std::vector<std::optional<idempotency_row>>> pg_session::find_idempotency(
    std::span<const std::pair<std::int64_t, std::string>> keys) {
  using out_t = std::vector<std::optional<idempotency_row>>;
  return guarded<result<out_t>>("find_idempotency", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(
        "SELECT i.conv_pk, i.ref, i.seq, i.activity_id FROM idempotency i "
        "JOIN unnest($1::bigint[], $2::text[]) AS k(p, r) ON i.conv_pk = k.p AND i.ref = k.r",
        int_array(keys, [](const auto& k) { return k.first; }),
        text_array(keys, [](const auto& k) -> const std::string& { return k.second; }));
    std::map<std::pair<std::int64_t, std::string>, idempotency_row> found;
    for (const auto& row : r) {
      idempotency_row i{row[0].as<std::int64_t>(), row[1].as<std::string>(),
                        static_cast<std::uint64_t>(row[2].as<std::int64_t>()), row[3].as<std::string>()};
      found.emplace(std::pair{i.conv_pk, i.ref}, i);
    }
    out_t out;
    for (const auto& k : keys) {
      auto it = found.find(k);
      out.push_back(it == found.end() ? std::nullopt : std::optional<idempotency_row>(it->second));
    }
    return result<out_t>(std::move(out));
  });
}

result<void> pg_session::insert_activities(std::span<const activity_row> rows) {
  if (rows.empty()) return {};
  return guarded<result<void>>("insert_activities", [&](pqxx::nontransaction& tx) -> result<void> {
    for (std::size_t start = 0; start < rows.size(); start += chunk_rows) {
      const auto n = std::min(chunk_rows, rows.size() - start);
      std::vector<pqxx::binarystring> params;
      params.reserve(n * 4);
      for (const auto& a : rows.subspan(start, n)) {
        params.push_back(bin_int8(a.conv_pk));
        params.push_back(bin_int8(static_cast<std::int64_t>(a.seq)));
        params.push_back(bin_text(a.activity_id));
        params.push_back(blob(a.body));
      }
      tx.exec_params0("INSERT INTO activities (conv_pk, seq, activity_id, body) VALUES " +
                          values_list(n, {"bigint", "bigint", "text", "bytea"}),
                      pqxx::prepare::make_dynamic_params(params));
    }
    return {};
  });
}

result<void> pg_session::insert_idempotency(std::span<const idempotency_row> rows) {
  if (rows.empty()) return {};
  return guarded<result<void>>("insert_idempotency", [&](pqxx::nontransaction& tx) -> result<void> {
    for (std::size_t start = 0; start < rows.size(); start += chunk_rows) {
      const auto n = std::min(chunk_rows, rows.size() - start);
      std::vector<pqxx::binarystring> params;
      params.reserve(n * 4);
      for (const auto& i : rows.subspan(start, n)) {
        params.push_back(bin_int8(i.conv_pk));
        params.push_back(bin_text(i.ref));
        params.push_back(bin_int8(static_cast<std::int64_t>(i.seq)));
        params.push_back(bin_text(i.activity_id));
      }
      tx.exec_params0("INSERT INTO idempotency (conv_pk, ref, seq, activity_id) VALUES " +
                          values_list(n, {"bigint", "text", "bigint", "text"}),
                      pqxx::prepare::make_dynamic_params(params));
    }
    return {};
  });
}

result<void> pg_session::advance_conversations(std::span<const conversation_advance> rows) {
  if (rows.empty()) return {};
  return guarded<result<void>>("advance_conversations", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(
        "UPDATE conversations c SET last_seq = v.s, last_activity = v.la, key_uses = v.u "
        "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(p, s, la, u) WHERE c.pk = v.p",
        int_array(rows, [](const auto& r) { return r.pk; }),
        int_array(rows, [](const auto& r) { return static_cast<std::int64_t>(r.last_seq); }),
        int_array(rows, [](const auto& r) { return r.last_activity; }),
        int_array(rows, [](const auto& r) { return static_cast<std::int64_t>(r.key_uses); }));
    return {};
  });
}

result<void> pg_session::set_key_uses(std::int64_t conv_pk, std::uint64_t key_uses) {
  return guarded<result<void>>("set_key_uses", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("UPDATE conversations SET key_uses = $2 WHERE pk = $1", conv_pk,
                    static_cast<std::int64_t>(key_uses));
    return {};
  });
}

result<std::vector<activity_row>> pg_session::read_activities(std::int64_t conv_pk, std::uint64_t after,
                                                              std::size_t limit) {
  return guarded<result<std::vector<activity_row>>>("read_activities", [&](pqxx::nontransaction& tx) {
    std::vector<activity_row> out;
    for (const auto& row :
         tx.exec_params("SELECT conv_pk, seq, activity_id, body FROM activities "
                        "WHERE conv_pk = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                        conv_pk, static_cast<std::int64_t>(after), static_cast<std::int64_t>(limit))) {
      out.push_back(read_activity(row));
    }
    return result<std::vector<activity_row>>(std::move(out));
  });
}

result<std::optional<activity_row>> pg_session::find_activity(std::int64_t conv_pk, std::string_view activity_id) {
  return guarded<result<std::optional<activity_row>>>("find_activity", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(
        "SELECT conv_pk, seq, activity_id, body FROM activities "
        "WHERE conv_pk = $1 AND activity_id = $2 ORDER BY seq DESC LIMIT 1",
        conv_pk, str(activity_id));
    return result<std::optional<activity_row>>(r.empty() ? std::optional<activity_row>{}
                                                         : std::optional<activity_row>{read_activity(r[0])});
  });
}

result<std::optional<bot_state_row>> pg_session::get_bot_state(std::int64_t conv_pk) {
  return guarded<result<std::optional<bot_state_row>>>("get_bot_state", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("SELECT etag, data FROM bot_state WHERE conv_pk = $1", conv_pk);
    return result<std::optional<bot_state_row>>(
        r.empty() ? std::optional<bot_state_row>{}
                  : std::optional<bot_state_row>{bot_state_row{r[0][0].as<std::string>(), to_bytes(r[0][1])}});
  });
}

result<void> pg_session::put_bot_state(std::int64_t conv_pk, const bot_state_row& row) {
  return guarded<result<void>>("put_bot_state", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(
        "INSERT INTO bot_state (conv_pk, etag, data) VALUES ($1, $2, $3) "
        "ON CONFLICT (conv_pk) DO UPDATE SET etag = EXCLUDED.etag, data = EXCLUDED.data",
        conv_pk, row.etag, blob(row.data));
    return {};
  });
}

result<void> pg_session::insert_attachment(const attachment_row& a) {
  return guarded<result<void>>("insert_attachment", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("INSERT INTO attachments (conv_pk, id, meta, content) VALUES ($1, $2, $3, $4)", a.conv_pk, a.id,
                    blob(a.meta), blob(a.content));
    return {};
  });
}

result<std::optional<attachment_row>> pg_session::get_attachment(std::int64_t conv_pk, std::string_view id) {
  return guarded<result<std::optional<attachment_row>>>("get_attachment", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("SELECT conv_pk, id, meta, content FROM attachments WHERE conv_pk = $1 AND id = $2",
                            conv_pk, str(id));
    if (r.empty()) return result<std::optional<attachment_row>>(std::optional<attachment_row>{});
    const auto& row = r[0];
    return result<std::optional<attachment_row>>(attachment_row{row[0].as<std::int64_t>(), row[1].as<std::string>(),
                                                                row[2].is_null() ? bytes{} : to_bytes(row[2]),
                                                                to_bytes(row[3])});
  });
}

}  // namespace parley::store::postgres::detail
