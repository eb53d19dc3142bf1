// The desk's rows in SQLite (backend.hpp, "the service desk"): desk_sessions, desk_logins and
// desk_settings, all in the data file (the sessions' data keys live in the key file).
#include "sqlite_rows.hpp"
#include "sqlite_session.hpp"

#include <sqlite3.h>

namespace parley::store::sqlite::detail {
namespace {

#define SESSION_COLS \
  "tenant_id, ref, subject_ref, sid_ref, key_id, key_version, created, last_seen, expires, refresh_due, data"

constexpr char sql_insert_session[] =
    "INSERT INTO desk_sessions (" SESSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr char sql_get_session[] = "SELECT " SESSION_COLS " FROM desk_sessions WHERE tenant_id = ?1 AND ref = ?2";
constexpr char sql_touch_session[] =
    "UPDATE desk_sessions SET last_seen = max(last_seen, ?3) WHERE tenant_id = ?1 AND ref = ?2";
constexpr char sql_claim_refresh[] =
    "UPDATE desk_sessions SET refresh_due = ?4 WHERE tenant_id = ?1 AND ref = ?2 AND refresh_due = ?3";
constexpr char sql_update_data[] = "UPDATE desk_sessions SET data = ?3 WHERE tenant_id = ?1 AND ref = ?2";
constexpr char sql_find_sessions[] =
    "SELECT " SESSION_COLS
    " FROM desk_sessions WHERE tenant_id = ?1 AND (?2 = '' OR subject_ref = ?2) AND (?3 = '' OR sid_ref = ?3)";
constexpr char sql_expired_sessions[] =
    "SELECT " SESSION_COLS " FROM desk_sessions WHERE tenant_id = ?1 AND (expires <= ?2 OR last_seen < ?3)";
constexpr char sql_delete_session[] = "DELETE FROM desk_sessions WHERE tenant_id = ?1 AND ref = ?2";
constexpr char sql_insert_login[] =
    "INSERT INTO desk_logins (tenant_id, ref, browser_ref, issuer, expires) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr char sql_get_login[] =
    "SELECT tenant_id, ref, browser_ref, issuer, expires FROM desk_logins WHERE tenant_id = ?1 AND ref = ?2";
constexpr char sql_delete_login[] = "DELETE FROM desk_logins WHERE tenant_id = ?1 AND ref = ?2";
constexpr char sql_delete_expired_logins[] = "DELETE FROM desk_logins WHERE tenant_id = ?1 AND expires <= ?2";
constexpr char sql_get_settings[] =
    "SELECT tenant_id, key_id, key_version, version, data FROM desk_settings WHERE tenant_id = ?1";
constexpr char sql_put_settings[] =
    "INSERT OR REPLACE INTO desk_settings (tenant_id, key_id, key_version, version, data) VALUES (?1, ?2, ?3, ?4, ?5)";

#undef SESSION_COLS

desk_session_row read_session(const statement& st) {
  desk_session_row r;
  r.tenant_id = st.text(0);
  r.ref = st.text(1);
  r.subject_ref = st.text(2);
  r.sid_ref = st.text(3);
  r.key_id = st.text(4);
  r.key_version = static_cast<std::uint32_t>(st.int64(5));
  r.created = st.int64(6);
  r.last_seen = st.int64(7);
  r.expires = st.int64(8);
  r.refresh_due = st.int64(9);
  r.data = st.blob(10);
  return r;
}

// Runs a statement that changes rows; true when it changed at least one.
result<bool> changed(connection& c, result<statement> st) {
  if (!st) return bool_error(st.error());
  if (auto w = st->run(); !w) return bool_error(w.error());
  return sqlite3_changes(c.handle()) > 0;
}

}  // namespace

result<void> sqlite_session::insert_desk_session(const desk_session_row& r) {
  auto st = data().prepare(sql_insert_session);
  if (!st) return st.error();
  st->bind(1, r.tenant_id).bind(2, r.ref).bind(3, r.subject_ref).bind(4, r.sid_ref).bind(5, r.key_id);
  st->bind(6, r.key_version).bind(7, r.created).bind(8, r.last_seen).bind(9, r.expires).bind(10, r.refresh_due);
  st->bind_blob(11, r.data);
  return st->run();
}

result<std::optional<desk_session_row>> sqlite_session::get_desk_session(std::string_view tenant_id,
                                                                         std::string_view ref) {
  auto st = data().prepare(sql_get_session);
  if (st) st->bind(1, tenant_id).bind(2, ref);
  return one<desk_session_row>(std::move(st), read_session);
}

result<bool> sqlite_session::touch_desk_session(std::string_view tenant_id, std::string_view ref, nanos last_seen) {
  auto st = data().prepare(sql_touch_session);
  if (st) st->bind(1, tenant_id).bind(2, ref).bind(3, last_seen);
  return changed(data(), std::move(st));
}

result<bool> sqlite_session::claim_desk_refresh(std::string_view tenant_id, std::string_view ref, nanos expected,
                                                nanos next) {
  auto st = data().prepare(sql_claim_refresh);
  if (st) st->bind(1, tenant_id).bind(2, ref).bind(3, expected).bind(4, next);
  return changed(data(), std::move(st));
}

result<bool> sqlite_session::update_desk_session_data(std::string_view tenant_id, std::string_view ref,
                                                      std::span<const std::uint8_t> sealed) {
  auto st = data().prepare(sql_update_data);
  if (st) st->bind(1, tenant_id).bind(2, ref).bind_blob(3, sealed);
  return changed(data(), std::move(st));
}

result<std::vector<desk_session_row>> sqlite_session::find_desk_sessions(std::string_view tenant_id,
                                                                         std::string_view subject_ref,
                                                                         std::string_view sid_ref) {
  if (subject_ref.empty() && sid_ref.empty()) return errc::invalid_argument;
  auto st = data().prepare(sql_find_sessions);
  if (st) st->bind(1, tenant_id).bind(2, subject_ref).bind(3, sid_ref);
  return all<desk_session_row>(std::move(st), read_session);
}

result<std::vector<desk_session_row>> sqlite_session::expired_desk_sessions(std::string_view tenant_id, nanos now,
                                                                            nanos idle_cutoff) {
  auto st = data().prepare(sql_expired_sessions);
  if (st) st->bind(1, tenant_id).bind(2, now).bind(3, idle_cutoff);
  return all<desk_session_row>(std::move(st), read_session);
}

result<void> sqlite_session::delete_desk_sessions(std::string_view tenant_id, std::span<const std::string> refs) {
  for (const auto& ref : refs) {
    auto st = data().prepare(sql_delete_session);
    if (!st) return st.error();
    st->bind(1, tenant_id).bind(2, ref);
    if (auto w = st->run(); !w) return w;
  }
  return {};
}

result<void> sqlite_session::insert_desk_login(const desk_login_row& r) {
  auto st = data().prepare(sql_insert_login);
  if (!st) return st.error();
  st->bind(1, r.tenant_id).bind(2, r.ref).bind(3, r.browser_ref).bind(4, r.issuer).bind(5, r.expires);
  return st->run();
}

result<std::optional<desk_login_row>> sqlite_session::get_desk_login(std::string_view tenant_id, std::string_view ref) {
  auto st = data().prepare(sql_get_login);
  if (st) st->bind(1, tenant_id).bind(2, ref);
  return one<desk_login_row>(std::move(st), [](const statement& s) {
    return desk_login_row{s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4)};
  });
}

result<bool> sqlite_session::delete_desk_login(std::string_view tenant_id, std::string_view ref) {
  auto st = data().prepare(sql_delete_login);
  if (st) st->bind(1, tenant_id).bind(2, ref);
  return changed(data(), std::move(st));
}

result<std::size_t> sqlite_session::delete_expired_desk_logins(std::string_view tenant_id, nanos now) {
  auto st = data().prepare(sql_delete_expired_logins);
  if (!st) return st.error();
  st->bind(1, tenant_id).bind(2, now);
  if (auto w = st->run(); !w) return w.error();
  return static_cast<std::size_t>(sqlite3_changes(data().handle()));
}

result<std::optional<desk_settings_row>> sqlite_session::get_desk_settings(std::string_view tenant_id) {
  auto st = data().prepare(sql_get_settings);
  if (st) st->bind(1, tenant_id);
  return one<desk_settings_row>(std::move(st), [](const statement& s) {
    return desk_settings_row{s.text(0), s.text(1), static_cast<std::uint32_t>(s.int64(2)),
                             static_cast<std::uint64_t>(s.int64(3)), s.blob(4)};
  });
}

result<void> sqlite_session::put_desk_settings(const desk_settings_row& r) {
  auto st = data().prepare(sql_put_settings);
  if (!st) return st.error();
  st->bind(1, r.tenant_id).bind(2, r.key_id).bind(3, r.key_version).bind(4, static_cast<std::int64_t>(r.version));
  st->bind_blob(5, r.data);
  return st->run();
}

}  // namespace parley::store::sqlite::detail
