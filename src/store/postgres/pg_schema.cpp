#include "pg_schema.hpp"

namespace parley::store::postgres::detail {
namespace {

// Runs with search_path = parley_store. Times are nanoseconds since the Unix epoch; sealed
// columns (BYTEA) are crypto records; user_ref and idempotency.ref are keyed hashes.
constexpr migration steps[] = {
    {1, R"sql(
CREATE TABLE key_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE tenant_keys (
  tenant_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  parent_version BIGINT NOT NULL,
  sealed BYTEA NOT NULL,
  uses BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, version));
CREATE TABLE data_keys (
  tenant_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  parent_version BIGINT NOT NULL,
  sealed BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, key_id, version));
CREATE TABLE tenant_secrets (tenant_id TEXT PRIMARY KEY, sealed BYTEA NOT NULL);
CREATE TABLE data_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE tenants (tenant_id TEXT PRIMARY KEY, created BIGINT NOT NULL);
CREATE TABLE conversations (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  bot_id TEXT NOT NULL,
  user_ref TEXT NOT NULL,
  user_sealed BYTEA NOT NULL,
  key_id TEXT NOT NULL,
  key_version BIGINT NOT NULL,
  created BIGINT NOT NULL,
  last_activity BIGINT NOT NULL,
  state TEXT NOT NULL,
  last_seq BIGINT NOT NULL DEFAULT 0,
  key_uses BIGINT NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, id));
CREATE INDEX conversations_by_activity ON conversations (tenant_id, last_activity DESC, id);
CREATE INDEX conversations_by_user ON conversations (tenant_id, user_ref);
CREATE TABLE activities (
  conv_pk BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  activity_id TEXT NOT NULL,
  ts BIGINT NOT NULL,
  type TEXT NOT NULL,
  sender_role TEXT NOT NULL,
  body BYTEA NOT NULL,
  PRIMARY KEY (conv_pk, seq));
CREATE INDEX activities_by_id ON activities (conv_pk, activity_id, seq);
CREATE TABLE idempotency (
  conv_pk BIGINT NOT NULL,
  ref TEXT NOT NULL,
  seq BIGINT NOT NULL,
  activity_id TEXT NOT NULL,
  PRIMARY KEY (conv_pk, ref));
CREATE TABLE bot_state (conv_pk BIGINT PRIMARY KEY, etag TEXT NOT NULL, data BYTEA NOT NULL);
CREATE TABLE attachments (
  conv_pk BIGINT NOT NULL,
  id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  name BYTEA NOT NULL,
  content BYTEA NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (conv_pk, id));
)sql"},
    // v2: the service desk (desk_store.hpp): consultants' sessions (data sealed under a data key
    // per session), pending sign-ins (hashes only) and each tenant's desk settings (sealed).
    {2, R"sql(
CREATE TABLE desk_sessions (
  tenant_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  sid_ref TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_version BIGINT NOT NULL,
  created BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  refresh_due BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, ref));
CREATE INDEX desk_sessions_by_subject ON desk_sessions (tenant_id, subject_ref);
CREATE INDEX desk_sessions_by_sid ON desk_sessions (tenant_id, sid_ref);
CREATE TABLE desk_logins (
  tenant_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  browser_ref TEXT NOT NULL,
  issuer TEXT NOT NULL,
  expires BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, ref));
CREATE TABLE desk_settings (
  tenant_id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  key_version BIGINT NOT NULL,
  version BIGINT NOT NULL,
  data BYTEA NOT NULL);
)sql"},
    // v3: the audit log (src/audit, docs/audit.md): per-tenant chains of sealed entries, their
    // signed checkpoints and heads. Entries and checkpoints are append-only here too.
    {3, R"sql(
CREATE TABLE audit_entries (
  tenant_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  prev_hash BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  sealed BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, seq));
CREATE TABLE audit_checkpoints (
  tenant_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq));
CREATE TABLE audit_heads (
  tenant_id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  ts BIGINT NOT NULL,
  key_uses BIGINT NOT NULL,
  checkpoint_seq BIGINT NOT NULL,
  checkpoint_ts BIGINT NOT NULL);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
)sql"},
    // v4 (issue 22): erasure subjects and less metadata in clear (docs/adr/0018, 0019); as
    // SQLite's v5. New columns beside the old ones; encrypted_store upgrades every row before v5
    // drops the old ones. The subject counter is a sequence (processes never wait on it).
    {4, R"sql(
ALTER TABLE conversations ADD COLUMN sealed BYTEA, ADD COLUMN subject BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN upgraded BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE attachments ADD COLUMN meta BYTEA;
ALTER TABLE data_keys ADD COLUMN subject BIGINT NOT NULL DEFAULT 0;
DROP INDEX conversations_by_user;
CREATE SEQUENCE subject_index START 1;
)sql"},
    // v5: the columns whose content is now sealed (or blank) go. PostgreSQL only marks them
    // dropped; the upgrade blanked them, and its VACUUM removed the row versions that held them.
    {5, R"sql(
ALTER TABLE activities DROP COLUMN ts, DROP COLUMN type, DROP COLUMN sender_role;
ALTER TABLE conversations DROP COLUMN bot_id, DROP COLUMN user_sealed, DROP COLUMN created, DROP COLUMN upgraded;
ALTER TABLE attachments DROP COLUMN content_type, DROP COLUMN size, DROP COLUMN name, DROP COLUMN created;
)sql",
     true},
    // v6: the desk's queue (desk_queue_store.hpp, ADR 0021): handoffs (one open row per
    // conversation; reason, notes and names sealed) and the consultants' availability and load.
    {6, R"sql(
CREATE TABLE desk_handoffs (
  tenant_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  handoff_id TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL,
  status INTEGER NOT NULL,
  owner_ref TEXT NOT NULL,
  requested BIGINT NOT NULL,
  assigned BIGINT NOT NULL,
  answered BIGINT NOT NULL,
  version BIGINT NOT NULL,
  data BYTEA NOT NULL,
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
  last_seen BIGINT NOT NULL,
  last_assigned BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, actor_ref));
)sql"},
};

}  // namespace

std::span<const migration> migrations() noexcept {
  return steps;
}

int upgrade_barrier() noexcept {
  for (const auto& m : steps) {
    if (m.after_store_upgrade) return m.version;
  }
  return steps[std::size(steps) - 1].version + 1;
}

}  // namespace parley::store::postgres::detail
