#include "sqlite_schema.hpp"

namespace parley::store::sqlite::detail {
namespace {

// The activity columns, the same in schema versions 1 and 2 (only the table kind changed).
#define ACTIVITY_COLUMNS                                                                             \
  "conv_pk INTEGER NOT NULL, seq INTEGER NOT NULL, activity_id TEXT NOT NULL, ts INTEGER NOT NULL, " \
  "type TEXT NOT NULL, sender_role TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (conv_pk, seq)"

// Times are nanoseconds since the Unix epoch. Sealed columns (BLOB) are crypto records; user_ref
// and idempotency.ref are keyed hashes; nothing else a person wrote is stored.
constexpr migration data_v[] = {
    {1, R"sql(
CREATE TABLE data_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE tenants (tenant_id TEXT PRIMARY KEY, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE conversations (
  pk INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  bot_id TEXT NOT NULL,
  user_ref TEXT NOT NULL,
  user_sealed BLOB NOT NULL,
  key_id TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  key_uses INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, id));
CREATE INDEX conversations_by_activity ON conversations (tenant_id, last_activity DESC, id);
CREATE INDEX conversations_by_user ON conversations (tenant_id, user_ref);
CREATE TABLE activities ()sql" ACTIVITY_COLUMNS R"sql() WITHOUT ROWID;
CREATE INDEX activities_by_id ON activities (conv_pk, activity_id, seq);
CREATE TABLE idempotency (
  conv_pk INTEGER NOT NULL,
  ref TEXT NOT NULL,
  seq INTEGER NOT NULL,
  activity_id TEXT NOT NULL,
  PRIMARY KEY (conv_pk, ref)) WITHOUT ROWID;
CREATE TABLE bot_state (conv_pk INTEGER PRIMARY KEY, etag TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE attachments (
  conv_pk INTEGER NOT NULL,
  id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  name BLOB NOT NULL,
  content BLOB NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (conv_pk, id));
)sql"},
    // v2: activities become an ordinary (rowid) table. As a WITHOUT ROWID table (a b-tree of
    // index pages, where a row keeps at most ~1000 bytes in its page) every 1 KiB activity spilled
    // into an overflow page of its own: 4.7 KiB of pages written per append instead of 1.4 KiB,
    // and 3.5 times the CPU (bench/store/README.md). Rows are copied in order; the primary key
    // (conv_pk, seq) becomes a unique index.
    {2, R"sql(
CREATE TABLE activities_v2 ()sql" ACTIVITY_COLUMNS R"sql();
INSERT INTO activities_v2 (conv_pk, seq, activity_id, ts, type, sender_role, body)
  SELECT conv_pk, seq, activity_id, ts, type, sender_role, body FROM activities ORDER BY conv_pk, seq;
DROP TABLE activities;
ALTER TABLE activities_v2 RENAME TO activities;
CREATE INDEX activities_by_id ON activities (conv_pk, activity_id, seq);
)sql"},
    // v3: the service desk (desk_store.hpp): consultants' sessions (data sealed under a data key
    // per session), pending sign-ins (hashes only) and each tenant's desk settings (sealed).
    {3, R"sql(
CREATE TABLE desk_sessions (
  tenant_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  sid_ref TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  refresh_due INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (tenant_id, ref)) WITHOUT ROWID;
CREATE INDEX desk_sessions_by_subject ON desk_sessions (tenant_id, subject_ref);
CREATE INDEX desk_sessions_by_sid ON desk_sessions (tenant_id, sid_ref);
CREATE TABLE desk_logins (
  tenant_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  browser_ref TEXT NOT NULL,
  issuer TEXT NOT NULL,
  expires INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, ref)) WITHOUT ROWID;
CREATE TABLE desk_settings (
  tenant_id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data BLOB NOT NULL) WITHOUT ROWID;
)sql"},
    // v4: the audit log (src/audit, docs/audit.md): per-tenant chains of sealed entries, their
    // signed checkpoints and heads. Entries and checkpoints are append-only here too.
    {4, R"sql(
CREATE TABLE audit_entries (
  tenant_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  sealed BLOB NOT NULL,
  PRIMARY KEY (tenant_id, seq));
CREATE TABLE audit_checkpoints (
  tenant_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq));
CREATE TABLE audit_heads (
  tenant_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  ts INTEGER NOT NULL,
  key_uses INTEGER NOT NULL,
  checkpoint_seq INTEGER NOT NULL,
  checkpoint_ts INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql"},
    // v5 (issue 22): erasure subjects and less metadata in clear (docs/adr/0018, 0019). New
    // columns beside the old ones; encrypted_store upgrades every row (re-sealing what moves
    // inside the ciphertext and blanking the old columns) before v6 drops them. The user
    // pseudonym is per conversation now, found by a scan: its index goes.
    {5, R"sql(
ALTER TABLE conversations ADD COLUMN sealed BLOB;
ALTER TABLE conversations ADD COLUMN subject INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN upgraded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN meta BLOB;
DROP INDEX conversations_by_user;
)sql"},
    // v6: the columns whose content is now sealed (or blank) go; SQLite rewrites every row, and
    // secure_delete zeroes what the old rows held.
    {6, R"sql(
ALTER TABLE activities DROP COLUMN ts;
ALTER TABLE activities DROP COLUMN type;
ALTER TABLE activities DROP COLUMN sender_role;
ALTER TABLE conversations DROP COLUMN bot_id;
ALTER TABLE conversations DROP COLUMN user_sealed;
ALTER TABLE conversations DROP COLUMN created;
ALTER TABLE conversations DROP COLUMN upgraded;
ALTER TABLE attachments DROP COLUMN content_type;
ALTER TABLE attachments DROP COLUMN size;
ALTER TABLE attachments DROP COLUMN name;
ALTER TABLE attachments DROP COLUMN created;
)sql",
     true},
    // v7: the desk's queue (desk_queue_store.hpp, ADR 0021): handoffs (one open row per
    // conversation; reason, notes and names sealed) and the consultants' availability and load.
    {7, R"sql(
CREATE TABLE desk_handoffs (
  tenant_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  handoff_id TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL,
  status INTEGER NOT NULL,
  owner_ref TEXT NOT NULL,
  requested INTEGER NOT NULL,
  assigned INTEGER NOT NULL,
  answered INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (tenant_id, conversation_id, handoff_id));
CREATE UNIQUE INDEX desk_handoffs_open ON desk_handoffs (tenant_id, conversation_id) WHERE status < 2;
CREATE INDEX desk_handoffs_queue ON desk_handoffs (tenant_id, status, priority DESC, requested) WHERE status < 2;
CREATE TABLE desk_agents (
  tenant_id TEXT NOT NULL,
  actor_ref TEXT NOT NULL,
  state INTEGER NOT NULL,
  capacity INTEGER NOT NULL,
  load INTEGER NOT NULL,
  skills TEXT NOT NULL,
  key_id TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  last_assigned INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (tenant_id, actor_ref)) WITHOUT ROWID;
)sql"},
};

constexpr migration key_v[] = {
    {1, R"sql(
CREATE TABLE key_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE tenant_keys (
  tenant_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  parent_version INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, version)) WITHOUT ROWID;
CREATE TABLE data_keys (
  tenant_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  parent_version INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  PRIMARY KEY (tenant_id, key_id, version)) WITHOUT ROWID;
CREATE TABLE tenant_secrets (tenant_id TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
)sql"},
    {2, "-- v2 changes only the data file"},
    {3, "-- v3 changes only the data file"},
    {4, "-- v4 (the audit log) changes only the data file"},
    // v5: data keys name their erasure subject; the subject counter (key_meta "next_subject").
    {5, R"sql(
ALTER TABLE data_keys ADD COLUMN subject INTEGER NOT NULL DEFAULT 0;
)sql"},
    {6, "-- v6 changes only the data file", true},
    {7, "-- v7 (the desk's queue) changes only the data file"},
};

#undef ACTIVITY_COLUMNS

}  // namespace

std::span<const migration> data_migrations() noexcept {
  return data_v;
}
std::span<const migration> key_migrations() noexcept {
  return key_v;
}

int upgrade_barrier() noexcept {
  for (const auto& m : data_v) {
    if (m.after_store_upgrade) return m.version;
  }
  return data_v[std::size(data_v) - 1].version + 1;
}

}  // namespace parley::store::sqlite::detail
