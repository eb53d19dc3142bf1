// The audit-log members of pg_session (backend.hpp, audit_store.hpp): tables of schema v3.
// Appends of several processes serialise per tenant on the head row: lock_audit_head creates it
// if missing (ON CONFLICT DO NOTHING waits for a concurrent creator) and locks it FOR UPDATE
// until the transaction ends, so seq = head + 1 is never taken twice and the chain never forks.
#include "pg_rows.hpp"

namespace parley::store::postgres::detail {
namespace {

constexpr char head_cols[] = "tenant_id, seq, hash, ts, key_uses, checkpoint_seq, checkpoint_ts";

std::int64_t i64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}
std::uint64_t u64(const pqxx::field& f) {
  return static_cast<std::uint64_t>(f.as<std::int64_t>());
}

audit_head_row read_head(const pqxx::row& r) {
  return {r[0].as<std::string>(), u64(r[1]), to_bytes(r[2]), r[3].as<std::int64_t>(), u64(r[4]), u64(r[5]),
          r[6].as<std::int64_t>()};
}

}  // namespace

result<audit_head_row> pg_session::lock_audit_head(std::string_view tenant_id) {
  static const bytes zero(audit_hash_size, 0);
  audit_head_row out;
  auto r = run_guarded("lock_audit_head", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(
        "INSERT INTO audit_heads (tenant_id, seq, hash, ts, key_uses, checkpoint_seq, checkpoint_ts) "
        "VALUES ($1, 0, $2, 0, 0, 0, 0) ON CONFLICT (tenant_id) DO NOTHING",
        std::string(tenant_id), blob(zero));
    auto rows = tx.exec_params(std::string("SELECT ") + head_cols + " FROM audit_heads WHERE tenant_id = $1 FOR UPDATE",
                               std::string(tenant_id));
    if (rows.empty()) return errc::unavailable;
    out = read_head(rows[0]);
    return {};
  });
  if (!r) return r.error();
  return out;
}

result<std::optional<audit_head_row>> pg_session::get_audit_head(std::string_view tenant_id) {
  std::optional<audit_head_row> out;
  auto r = run_guarded("get_audit_head", [&](pqxx::nontransaction& tx) -> result<void> {
    auto rows = tx.exec_params(std::string("SELECT ") + head_cols + " FROM audit_heads WHERE tenant_id = $1",
                               std::string(tenant_id));
    if (!rows.empty()) out = read_head(rows[0]);
    return {};
  });
  if (!r) return r.error();
  return out;
}

result<void> pg_session::update_audit_head(const audit_head_row& h) {
  return run_guarded("update_audit_head", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(
        "UPDATE audit_heads SET seq = $2, hash = $3, ts = $4, key_uses = $5, checkpoint_seq = $6, checkpoint_ts = $7 "
        "WHERE tenant_id = $1",
        h.tenant_id, i64(h.seq), blob(h.hash), h.time, i64(h.key_uses), i64(h.checkpoint_seq), h.checkpoint_time);
    return {};
  });
}

result<void> pg_session::insert_audit_entry(const audit_row& e) {
  return run_guarded("insert_audit_entry", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0(
        "INSERT INTO audit_entries (tenant_id, seq, ts, prev_hash, hash, sealed) VALUES ($1, $2, $3, $4, $5, $6)",
        e.tenant_id, i64(e.seq), e.time, blob(e.prev_hash), blob(e.hash), blob(e.sealed));
    return {};
  });
}

result<void> pg_session::insert_audit_checkpoint(const audit_checkpoint_row& c) {
  return run_guarded("insert_audit_checkpoint", [&](pqxx::nontransaction& tx) -> result<void> {
    tx.exec_params0("INSERT INTO audit_checkpoints (tenant_id, seq, ts, signature) VALUES ($1, $2, $3, $4)",
                    c.tenant_id, i64(c.seq), c.time, c.signature);
    return {};
  });
}

result<std::vector<audit_row>> pg_session::read_audit_entries(std::string_view tenant_id, std::uint64_t after,
                                                              nanos since, std::size_t limit) {
  std::vector<audit_row> out;
  auto r = run_guarded("read_audit_entries", [&](pqxx::nontransaction& tx) -> result<void> {
    auto rows = tx.exec_params(
        "SELECT tenant_id, seq, ts, prev_hash, hash, sealed FROM audit_entries "
        "WHERE tenant_id = $1 AND seq > $2 AND ts >= $3 ORDER BY seq LIMIT $4",
        std::string(tenant_id), i64(after), since, static_cast<std::int64_t>(limit));
    out.reserve(rows.size());
    for (const auto& row : rows) {
      out.push_back({row[0].as<std::string>(), u64(row[1]), row[2].as<std::int64_t>(), to_bytes(row[3]),
                     to_bytes(row[4]), to_bytes(row[5])});
    }
    return {};
  });
  if (!r) return r.error();
  return out;
}

result<std::vector<audit_checkpoint_row>> pg_session::read_audit_checkpoints(std::string_view tenant_id,
                                                                             std::uint64_t after, std::size_t limit) {
  std::vector<audit_checkpoint_row> out;
  auto r = run_guarded("read_audit_checkpoints", [&](pqxx::nontransaction& tx) -> result<void> {
    auto rows = tx.exec_params(
        "SELECT tenant_id, seq, ts, signature FROM audit_checkpoints WHERE tenant_id = $1 AND seq > $2 "
        "ORDER BY seq LIMIT $3",
        std::string(tenant_id), i64(after), static_cast<std::int64_t>(limit));
    for (const auto& row : rows) {
      out.push_back({row[0].as<std::string>(), u64(row[1]), row[2].as<std::int64_t>(), row[3].as<std::string>()});
    }
    return {};
  });
  if (!r) return r.error();
  return out;
}

result<std::vector<std::string>> pg_session::audit_tenants() {
  std::vector<std::string> out;
  auto r = run_guarded("audit_tenants", [&](pqxx::nontransaction& tx) -> result<void> {
    for (const auto& row : tx.exec("SELECT tenant_id FROM audit_heads ORDER BY tenant_id")) {
      out.push_back(row[0].as<std::string>());
    }
    return {};
  });
  if (!r) return r.error();
  return out;
}

}  // namespace parley::store::postgres::detail
