// The desk queue's rows in SQLite (backend.hpp, "the desk's queue"): desk_handoffs and
// desk_agents, in the data file. SQLite has one writer, so a compare-and-set on a handoff's
// version and the agent's load check in the same transaction cannot interleave with another.
#include "sqlite_rows.hpp"
#include "sqlite_session.hpp"

#include <sqlite3.h>

namespace parley::store::sqlite::detail {
namespace {

#define HANDOFF_COLS                                                                                            \
  "tenant_id, conversation_id, handoff_id, queue, priority, status, owner_ref, requested, assigned, answered, " \
  "version, data"
#define AGENT_COLS "tenant_id, actor_ref, state, capacity, load, skills, key_id, last_seen, last_assigned, data"

constexpr char sql_insert_handoff[] =
    "INSERT INTO desk_handoffs (" HANDOFF_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr char sql_open_handoff[] =
    "SELECT " HANDOFF_COLS " FROM desk_handoffs WHERE tenant_id = ?1 AND conversation_id = ?2 AND status < 2";
constexpr char sql_list_handoffs[] =
    "SELECT " HANDOFF_COLS
    " FROM desk_handoffs WHERE tenant_id = ?1 AND status < 2 AND (?2 = '' OR owner_ref = ?2)"
    " ORDER BY status, priority DESC, requested, conversation_id LIMIT ?3";
constexpr char sql_count_open[] = "SELECT count(*) FROM desk_handoffs WHERE tenant_id = ?1 AND status < 2";
constexpr char sql_update_handoff[] =
    "UPDATE desk_handoffs SET queue = ?4, priority = ?5, status = ?6, owner_ref = ?7, assigned = ?8, answered = ?9,"
    " version = ?10, data = ?11"
    " WHERE tenant_id = ?1 AND conversation_id = ?2 AND handoff_id = ?3 AND status < 2 AND version = ?12";
constexpr char sql_unanswered[] =
    "SELECT " HANDOFF_COLS
    " FROM desk_handoffs WHERE tenant_id = ?1 AND status = 1 AND answered = 0 AND assigned < ?2"
    " ORDER BY assigned";
constexpr char sql_get_agent[] = "SELECT " AGENT_COLS " FROM desk_agents WHERE tenant_id = ?1 AND actor_ref = ?2";
constexpr char sql_put_agent[] =
    "INSERT OR REPLACE INTO desk_agents (" AGENT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr char sql_list_agents[] = "SELECT " AGENT_COLS " FROM desk_agents WHERE tenant_id = ?1 ORDER BY actor_ref";

#undef HANDOFF_COLS
#undef AGENT_COLS

desk_handoff_row read_handoff(const statement& st) {
  desk_handoff_row r;
  r.tenant_id = st.text(0);
  r.conversation_id = st.text(1);
  r.handoff_id = st.text(2);
  r.queue = st.text(3);
  r.priority = static_cast<int>(st.int64(4));
  r.status = static_cast<int>(st.int64(5));
  r.owner_ref = st.text(6);
  r.requested = st.int64(7);
  r.assigned = st.int64(8);
  r.answered = st.int64(9);
  r.version = static_cast<std::uint64_t>(st.int64(10));
  r.data = st.blob(11);
  return r;
}

desk_agent_row read_agent(const statement& st) {
  desk_agent_row r;
  r.tenant_id = st.text(0);
  r.actor_ref = st.text(1);
  r.state = static_cast<int>(st.int64(2));
  r.capacity = static_cast<std::uint32_t>(st.int64(3));
  r.load = static_cast<std::uint32_t>(st.int64(4));
  r.skills = st.text(5);
  r.key_id = st.text(6);
  r.last_seen = st.int64(7);
  r.last_assigned = st.int64(8);
  r.data = st.blob(9);
  return r;
}

}  // namespace

result<void> sqlite_session::insert_desk_handoff(const desk_handoff_row& r) {
  auto st = data().prepare(sql_insert_handoff);
  if (!st) return st.error();
  st->bind(1, r.tenant_id).bind(2, r.conversation_id).bind(3, r.handoff_id).bind(4, r.queue).bind(5, r.priority);
  st->bind(6, r.status).bind(7, r.owner_ref).bind(8, r.requested).bind(9, r.assigned).bind(10, r.answered);
  st->bind(11, static_cast<std::int64_t>(r.version)).bind_blob(12, r.data);
  return st->run();
}

result<std::optional<desk_handoff_row>> sqlite_session::open_desk_handoff(std::string_view tenant_id,
                                                                          std::string_view conversation_id) {
  auto st = data().prepare(sql_open_handoff);
  if (st) st->bind(1, tenant_id).bind(2, conversation_id);
  return one<desk_handoff_row>(std::move(st), read_handoff);
}

result<std::vector<desk_handoff_row>> sqlite_session::list_desk_handoffs(std::string_view tenant_id,
                                                                         std::string_view owner_ref,
                                                                         std::size_t limit) {
  auto st = data().prepare(sql_list_handoffs);
  if (st) st->bind(1, tenant_id).bind(2, owner_ref).bind(3, static_cast<std::int64_t>(limit));
  return all<desk_handoff_row>(std::move(st), read_handoff);
}

result<std::size_t> sqlite_session::count_open_desk_handoffs(std::string_view tenant_id) {
  auto st = data().prepare(sql_count_open);
  if (!st) return st.error();
  st->bind(1, tenant_id);
  auto row = st->step();
  if (!row) return row.error();
  return *row ? static_cast<std::size_t>(st->int64(0)) : std::size_t{0};
}

result<bool> sqlite_session::update_desk_handoff(const desk_handoff_row& r, std::uint64_t expected_version) {
  auto st = data().prepare(sql_update_handoff);
  if (!st) return bool_error(st.error());
  st->bind(1, r.tenant_id).bind(2, r.conversation_id).bind(3, r.handoff_id).bind(4, r.queue).bind(5, r.priority);
  st->bind(6, r.status).bind(7, r.owner_ref).bind(8, r.assigned).bind(9, r.answered);
  st->bind(10, static_cast<std::int64_t>(r.version)).bind_blob(11, r.data);
  st->bind(12, static_cast<std::int64_t>(expected_version));
  if (auto w = st->run(); !w) return bool_error(w.error());
  return sqlite3_changes(data().handle()) > 0;
}

result<std::vector<desk_handoff_row>> sqlite_session::unanswered_desk_handoffs(std::string_view tenant_id,
                                                                               nanos cutoff) {
  auto st = data().prepare(sql_unanswered);
  if (st) st->bind(1, tenant_id).bind(2, cutoff);
  return all<desk_handoff_row>(std::move(st), read_handoff);
}

result<std::optional<desk_agent_row>> sqlite_session::lock_desk_agent(std::string_view tenant_id,
                                                                      std::string_view actor_ref) {
  // The write transaction (BEGIN IMMEDIATE) already excludes every other writer.
  auto st = data().prepare(sql_get_agent);
  if (st) st->bind(1, tenant_id).bind(2, actor_ref);
  return one<desk_agent_row>(std::move(st), read_agent);
}

result<void> sqlite_session::put_desk_agent(const desk_agent_row& r) {
  auto st = data().prepare(sql_put_agent);
  if (!st) return st.error();
  st->bind(1, r.tenant_id).bind(2, r.actor_ref).bind(3, r.state).bind(4, static_cast<std::int64_t>(r.capacity));
  st->bind(5, static_cast<std::int64_t>(r.load)).bind(6, r.skills).bind(7, r.key_id).bind(8, r.last_seen);
  st->bind(9, r.last_assigned).bind_blob(10, r.data);
  return st->run();
}

result<std::vector<desk_agent_row>> sqlite_session::list_desk_agents(std::string_view tenant_id) {
  auto st = data().prepare(sql_list_agents);
  if (st) st->bind(1, tenant_id);
  return all<desk_agent_row>(std::move(st), read_agent);
}

}  // namespace parley::store::sqlite::detail
