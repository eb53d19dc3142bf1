// The desk's rows in PostgreSQL (backend.hpp, "the service desk"): desk_sessions, desk_logins
// and desk_settings.
#include "pg_rows.hpp"

namespace parley::store::postgres::detail {
namespace {

constexpr char session_cols[] =
    "tenant_id, ref, subject_ref, sid_ref, key_id, key_version, created, last_seen, expires, refresh_due, data";

desk_session_row read_session(const pqxx::row& row) {
  desk_session_row r;
  r.tenant_id = row[0].as<std::string>();
  r.ref = row[1].as<std::string>();
  r.subject_ref = row[2].as<std::string>();
  r.sid_ref = row[3].as<std::string>();
  r.key_id = row[4].as<std::string>();
  r.key_version = static_cast<std::uint32_t>(row[5].as<std::int64_t>());
  r.created = row[6].as<std::int64_t>();
  r.last_seen = row[7].as<std::int64_t>();
  r.expires = row[8].as<std::int64_t>();
  r.refresh_due = row[9].as<std::int64_t>();
  r.data = to_bytes(row[10]);
  return r;
}

std::vector<desk_session_row> read_sessions(const pqxx::result& rows) {
  std::vector<desk_session_row> out;
  for (const auto& row : rows) out.push_back(read_session(row));
  return out;
}

}  // namespace

result<void> pg_session::insert_desk_session(const desk_session_row& r) {
  return guarded<result<void>>("insert_desk_session", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params(std::string("INSERT INTO desk_sessions (") + session_cols +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                   r.tenant_id, r.ref, r.subject_ref, r.sid_ref, r.key_id, static_cast<std::int64_t>(r.key_version),
                   r.created, r.last_seen, r.expires, r.refresh_due, blob(r.data));
    return {};
  });
}

result<std::optional<desk_session_row>> pg_session::get_desk_session(std::string_view tenant_id, std::string_view ref) {
  using R = result<std::optional<desk_session_row>>;
  return guarded<R>("get_desk_session", [&](pqxx::nontransaction& tx) -> R {
    auto rows =
        tx.exec_params(std::string("SELECT ") + session_cols + " FROM desk_sessions WHERE tenant_id = $1 AND ref = $2",
                       str(tenant_id), str(ref));
    if (rows.empty()) return std::optional<desk_session_row>{};
    return std::optional<desk_session_row>{read_session(rows[0])};
  });
}

result<bool> pg_session::touch_desk_session(std::string_view tenant_id, std::string_view ref, nanos last_seen) {
  return guarded<result<bool>>("touch_desk_session", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(
        "UPDATE desk_sessions SET last_seen = GREATEST(last_seen, $3) WHERE tenant_id = $1 AND ref = $2 RETURNING 1",
        str(tenant_id), str(ref), last_seen);
    return result<bool>(!r.empty());
  });
}

result<bool> pg_session::claim_desk_refresh(std::string_view tenant_id, std::string_view ref, nanos expected,
                                            nanos next) {
  return guarded<result<bool>>("claim_desk_refresh", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params(
        "UPDATE desk_sessions SET refresh_due = $4 WHERE tenant_id = $1 AND ref = $2 AND refresh_due = $3 RETURNING 1",
        str(tenant_id), str(ref), expected, next);
    return result<bool>(!r.empty());
  });
}

result<bool> pg_session::update_desk_session_data(std::string_view tenant_id, std::string_view ref,
                                                  std::span<const std::uint8_t> data) {
  return guarded<result<bool>>("update_desk_session_data", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("UPDATE desk_sessions SET data = $3 WHERE tenant_id = $1 AND ref = $2 RETURNING 1",
                            str(tenant_id), str(ref), blob(data));
    return result<bool>(!r.empty());
  });
}

result<std::vector<desk_session_row>> pg_session::find_desk_sessions(std::string_view tenant_id,
                                                                     std::string_view subject_ref,
                                                                     std::string_view sid_ref) {
  using R = result<std::vector<desk_session_row>>;
  if (subject_ref.empty() && sid_ref.empty()) return errc::invalid_argument;
  return guarded<R>("find_desk_sessions", [&](pqxx::nontransaction& tx) -> R {
    return read_sessions(tx.exec_params(std::string("SELECT ") + session_cols +
                                            " FROM desk_sessions WHERE tenant_id = $1 AND ($2 = '' OR subject_ref = "
                                            "$2) AND ($3 = '' OR sid_ref = $3)",
                                        str(tenant_id), str(subject_ref), str(sid_ref)));
  });
}

result<std::vector<desk_session_row>> pg_session::expired_desk_sessions(std::string_view tenant_id, nanos now,
                                                                        nanos idle_cutoff) {
  using R = result<std::vector<desk_session_row>>;
  return guarded<R>("expired_desk_sessions", [&](pqxx::nontransaction& tx) -> R {
    return read_sessions(tx.exec_params(std::string("SELECT ") + session_cols +
                                            " FROM desk_sessions WHERE tenant_id = $1 AND (expires <= $2 OR "
                                            "last_seen < $3) FOR UPDATE",
                                        str(tenant_id), now, idle_cutoff));
  });
}

result<void> pg_session::delete_desk_sessions(std::string_view tenant_id, std::span<const std::string> refs) {
  if (refs.empty()) return {};
  return guarded<result<void>>("delete_desk_sessions", [&](pqxx::nontransaction& tx) -> result<void> {
    for (const auto& ref : refs) {
      tx.exec_params("DELETE FROM desk_sessions WHERE tenant_id = $1 AND ref = $2", str(tenant_id), ref);
    }
    return {};
  });
}

result<void> pg_session::insert_desk_login(const desk_login_row& r) {
  return guarded<result<void>>("insert_desk_login", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params("INSERT INTO desk_logins (tenant_id, ref, browser_ref, issuer, expires) VALUES ($1, $2, $3, $4, $5)",
                   r.tenant_id, r.ref, r.browser_ref, r.issuer, r.expires);
    return {};
  });
}

result<std::optional<desk_login_row>> pg_session::get_desk_login(std::string_view tenant_id, std::string_view ref) {
  using R = result<std::optional<desk_login_row>>;
  return guarded<R>("get_desk_login", [&](pqxx::nontransaction& tx) -> R {
    auto rows = tx.exec_params(
        "SELECT tenant_id, ref, browser_ref, issuer, expires FROM desk_logins WHERE tenant_id = $1 AND ref = $2",
        str(tenant_id), str(ref));
    if (rows.empty()) return std::optional<desk_login_row>{};
    const auto& row = rows[0];
    return std::optional<desk_login_row>{desk_login_row{row[0].as<std::string>(), row[1].as<std::string>(),
                                                        row[2].as<std::string>(), row[3].as<std::string>(),
                                                        row[4].as<std::int64_t>()}};
  });
}

result<bool> pg_session::delete_desk_login(std::string_view tenant_id, std::string_view ref) {
  return guarded<result<bool>>("delete_desk_login", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("DELETE FROM desk_logins WHERE tenant_id = $1 AND ref = $2 RETURNING 1", str(tenant_id),
                            str(ref));
    return result<bool>(!r.empty());
  });
}

result<std::size_t> pg_session::delete_expired_desk_logins(std::string_view tenant_id, nanos now) {
  return guarded<result<std::size_t>>("delete_expired_desk_logins", [&](pqxx::nontransaction& tx) {
    auto r = tx.exec_params("DELETE FROM desk_logins WHERE tenant_id = $1 AND expires <= $2", str(tenant_id), now);
    return result<std::size_t>(static_cast<std::size_t>(r.affected_rows()));
  });
}

result<std::optional<desk_settings_row>> pg_session::get_desk_settings(std::string_view tenant_id) {
  using R = result<std::optional<desk_settings_row>>;
  return guarded<R>("get_desk_settings", [&](pqxx::nontransaction& tx) -> R {
    auto rows = tx.exec_params(
        "SELECT tenant_id, key_id, key_version, version, data FROM desk_settings WHERE tenant_id = $1 FOR UPDATE",
        str(tenant_id));
    if (rows.empty()) return std::optional<desk_settings_row>{};
    const auto& row = rows[0];
    return std::optional<desk_settings_row>{desk_settings_row{
        row[0].as<std::string>(), row[1].as<std::string>(), static_cast<std::uint32_t>(row[2].as<std::int64_t>()),
        static_cast<std::uint64_t>(row[3].as<std::int64_t>()), to_bytes(row[4])}};
  });
}

result<void> pg_session::put_desk_settings(const desk_settings_row& r) {
  return guarded<result<void>>("put_desk_settings", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params(
        "INSERT INTO desk_settings (tenant_id, key_id, key_version, version, data) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (tenant_id) DO UPDATE SET key_id = EXCLUDED.key_id, key_version = EXCLUDED.key_version, "
        "version = EXCLUDED.version, data = EXCLUDED.data",
        r.tenant_id, r.key_id, static_cast<std::int64_t>(r.key_version), static_cast<std::int64_t>(r.version),
        blob(r.data));
    return {};
  });
}

}  // namespace parley::store::postgres::detail
