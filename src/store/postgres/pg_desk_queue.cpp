// The desk queue's rows in PostgreSQL (backend.hpp, "the desk's queue"): desk_handoffs and
// desk_agents. A take is `UPDATE ... WHERE version = expected`: under READ COMMITTED a second
// taker waits for the first one's row lock and then re-checks the version against the committed
// row, so it changes nothing; the agent's row is locked FOR UPDATE before its load is checked.
#include "pg_rows.hpp"

namespace parley::store::postgres::detail {
namespace {

constexpr char handoff_cols[] =
    "tenant_id, conversation_id, handoff_id, queue, priority, status, owner_ref, requested, assigned, answered, "
    "version, data";
constexpr char agent_cols[] =
    "tenant_id, actor_ref, state, capacity, load, skills, key_id, last_seen, last_assigned, data";

desk_handoff_row read_handoff(const pqxx::row& row) {
  desk_handoff_row r;
  r.tenant_id = row[0].as<std::string>();
  r.conversation_id = row[1].as<std::string>();
  r.handoff_id = row[2].as<std::string>();
  r.queue = row[3].as<std::string>();
  r.priority = row[4].as<int>();
  r.status = row[5].as<int>();
  r.owner_ref = row[6].as<std::string>();
  r.requested = row[7].as<std::int64_t>();
  r.assigned = row[8].as<std::int64_t>();
  r.answered = row[9].as<std::int64_t>();
  r.version = static_cast<std::uint64_t>(row[10].as<std::int64_t>());
  r.data = to_bytes(row[11]);
  return r;
}

std::vector<desk_handoff_row> read_handoffs(const pqxx::result& rows) {
  std::vector<desk_handoff_row> out;
  for (const auto& row : rows) out.push_back(read_handoff(row));
  return out;
}

desk_agent_row read_agent(const pqxx::row& row) {
  desk_agent_row r;
  r.tenant_id = row[0].as<std::string>();
  r.actor_ref = row[1].as<std::string>();
  r.state = row[2].as<int>();
  r.capacity = static_cast<std::uint32_t>(row[3].as<std::int64_t>());
  r.load = static_cast<std::uint32_t>(row[4].as<std::int64_t>());
  r.skills = row[5].as<std::string>();
  r.key_id = row[6].as<std::string>();
  r.last_seen = row[7].as<std::int64_t>();
  r.last_assigned = row[8].as<std::int64_t>();
  r.data = to_bytes(row[9]);
  return r;
}

}  // namespace

result<void> pg_session::insert_desk_handoff(const desk_handoff_row& r) {
  return guarded<result<void>>("insert_desk_handoff", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params(std::string("INSERT INTO desk_handoffs (") + handoff_cols +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                   r.tenant_id, r.conversation_id, r.handoff_id, r.queue, r.priority, r.status, r.owner_ref,
                   r.requested, r.assigned, r.answered, static_cast<std::int64_t>(r.version), blob(r.data));
    return {};
  });
}

result<std::optional<desk_handoff_row>> pg_session::open_desk_handoff(std::string_view tenant_id,
                                                                      std::string_view conversation_id) {
  using R = result<std::optional<desk_handoff_row>>;
  return guarded<R>("open_desk_handoff", [&](pqxx::nontransaction& tx) -> R {
    auto rows = tx.exec_params(std::string("SELECT ") + handoff_cols +
                                   " FROM desk_handoffs WHERE tenant_id = $1 AND conversation_id = $2 AND status < 2",
                               str(tenant_id), str(conversation_id));
    if (rows.empty()) return std::optional<desk_handoff_row>{};
    return std::optional<desk_handoff_row>{read_handoff(rows[0])};
  });
}

result<std::vector<desk_handoff_row>> pg_session::list_desk_handoffs(std::string_view tenant_id,
                                                                     std::string_view owner_ref, std::size_t limit) {
  using R = result<std::vector<desk_handoff_row>>;
  return guarded<R>("list_desk_handoffs", [&](pqxx::nontransaction& tx) -> R {
    return read_handoffs(
        tx.exec_params(std::string("SELECT ") + handoff_cols +
                           " FROM desk_handoffs WHERE tenant_id = $1 AND status < 2 AND ($2 = '' OR owner_ref = $2)"
                           " ORDER BY status, priority DESC, requested, conversation_id LIMIT $3",
                       str(tenant_id), str(owner_ref), static_cast<std::int64_t>(limit)));
  });
}

result<std::size_t> pg_session::count_open_desk_handoffs(std::string_view tenant_id) {
  return guarded<result<std::size_t>>("count_open_desk_handoffs", [&](pqxx::nontransaction& tx) {
    auto rows =
        tx.exec_params("SELECT count(*) FROM desk_handoffs WHERE tenant_id = $1 AND status < 2", str(tenant_id));
    return result<std::size_t>(static_cast<std::size_t>(rows[0][0].as<std::int64_t>()));
  });
}

result<bool> pg_session::update_desk_handoff(const desk_handoff_row& r, std::uint64_t expected_version) {
  return guarded<result<bool>>("update_desk_handoff", [&](pqxx::nontransaction& tx) {
    auto rows = tx.exec_params(
        "UPDATE desk_handoffs SET queue = $4, priority = $5, status = $6, owner_ref = $7, assigned = $8, answered = $9,"
        " version = $10, data = $11"
        " WHERE tenant_id = $1 AND conversation_id = $2 AND handoff_id = $3 AND status < 2 AND version = $12"
        " RETURNING 1",
        r.tenant_id, r.conversation_id, r.handoff_id, r.queue, r.priority, r.status, r.owner_ref, r.assigned,
        r.answered, static_cast<std::int64_t>(r.version), blob(r.data), static_cast<std::int64_t>(expected_version));
    return result<bool>(!rows.empty());
  });
}

result<std::vector<desk_handoff_row>> pg_session::unanswered_desk_handoffs(std::string_view tenant_id, nanos cutoff) {
  using R = result<std::vector<desk_handoff_row>>;
  return guarded<R>("unanswered_desk_handoffs", [&](pqxx::nontransaction& tx) -> R {
    return read_handoffs(tx.exec_params(std::string("SELECT ") + handoff_cols +
                                            " FROM desk_handoffs WHERE tenant_id = $1 AND status = 1 AND answered = 0"
                                            " AND assigned < $2 ORDER BY assigned",
                                        str(tenant_id), cutoff));
  });
}

result<std::optional<desk_agent_row>> pg_session::lock_desk_agent(std::string_view tenant_id,
                                                                  std::string_view actor_ref) {
  using R = result<std::optional<desk_agent_row>>;
  return guarded<R>("lock_desk_agent", [&](pqxx::nontransaction& tx) -> R {
    auto rows = tx.exec_params(
        std::string("SELECT ") + agent_cols + " FROM desk_agents WHERE tenant_id = $1 AND actor_ref = $2 FOR UPDATE",
        str(tenant_id), str(actor_ref));
    if (rows.empty()) return std::optional<desk_agent_row>{};
    return std::optional<desk_agent_row>{read_agent(rows[0])};
  });
}

result<void> pg_session::put_desk_agent(const desk_agent_row& r) {
  return guarded<result<void>>("put_desk_agent", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params(std::string("INSERT INTO desk_agents (") + agent_cols +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, actor_ref) DO UPDATE"
                       " SET state = $3, capacity = $4, load = $5, skills = $6, key_id = $7, last_seen = $8,"
                       " last_assigned = $9, data = $10",
                   r.tenant_id, r.actor_ref, r.state, static_cast<std::int64_t>(r.capacity),
                   static_cast<std::int64_t>(r.load), r.skills, r.key_id, r.last_seen, r.last_assigned, blob(r.data));
    return {};
  });
}

result<std::vector<desk_agent_row>> pg_session::list_desk_agents(std::string_view tenant_id) {
  using R = result<std::vector<desk_agent_row>>;
  return guarded<R>("list_desk_agents", [&](pqxx::nontransaction& tx) -> R {
    std::vector<desk_agent_row> out;
    for (const auto& row : tx.exec_params(
             std::string("SELECT ") + agent_cols + " FROM desk_agents WHERE tenant_id = $1 ORDER BY actor_ref",
             str(tenant_id))) {
      out.push_back(read_agent(row));
    }
    return out;
  });
}

}  // namespace parley::store::postgres::detail
