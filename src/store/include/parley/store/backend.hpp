// The storage backend seam of the encrypted store: a small interface that moves opaque rows.
// encrypted_store (encrypted_store.hpp) does all encryption, key management, validation and
// sequencing; a backend (store/sqlite, store/postgres) only stores and finds rows. Every secret-
// bearing column a backend sees is already a sealed record (crypto/aead.hpp) or a keyed hash; the
// columns kept in clear, and why, are listed in docs/adr/0019-metadata-in-clear.md (a test on
// each backend fails when a column appears that is not on that list).
//
// Two kinds of tables: *key tables* (key_meta, tenant_keys, data_keys, tenant_secrets) and *data
// tables* (data_meta, tenants, conversations, activities, idempotency, bot_state, attachments,
// the audit log's audit_entries, audit_checkpoints, audit_heads, and the desk's queue:
// desk_handoffs, desk_agents).
// SQLite keeps them in two files so that a copy of the data file can be read with the current
// key file (erased conversations excepted); PostgreSQL keeps them in one database. A session's
// commit() makes the key tables durable no later than the data tables: a crash between the two
// leaves at most an orphaned data key or rows whose key is gone (reported as errc::erased).
//
// Errors: every function returns store::errc::unavailable when the database cannot be reached or
// written (disk full, connection lost, busy past the timeout), errc::already_exists on a unique
// key violation, and never throws. Messages and logs never contain row contents.
//
// Thread-safety: a backend may be used from any thread; a session from one thread at a time.
#pragma once

#include <parley/core/error.hpp>
#include <parley/store/audit_store.hpp>
#include <parley/store/conversation_store.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::store {

using bytes = std::vector<std::uint8_t>;
/// Nanoseconds since the Unix epoch (the stored form of every time point).
using nanos = std::int64_t;

enum class meta_scope { keys, data };
enum class key_lock { none, shared, exclusive };

/// An error as result<bool>, which an error_code does not convert to implicitly (a bool can be
/// constructed from an error_code).
[[nodiscard]] inline result<bool> bool_error(error_code e) {
  return result<bool>(boost::system::in_place_error, e);
}

struct tenant_key_row {
  std::string tenant_id;
  std::uint32_t version = 0;
  std::uint32_t parent_version = 0;  ///< root key version that wrapped it
  bytes sealed;
  std::uint64_t uses = 0;  ///< data keys wrapped so far (GCM bound)
};

struct data_key_row {
  std::string tenant_id;
  std::string key_id;
  std::uint32_t version = 0;
  std::uint32_t parent_version = 0;  ///< tenant key version that wrapped it
  bytes sealed;
  std::uint64_t subject = 0;  ///< the erasure subject it is bound to (0: a tenant-level key)
};

struct conversation_row {
  std::int64_t pk = 0;  ///< backend-assigned surrogate key, never reused
  std::string tenant_id;
  std::string id;
  /// Keyed hash of the user id under the conversation's own subject secret: unlinkable between
  /// conversations, and meaningless once the subject is erased (erase_user scans for it).
  std::string user_ref;
  bytes sealed;        ///< the conversation record (user id, bot id, creation time), sealed
  std::string key_id;  ///< the conversation's data key (unique per incarnation)
  std::uint32_t key_version = 0;
  nanos last_activity = 0;
  conversation_state state = conversation_state::with_bot;
  std::uint64_t last_seq = 0;
  std::uint64_t key_uses = 0;  ///< records sealed under the data key so far
  std::uint64_t subject = 0;   ///< erasure subject index (crypto/erasure_secrets.hpp)
};

/// What erase_user and the erasure reconciliation scan: one conversation's lookup columns.
struct subject_row {
  std::int64_t pk = 0;
  std::string id;
  std::uint64_t subject = 0;
  std::string user_ref;
};

struct activity_row {
  std::int64_t conv_pk = 0;
  std::uint64_t seq = 0;
  std::string activity_id;
  bytes body;  ///< sealed: timestamp, type, sender role and the activity JSON, padded
};

struct idempotency_row {
  std::int64_t conv_pk = 0;
  std::string ref;  ///< keyed hash of the caller's idempotency key
  std::uint64_t seq = 0;
  std::string activity_id;
};

/// What one append batch changes in a conversation row.
struct conversation_advance {
  std::int64_t pk = 0;
  std::uint64_t last_seq = 0;
  nanos last_activity = 0;
  std::uint64_t key_uses = 0;  ///< new absolute value
};

struct bot_state_row {
  std::string etag;
  bytes data;  ///< sealed
};

struct attachment_row {
  std::int64_t conv_pk = 0;
  std::string id;
  bytes meta;     ///< sealed: content type, file name, size
  bytes content;  ///< sealed, padded
};

/// Rows as the schema before erasure subjects stored them (encrypted_store's one-time upgrade).
struct legacy_conversation_row {
  std::int64_t pk = 0;
  std::string tenant_id;
  std::string id;
  std::string bot_id;
  bytes user_sealed;
  std::string key_id;
  std::uint32_t key_version = 0;
  nanos created = 0;
  std::uint64_t key_uses = 0;
};
struct legacy_activity_row {
  std::uint64_t seq = 0;
  std::string activity_id;
  nanos timestamp = 0;
  std::string type;
  std::string sender_role;
  bytes body;
};
struct legacy_attachment_row {
  std::string id;
  std::string content_type;
  bytes name;
  bytes content;
};
/// The upgraded form of one legacy conversation, written in one go.
struct upgraded_conversation {
  std::int64_t pk = 0;
  std::string tenant_id;
  std::string key_id;
  std::uint32_t key_version = 0;
  std::uint64_t subject = 0;  ///< 0 when its key could not be upgraded (it stays unreadable)
  bytes data_key;             ///< the data key bound to the subject (empty: unchanged)
  std::uint32_t data_key_parent = 0;
  bool has_sealed = false;  ///< false: no conversation record (it stays unreadable)
  bytes sealed;             ///< the conversation record
  std::string user_ref;
  std::uint64_t key_uses = 0;
  std::vector<std::pair<std::uint64_t, bytes>> activities;  ///< seq, new body
  std::vector<attachment_row> attachments;                  ///< by id: new meta and content
  bool has_bot_state = false;
  bot_state_row bot_state;  ///< the re-sealed bot state, if has_bot_state
};

struct conversation_query {
  std::string tenant_id;
  std::optional<conversation_state> state;
  std::optional<nanos> active_since;
  /// Keyset cursor: rows strictly after (last_activity desc, id asc) = this.
  std::optional<std::pair<nanos, std::string>> after;
  std::size_t limit = 50;
};

/// A consultant's desk session (desk_store.hpp); `data` is sealed under the session's own data key.
struct desk_session_row {
  std::string tenant_id;
  std::string ref;
  std::string subject_ref;
  std::string sid_ref;
  std::string key_id;
  std::uint32_t key_version = 0;
  nanos created = 0;
  nanos last_seen = 0;
  nanos expires = 0;
  nanos refresh_due = 0;
  bytes data;  ///< sealed
};

/// A pending desk sign-in: hashes and the expected issuer only, nothing secret.
struct desk_login_row {
  std::string tenant_id;
  std::string ref;
  std::string browser_ref;
  std::string issuer;
  nanos expires = 0;
};

/// A tenant's desk settings; `data` is sealed under the tenant's desk settings key.
struct desk_settings_row {
  std::string tenant_id;
  std::string key_id;
  std::uint32_t key_version = 0;
  std::uint64_t version = 0;
  bytes data;  ///< sealed
};

/// A handoff in the desk's queue (desk_queue_store.hpp); `data` is sealed under the
/// conversation's data key. status: 0 waiting, 1 assigned, 2 closed.
struct desk_handoff_row {
  std::string tenant_id;
  std::string conversation_id;
  std::string handoff_id;
  std::string queue;
  int priority = 0;
  int status = 0;
  std::string owner_ref;
  nanos requested = 0;
  nanos assigned = 0;
  nanos answered = 0;
  std::uint64_t version = 0;
  bytes data;  ///< sealed
};

/// A consultant as the queue knows them; `data` (display name) is sealed under their own key.
/// state: 0 available, 1 busy, 2 away; skills: queue names separated by spaces.
struct desk_agent_row {
  std::string tenant_id;
  std::string actor_ref;
  int state = 2;
  std::uint32_t capacity = 0;
  std::uint32_t load = 0;
  std::string skills;
  std::string key_id;
  nanos last_seen = 0;
  nanos last_assigned = 0;
  bytes data;  ///< sealed
};

/// How far a commit got. What a failed COMMIT did is not always knowable (a lost connection, a
/// failed fsync): `unknown` then, and callers must neither assume it happened nor undo it.
enum class commit_outcome {
  none,       ///< nothing committed (rolled back)
  unknown,    ///< the commit failed midway; it may or may not have happened
  keys_only,  ///< the key tables committed, the data tables may not have (SQLite's two files)
  all,        ///< everything committed
};

/// One connection (SQLite: one per file) and at most one transaction. Obtained from a backend.
class session {
 public:
  virtual ~session() = default;

  /// Starts a write transaction (SQLite: BEGIN IMMEDIATE on both files; PostgreSQL: BEGIN,
  /// reconnecting first if the connection was lost). Sessions used without begin() run each
  /// statement on its own (reads).
  virtual result<void> begin() = 0;
  /// Commits keys first, then data, and says how far it got (errors are logged, without data).
  virtual commit_outcome commit() = 0;
  virtual void rollback() noexcept = 0;
  /// Savepoints inside a transaction, so one failed operation of a batch does not undo the others.
  virtual result<void> savepoint() = 0;
  virtual result<void> release_savepoint() = 0;
  virtual void rollback_to_savepoint() noexcept = 0;

  // --- meta (key_meta / data_meta) ---
  virtual result<std::optional<bytes>> get_meta(meta_scope scope, std::string_view name) = 0;
  virtual result<void> put_meta(meta_scope scope, std::string_view name, std::span<const std::uint8_t> value) = 0;

  // --- key tables ---
  /// The newest tenant key. With a lock (PostgreSQL; SQLite's single writer needs none) the
  /// tenant's row is locked first, until commit: `shared` by writers that wrap a data key under
  /// the current version, `exclusive` by a rotation, so that no data key can be wrapped under a
  /// version that a concurrent rotation is retiring. The key row is read after the lock is held.
  virtual result<std::optional<tenant_key_row>> current_tenant_key(std::string_view tenant_id, key_lock lock) = 0;
  virtual result<std::vector<tenant_key_row>> all_tenant_keys() = 0;
  virtual result<void> insert_tenant_key(const tenant_key_row& row) = 0;
  /// Replaces sealed/parent_version of (tenant, version) (root rotation).
  virtual result<void> update_tenant_key(const tenant_key_row& row) = 0;
  virtual result<void> add_tenant_key_uses(std::string_view tenant_id, std::uint32_t version, std::uint64_t n) = 0;
  virtual result<void> delete_tenant_key(std::string_view tenant_id, std::uint32_t version) = 0;

  virtual result<std::optional<data_key_row>> get_data_key(std::string_view tenant_id, std::string_view key_id,
                                                           std::uint32_t version) = 0;
  virtual result<std::vector<data_key_row>> tenant_data_keys(std::string_view tenant_id) = 0;
  /// errc::already_exists if (tenant, key id, version) exists.
  virtual result<void> insert_data_key(const data_key_row& row) = 0;
  /// Replaces sealed/parent_version of each (tenant, key id, version) (tenant rotation).
  virtual result<void> update_data_keys(std::span<const data_key_row> rows) = 0;
  virtual result<void> delete_data_keys(std::string_view tenant_id, std::span<const std::string> key_ids) = 0;

  virtual result<std::optional<bytes>> get_tenant_secret(std::string_view tenant_id) = 0;
  virtual result<void> put_tenant_secret(std::string_view tenant_id, std::span<const std::uint8_t> sealed) = 0;

  // --- tenants and conversations ---
  virtual result<bool> tenant_exists(std::string_view tenant_id) = 0;
  /// errc::already_exists if present.
  virtual result<void> insert_tenant(std::string_view tenant_id, nanos created) = 0;
  virtual result<std::vector<std::string>> list_tenants() = 0;

  virtual result<std::optional<conversation_row>> get_conversation(std::string_view tenant_id, std::string_view id) = 0;
  /// Inserts and sets row.pk. errc::already_exists if (tenant, id) exists.
  virtual result<void> insert_conversation(conversation_row& row) = 0;
  virtual result<std::vector<conversation_row>> list_conversations(const conversation_query& q) = 0;
  /// False if no such conversation.
  virtual result<bool> set_state(std::string_view tenant_id, std::string_view id, conversation_state state) = 0;
  /// The tenant's conversations with pk > after_pk, in pk order, at most `limit`.
  virtual result<std::vector<subject_row>> scan_subjects(std::string_view tenant_id, std::int64_t after_pk,
                                                         std::size_t limit) = 0;
  virtual result<std::vector<conversation_row>> conversations_idle_since(std::string_view tenant_id, nanos cutoff) = 0;
  /// Deletes conversations and everything they own (activities, idempotency, state, files).
  virtual result<void> delete_conversations(std::span<const std::int64_t> pks) = 0;

  // --- appends, in bulk (one group commit) ---
  /// Locks and returns the conversation rows (PostgreSQL: FOR UPDATE in pk order, so that
  /// concurrent processes serialise per conversation and never deadlock); same order as `keys`.
  virtual result<std::vector<std::optional<conversation_row>>> lock_conversations(
      std::span<const std::pair<std::string, std::string>> keys) = 0;
  /// Same order as `keys` (conv_pk, ref).
  virtual result<std::vector<std::optional<idempotency_row>>> find_idempotency(
      std::span<const std::pair<std::int64_t, std::string>> keys) = 0;
  virtual result<void> insert_activities(std::span<const activity_row> rows) = 0;
  virtual result<void> insert_idempotency(std::span<const idempotency_row> rows) = 0;
  virtual result<void> advance_conversations(std::span<const conversation_advance> rows) = 0;
  virtual result<void> set_key_uses(std::int64_t conv_pk, std::uint64_t key_uses) = 0;

  // --- activities, bot state, attachments ---
  /// seq > after, ascending, at most `limit` rows.
  virtual result<std::vector<activity_row>> read_activities(std::int64_t conv_pk, std::uint64_t after,
                                                            std::size_t limit) = 0;
  /// The row with the highest seq carrying this activity id.
  virtual result<std::optional<activity_row>> find_activity(std::int64_t conv_pk, std::string_view activity_id) = 0;
  virtual result<std::optional<bot_state_row>> get_bot_state(std::int64_t conv_pk) = 0;
  virtual result<void> put_bot_state(std::int64_t conv_pk, const bot_state_row& row) = 0;
  virtual result<void> insert_attachment(const attachment_row& row) = 0;
  virtual result<std::optional<attachment_row>> get_attachment(std::int64_t conv_pk, std::string_view id) = 0;

  // --- erasure subjects ---
  /// A new subject index, never handed out before by this database (SQLite: a counter in the
  /// key file, in the transaction; PostgreSQL: a sequence, gaps allowed).
  virtual result<std::uint64_t> next_subject() = 0;
  /// Makes next_subject() return at least `floor` from now on (a database restored from a copy
  /// older than the erasure-secrets file).
  virtual result<void> subjects_at_least(std::uint64_t floor) = 0;

  // --- one-time upgrade of rows written before erasure subjects (only between the migration
  // that adds the new columns and the one that drops the old ones: backend::upgrade_barrier) ---
  /// Conversations not upgraded yet, in pk order.
  virtual result<std::vector<legacy_conversation_row>> legacy_conversations(std::size_t limit) = 0;
  virtual result<std::vector<legacy_activity_row>> legacy_activities(std::int64_t conv_pk) = 0;
  virtual result<std::vector<legacy_attachment_row>> legacy_attachments(std::int64_t conv_pk) = 0;
  /// Writes the upgraded conversation, blanks its legacy columns and marks it upgraded.
  virtual result<void> upgrade_conversation(const upgraded_conversation& c) = 0;
  // --- the service desk (desk_store.hpp); data tables desk_sessions, desk_logins, desk_settings ---
  /// errc::already_exists if (tenant, ref) exists.
  virtual result<void> insert_desk_session(const desk_session_row& row) = 0;
  virtual result<std::optional<desk_session_row>> get_desk_session(std::string_view tenant_id,
                                                                   std::string_view ref) = 0;
  /// last_seen = max(last_seen, `last_seen`). False if no such session.
  virtual result<bool> touch_desk_session(std::string_view tenant_id, std::string_view ref, nanos last_seen) = 0;
  /// refresh_due = `next` where it equals `expected`. False if no row changed.
  virtual result<bool> claim_desk_refresh(std::string_view tenant_id, std::string_view ref, nanos expected,
                                          nanos next) = 0;
  /// False if no such session.
  virtual result<bool> update_desk_session_data(std::string_view tenant_id, std::string_view ref,
                                                std::span<const std::uint8_t> data) = 0;
  /// Sessions of `subject_ref` (empty: any) with `sid_ref` (empty: any); at least one is set.
  virtual result<std::vector<desk_session_row>> find_desk_sessions(std::string_view tenant_id,
                                                                   std::string_view subject_ref,
                                                                   std::string_view sid_ref) = 0;
  /// Sessions with expires <= now or last_seen < idle_cutoff.
  virtual result<std::vector<desk_session_row>> expired_desk_sessions(std::string_view tenant_id, nanos now,
                                                                      nanos idle_cutoff) = 0;
  virtual result<void> delete_desk_sessions(std::string_view tenant_id, std::span<const std::string> refs) = 0;
  /// errc::already_exists if (tenant, ref) exists.
  virtual result<void> insert_desk_login(const desk_login_row& row) = 0;
  virtual result<std::optional<desk_login_row>> get_desk_login(std::string_view tenant_id, std::string_view ref) = 0;
  /// False if there was no such row (another process took it first).
  virtual result<bool> delete_desk_login(std::string_view tenant_id, std::string_view ref) = 0;
  virtual result<std::size_t> delete_expired_desk_logins(std::string_view tenant_id, nanos now) = 0;
  virtual result<std::optional<desk_settings_row>> get_desk_settings(std::string_view tenant_id) = 0;
  /// Inserts or replaces the tenant's row.
  virtual result<void> put_desk_settings(const desk_settings_row& row) = 0;

  // --- the desk's queue (desk_queue_store.hpp); declared in desk_queue_overrides.inc ---
  /// errc::already_exists if the conversation has an open (status < 2) handoff.
  virtual result<void> insert_desk_handoff(const desk_handoff_row& row) = 0;
  virtual result<std::optional<desk_handoff_row>> open_desk_handoff(std::string_view tenant_id,
                                                                    std::string_view conversation_id) = 0;
  /// Open handoffs: status asc, priority desc, requested asc; at most `limit`. `owner_ref`
  /// non-empty: only those it owns.
  virtual result<std::vector<desk_handoff_row>> list_desk_handoffs(std::string_view tenant_id,
                                                                   std::string_view owner_ref, std::size_t limit) = 0;
  virtual result<std::size_t> count_open_desk_handoffs(std::string_view tenant_id) = 0;
  /// Compare-and-set: replaces queue..data of the open row (tenant, conversation, handoff id)
  /// whose version is `expected_version`. False when no row matched (PostgreSQL re-checks the
  /// version after waiting for a concurrent update's row lock).
  virtual result<bool> update_desk_handoff(const desk_handoff_row& row, std::uint64_t expected_version) = 0;
  /// Assigned, never answered and assigned before `cutoff`.
  virtual result<std::vector<desk_handoff_row>> unanswered_desk_handoffs(std::string_view tenant_id,
                                                                         nanos cutoff) = 0;
  /// The agent's row, locked until commit (PostgreSQL: FOR UPDATE).
  virtual result<std::optional<desk_agent_row>> lock_desk_agent(std::string_view tenant_id,
                                                                std::string_view actor_ref) = 0;
  /// Inserts or replaces the agent's row.
  virtual result<void> put_desk_agent(const desk_agent_row& row) = 0;
  virtual result<std::vector<desk_agent_row>> list_desk_agents(std::string_view tenant_id) = 0;

  // --- the audit log (audit_store.hpp); declared in audit_overrides.inc by the backends ---
  /// The tenant's head, created (seq 0, zero hash) if it has none, and locked until commit
  /// (PostgreSQL: FOR UPDATE, so that appends of several processes serialise per tenant).
  virtual result<audit_head_row> lock_audit_head(std::string_view tenant_id) = 0;
  virtual result<std::optional<audit_head_row>> get_audit_head(std::string_view tenant_id) = 0;
  virtual result<void> update_audit_head(const audit_head_row& head) = 0;
  /// errc::already_exists if (tenant, seq) exists.
  virtual result<void> insert_audit_entry(const audit_row& row) = 0;
  virtual result<void> insert_audit_checkpoint(const audit_checkpoint_row& row) = 0;
  /// seq > after and time >= since, ascending, at most `limit` rows.
  virtual result<std::vector<audit_row>> read_audit_entries(std::string_view tenant_id, std::uint64_t after,
                                                            nanos since, std::size_t limit) = 0;
  virtual result<std::vector<audit_checkpoint_row>> read_audit_checkpoints(std::string_view tenant_id,
                                                                           std::uint64_t after, std::size_t limit) = 0;
  virtual result<std::vector<std::string>> audit_tenants() = 0;
};

/// A database holding Parley's store schema.
class backend {
 public:
  virtual ~backend() = default;
  /// Short name for logs ("sqlite", "postgres").
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Schema version of the database as it is (0: empty) and the newest this build knows.
  virtual result<int> schema_version() = 0;
  [[nodiscard]] virtual int latest_schema_version() const noexcept = 0;
  /// Applies pending migrations up to `up_to` (0: all), each in its own transaction.
  /// errc::unavailable; a database newer than this build is refused with errc::invalid_argument.
  virtual result<int> migrate(int up_to = 0) = 0;
  /// The migration that drops the columns of the schema before erasure subjects: the store
  /// upgrades the rows (legacy_conversations...) before it may be applied.
  [[nodiscard]] virtual int upgrade_barrier() const noexcept = 0;
  /// After an erasure: makes the erased rows unreadable in the files too, not only unreachable
  /// (SQLite: a TRUNCATE checkpoint of both write-ahead logs, whose old page images would hold
  /// them; deleted cells are zeroed by secure_delete. PostgreSQL: VACUUM of the tables an erasure
  /// deletes from, so that no dead row version keeps them). Blocks; safe from any thread.
  virtual result<void> reclaim() = 0;
  /// A session for reads (from a pool; returned to it when destroyed).
  virtual result<std::unique_ptr<session>> read_session() = 0;
  /// A session for one writer thread; kept by that thread for its lifetime.
  virtual result<std::unique_ptr<session>> write_session() = 0;
  /// How many writer threads may write at once: 1 for SQLite (one writer), more for PostgreSQL.
  [[nodiscard]] virtual unsigned max_writers() const noexcept = 0;
};

}  // namespace parley::store
