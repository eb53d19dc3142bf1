// The audit-log members of sqlite_session (backend.hpp, audit_store.hpp): tables of schema v4 in
// the data file. One writer: the write transaction (BEGIN IMMEDIATE) already serialises appends,
// so lock_audit_head needs no lock of its own.
#include "sqlite_session.hpp"

namespace parley::store::sqlite::detail {
namespace {

constexpr char sql_insert_head[] =
    "INSERT OR IGNORE INTO audit_heads (tenant_id, seq, hash, ts, key_uses, checkpoint_seq, checkpoint_ts) "
    "VALUES (?1, 0, ?2, 0, 0, 0, 0)";
constexpr char sql_get_head[] =
    "SELECT tenant_id, seq, hash, ts, key_uses, checkpoint_seq, checkpoint_ts FROM audit_heads WHERE tenant_id = ?1";
constexpr char sql_update_head[] =
    "UPDATE audit_heads SET seq = ?2, hash = ?3, ts = ?4, key_uses = ?5, checkpoint_seq = ?6, checkpoint_ts = ?7 "
    "WHERE tenant_id = ?1";
constexpr char sql_insert_entry[] =
    "INSERT INTO audit_entries (tenant_id, seq, ts, prev_hash, hash, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char sql_insert_checkpoint[] =
    "INSERT INTO audit_checkpoints (tenant_id, seq, ts, signature) VALUES (?1, ?2, ?3, ?4)";
constexpr char sql_read_entries[] =
    "SELECT tenant_id, seq, ts, prev_hash, hash, sealed FROM audit_entries "
    "WHERE tenant_id = ?1 AND seq > ?2 AND ts >= ?3 ORDER BY seq LIMIT ?4";
constexpr char sql_read_checkpoints[] =
    "SELECT tenant_id, seq, ts, signature FROM audit_checkpoints WHERE tenant_id = ?1 AND seq > ?2 "
    "ORDER BY seq LIMIT ?3";
constexpr char sql_audit_tenants[] = "SELECT tenant_id FROM audit_heads ORDER BY tenant_id";

std::int64_t i64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}
std::uint64_t u64(std::int64_t v) {
  return static_cast<std::uint64_t>(v);
}

audit_head_row read_head(const statement& st) {
  return {st.text(0), u64(st.int64(1)), st.blob(2), st.int64(3), u64(st.int64(4)), u64(st.int64(5)), st.int64(6)};
}

}  // namespace

result<audit_head_row> sqlite_session::lock_audit_head(std::string_view tenant_id) {
  static const bytes zero(audit_hash_size, 0);
  auto ins = data().prepare(sql_insert_head);
  if (!ins) return ins.error();
  ins->bind(1, tenant_id).bind_blob(2, zero);
  if (auto r = ins->run(); !r) return r.error();
  auto head = get_audit_head(tenant_id);
  if (!head) return head.error();
  if (!*head) return errc::unavailable;  // inserted above: cannot be missing
  return std::move(**head);
}

result<std::optional<audit_head_row>> sqlite_session::get_audit_head(std::string_view tenant_id) {
  auto st = data().prepare(sql_get_head);
  if (!st) return st.error();
  st->bind(1, tenant_id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<audit_head_row>{};
  return std::optional<audit_head_row>{read_head(*st)};
}

result<void> sqlite_session::update_audit_head(const audit_head_row& h) {
  auto st = data().prepare(sql_update_head);
  if (!st) return st.error();
  st->bind(1, h.tenant_id)
      .bind(2, i64(h.seq))
      .bind_blob(3, h.hash)
      .bind(4, h.time)
      .bind(5, i64(h.key_uses))
      .bind(6, i64(h.checkpoint_seq))
      .bind(7, h.checkpoint_time);
  return st->run();
}

result<void> sqlite_session::insert_audit_entry(const audit_row& r) {
  auto st = data().prepare(sql_insert_entry);
  if (!st) return st.error();
  st->bind(1, r.tenant_id)
      .bind(2, i64(r.seq))
      .bind(3, r.time)
      .bind_blob(4, r.prev_hash)
      .bind_blob(5, r.hash)
      .bind_blob(6, r.sealed);
  return st->run();
}

result<void> sqlite_session::insert_audit_checkpoint(const audit_checkpoint_row& r) {
  auto st = data().prepare(sql_insert_checkpoint);
  if (!st) return st.error();
  st->bind(1, r.tenant_id).bind(2, i64(r.seq)).bind(3, r.time).bind(4, r.signature);
  return st->run();
}

result<std::vector<audit_row>> sqlite_session::read_audit_entries(std::string_view tenant_id, std::uint64_t after,
                                                                  nanos since, std::size_t limit) {
  auto st = data().prepare(sql_read_entries);
  if (!st) return st.error();
  st->bind(1, tenant_id).bind(2, i64(after)).bind(3, since).bind(4, static_cast<std::int64_t>(limit));
  std::vector<audit_row> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back({st->text(0), u64(st->int64(1)), st->int64(2), st->blob(3), st->blob(4), st->blob(5)});
  }
}

result<std::vector<audit_checkpoint_row>> sqlite_session::read_audit_checkpoints(std::string_view tenant_id,
                                                                                 std::uint64_t after,
                                                                                 std::size_t limit) {
  auto st = data().prepare(sql_read_checkpoints);
  if (!st) return st.error();
  st->bind(1, tenant_id).bind(2, i64(after)).bind(3, static_cast<std::int64_t>(limit));
  std::vector<audit_checkpoint_row> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back({st->text(0), u64(st->int64(1)), st->int64(2), st->text(3)});
  }
}

result<std::vector<std::string>> sqlite_session::audit_tenants() {
  auto st = data().prepare(sql_audit_tenants);
  if (!st) return st.error();
  std::vector<std::string> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(st->text(0));
  }
}

}  // namespace parley::store::sqlite::detail
