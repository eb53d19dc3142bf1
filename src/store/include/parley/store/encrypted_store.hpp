// The implementation of conversation_store: encryption and key management over a backend.
//
// Every record a person wrote or that identifies them is sealed with AES-256-GCM under its
// conversation's data key (crypto/key_hierarchy.hpp: root key -> tenant key -> data key), with
// associated data that binds it to tenant, conversation, record kind, sequence number or record
// id, key version and its clear columns (docs/adr/0006-encrypted-store.md). A record that fails to
// open is reported as errc::corrupt (activities: that record only, flagged), logged with ids,
// counted (integrity_failures()) and passed to the integrity hook (store_dependencies).
// Every conversation is an erasure subject (crypto/erasure_secrets.hpp): its data key is bound to
// the subject's secret, derived from the tenant's tree in the erasure-secrets file. User ids are
// sealed in the conversation record plus a keyed hash under that secret that erase_user() scans
// for; idempotency keys are stored as keyed hashes only.
//
// Writes go through writer threads that group concurrent operations into one transaction (group
// commit); sequence numbers are assigned inside it, so they stay gap-free and ordered per
// conversation even across processes (PostgreSQL). Reads and decryption run on the store's own
// thread pool. Every coroutine resumes on the caller's executor.
//
// The audit log's chains (audit_store.hpp) are appended through the same writers, sealed under
// each tenant's audit key (a data key bound to no erasure subject); erasures never touch them.
//
// Erasure (erase_conversation, erase_user, purge) first erases the conversations' subjects in the
// erasure-secrets file (saved), then deletes their data keys and rows and records the tenant's
// erasure count in the database, then reclaims the space (backend::reclaim, in the background).
// The erased conversations cannot be read even from an older copy of the database, while every
// other conversation of that copy still can with today's key material (docs/adr/0018). open()
// finishes erasures that an older or interrupted database has not seen (reconcile_report).
//
// Ownership: the store owns its backend, root key and erasure secrets; the clock, random source
// and logger passed in must outlive it. Destroying the store fails queued operations with
// errc::unavailable and joins its threads; no call may be in flight from the destroying thread.
//
// Thread-safety: every member function may be called concurrently from any thread.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/audit_store.hpp>
#include <parley/store/backend.hpp>
#include <parley/store/conversation_store.hpp>
#include <parley/store/desk_queue_store.hpp>
#include <parley/store/desk_store.hpp>
#include <parley/store/options.hpp>
#include <parley/store/single_use.hpp>
#include <parley/store/writer_stats.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

/// Operations for operators (`parley keys ...`, `parley store ...`), not for feature components.
class store_admin {
 public:
  virtual ~store_admin() = default;
  /// Re-wraps every tenant key under `next` (another version of the root key) and records its
  /// check value; from then on the store needs `next`. errc::invalid_argument (same version).
  virtual boost::asio::awaitable<result<void>> rotate_root_key(crypto::root_key next) = 0;
  /// Makes the next version of the tenant's key, re-wraps the tenant's data keys under it and
  /// destroys the old version's erasure secret. Returns the new version. errc::not_found.
  virtual boost::asio::awaitable<result<std::uint32_t>> rotate_tenant_key(std::string tenant_id) = 0;
  /// Tenants known to the store.
  virtual boost::asio::awaitable<result<std::vector<std::string>>> list_tenants() = 0;
  /// Makes erased rows unreadable in the database files now (backend::reclaim); erasures do it in
  /// the background anyway. errc::unavailable.
  virtual boost::asio::awaitable<result<void>> reclaim() = 0;
};

/// One integrity failure a read found: a record (or the key it is sealed under) that does not
/// authenticate. Ids only, never content.
struct integrity_failure {
  std::string tenant_id;
  std::string conversation_id;
  std::string_view record;  ///< "activity", "conversation", "bot_state", "attachment"
  std::uint64_t seq = 0;    ///< activities: the sequence number (0 otherwise)
  std::string record_id;    ///< activity or attachment id (may be empty)
  bool key = false;         ///< the conversation's data key failed, not the record itself
};

/// What the store uses from its surroundings; each must outlive the store.
struct store_dependencies {
  const core::clock* clock = nullptr;     ///< null: the system clock
  core::random_source* random = nullptr;  ///< null: the OS CSPRNG (ids, etags, keys)
  std::shared_ptr<spdlog::logger> log;    ///< null: core::logger("store")
  /// Called once per failing record per process (a reader polling a tampered conversation is
  /// reported once), on the store's reader thread that found it: quick, never blocking, never
  /// throwing. src/app counts it in a metric and appends an audit entry.
  std::function<void(const integrity_failure&)> on_integrity_failure;
  /// Called after every operation with its kind ("read": queued for and run on the store's pool;
  /// "write": queued, group-committed and done) and its time from the call, on the store's thread
  /// that finished it: quick, never blocking, never throwing. src/app observes it in
  /// parley_store_operation_duration_seconds.
  std::function<void(std::string_view operation, std::chrono::steady_clock::duration waited)> on_operation;
};

/// What open() found and did to bring a database in line with the erasure secrets file: a copy
/// restored from a backup older than the file, or an erasure interrupted between the file and the
/// database (`parley store restore` prints it).
struct reconcile_report {
  struct tenant {
    std::string tenant_id;
    std::uint64_t erasures_in_file = 0;      ///< the tenant's erasure count in the secrets file
    std::uint64_t erasures_in_database = 0;  ///< ... and in the database as open() found it
    std::size_t conversations_removed = 0;   ///< rows of conversations erased since: removed now
    bool readable = true;                    ///< its current tenant key opens
    std::string problem;                     ///< why not (a sentence naming the cause)
  };
  std::vector<tenant> tenants;
  std::size_t upgraded_conversations = 0;  ///< rows upgraded from the format before erasure subjects
};

class encrypted_store final : public conversation_store,
                              public desk_store,
                              public store_admin,
                              public audit_store,
                              public desk_queue_store,
                              public single_use_store {
 public:
  using dependencies = store_dependencies;

  /// Opens the store: checks the root key against the stored key check value (a wrong key fails
  /// with errc::wrong_root_key before anything is written), then applies pending migrations if
  /// options.migrate_on_open (else an outdated schema is errc::invalid_argument), upgrading rows
  /// written before erasure subjects on the way; loads the erasure secrets from
  /// `erasure_secrets_file` (created on first use; a missing file while tenants exist is
  /// crypto::errc::io_error; a file of another installation, or older than the database, is
  /// errc::stale_erasure_secrets), and finishes erasures the database has not seen (report()).
  /// errc::key_retired when no tenant key opens because their erasure secrets are gone (a copy
  /// older than a tenant-key rotation). On a fresh database it records the root key's check
  /// value. errc::unavailable if the backend fails.
  [[nodiscard]] static result<std::unique_ptr<encrypted_store>> open(std::unique_ptr<backend> db, crypto::root_key root,
                                                                     std::filesystem::path erasure_secrets_file,
                                                                     const options& opts, dependencies deps = {});

  ~encrypted_store() override;
  encrypted_store(const encrypted_store&) = delete;
  encrypted_store& operator=(const encrypted_store&) = delete;

  // conversation_store
  boost::asio::awaitable<result<void>> ensure_tenant(std::string tenant_id) override;
  boost::asio::awaitable<result<conversation>> create_conversation(std::string tenant_id, std::string id,
                                                                   std::string bot_id, std::string user_id) override;
  boost::asio::awaitable<result<conversation>> get_conversation(std::string tenant_id, std::string id) override;
  boost::asio::awaitable<result<conversation_page>> list_conversations(std::string tenant_id,
                                                                       conversation_filter filter) override;
  boost::asio::awaitable<result<void>> set_conversation_state(std::string tenant_id, std::string id,
                                                              conversation_state state) override;
  boost::asio::awaitable<result<append_result>> append_activity(std::string tenant_id, std::string conversation_id,
                                                                new_activity activity) override;
  boost::asio::awaitable<result<activity_page>> read_activities(std::string tenant_id, std::string conversation_id,
                                                                std::uint64_t after, std::size_t limit) override;
  boost::asio::awaitable<result<activity_record>> get_activity(std::string tenant_id, std::string conversation_id,
                                                               std::string activity_id) override;
  boost::asio::awaitable<result<std::optional<bot_state>>> get_bot_state(std::string tenant_id,
                                                                         std::string conversation_id) override;
  boost::asio::awaitable<result<std::string>> put_bot_state(std::string tenant_id, std::string conversation_id,
                                                            std::string data,
                                                            std::optional<std::string> expected_etag) override;
  boost::asio::awaitable<result<std::string>> put_attachment(std::string tenant_id, std::string conversation_id,
                                                             attachment file) override;
  boost::asio::awaitable<result<attachment>> get_attachment(std::string tenant_id, std::string conversation_id,
                                                            std::string attachment_id) override;
  boost::asio::awaitable<result<void>> erase_conversation(std::string tenant_id, std::string conversation_id) override;
  boost::asio::awaitable<result<std::size_t>> erase_user(std::string tenant_id, std::string user_id) override;
  boost::asio::awaitable<result<std::size_t>> purge(std::string tenant_id, time_point older_than) override;

  // single_use_store (store_writes.cpp)
  boost::asio::awaitable<result<bool>> use_once(std::string tenant_id, std::string conversation_id,
                                                std::string use_id) override;

  // desk_store (store_desk.cpp)
  boost::asio::awaitable<result<void>> create_desk_session(desk_session s) override;
  boost::asio::awaitable<result<desk_session>> get_desk_session(std::string tenant_id, std::string ref) override;
  boost::asio::awaitable<result<void>> touch_desk_session(std::string tenant_id, std::string ref,
                                                          time_point last_seen) override;
  boost::asio::awaitable<result<bool>> claim_desk_session_refresh(std::string tenant_id, std::string ref,
                                                                  time_point expected, time_point next) override;
  boost::asio::awaitable<result<void>> update_desk_session(std::string tenant_id, std::string ref,
                                                           std::string data) override;
  boost::asio::awaitable<result<bool>> delete_desk_session(std::string tenant_id, std::string ref) override;
  boost::asio::awaitable<result<std::vector<desk_session_key>>> delete_desk_sessions(std::string tenant_id,
                                                                                     std::string subject_ref,
                                                                                     std::string sid_ref) override;
  boost::asio::awaitable<result<std::vector<desk_session_key>>> purge_desk_sessions(std::string tenant_id,
                                                                                    time_point now,
                                                                                    time_point idle_cutoff) override;
  boost::asio::awaitable<result<void>> put_desk_login(desk_login login) override;
  boost::asio::awaitable<result<desk_login>> take_desk_login(std::string tenant_id, std::string ref) override;
  boost::asio::awaitable<result<std::optional<desk_settings>>> get_desk_settings(std::string tenant_id) override;
  boost::asio::awaitable<result<std::uint64_t>> put_desk_settings(
      std::string tenant_id, std::string data, std::optional<std::uint64_t> expected_version) override;

  // store_admin
  boost::asio::awaitable<result<void>> rotate_root_key(crypto::root_key next) override;
  boost::asio::awaitable<result<std::uint32_t>> rotate_tenant_key(std::string tenant_id) override;
  boost::asio::awaitable<result<std::vector<std::string>>> list_tenants() override;
  boost::asio::awaitable<result<void>> reclaim() override;

  // desk_queue_store (store_desk_queue.cpp)
  boost::asio::awaitable<result<queued_handoff>> enqueue_handoff(queued_handoff h) override;
  boost::asio::awaitable<result<std::optional<queued_handoff>>> open_handoff(std::string tenant_id,
                                                                             std::string conversation_id) override;
  boost::asio::awaitable<result<std::vector<queued_handoff>>> list_queue(std::string tenant_id,
                                                                         std::size_t limit) override;
  boost::asio::awaitable<result<take_result>> take_handoff(std::string tenant_id, std::string conversation_id,
                                                           std::uint64_t expected_version, std::string actor_ref,
                                                           std::optional<std::string> from_owner) override;
  boost::asio::awaitable<result<std::optional<queued_handoff>>> assign_next(std::string tenant_id) override;
  boost::asio::awaitable<result<bool>> mark_answered(std::string tenant_id, std::string conversation_id,
                                                     std::string actor_ref) override;
  boost::asio::awaitable<result<bool>> release_handoff(std::string tenant_id, std::string conversation_id,
                                                       std::string actor_ref,
                                                       std::optional<std::string> to_queue) override;
  boost::asio::awaitable<result<std::vector<std::string>>> requeue_unanswered(std::string tenant_id,
                                                                              time_point cutoff) override;
  boost::asio::awaitable<result<std::vector<std::string>>> release_agent(std::string tenant_id,
                                                                         std::string actor_ref) override;
  boost::asio::awaitable<result<std::optional<queued_handoff>>> close_handoff(
      std::string tenant_id, std::string conversation_id, std::string note,
      std::optional<std::uint64_t> expected_version = {}) override;
  boost::asio::awaitable<result<desk_agent>> put_desk_agent(desk_agent a) override;
  boost::asio::awaitable<result<std::optional<desk_agent>>> get_desk_agent(std::string tenant_id,
                                                                           std::string actor_ref) override;
  boost::asio::awaitable<result<std::vector<desk_agent>>> list_desk_agents(std::string tenant_id) override;

  // audit_store (store_audit.cpp)
  boost::asio::awaitable<result<audit_row>> append_audit(std::string tenant_id, std::string plaintext,
                                                         audit_chain_fn chain) override;
  boost::asio::awaitable<result<std::uint64_t>> checkpoint_audit(std::string tenant_id,
                                                                 audit_checkpoint_fn sign) override;
  boost::asio::awaitable<result<std::vector<audit_record>>> read_audit(std::string tenant_id, std::uint64_t after,
                                                                       nanos since, std::size_t limit) override;
  boost::asio::awaitable<result<std::vector<audit_checkpoint_row>>> read_audit_checkpoints(std::string tenant_id,
                                                                                           std::uint64_t after,
                                                                                           std::size_t limit) override;
  boost::asio::awaitable<result<audit_state>> audit_status(std::string tenant_id) override;
  boost::asio::awaitable<result<std::vector<std::string>>> audit_tenants() override;

  /// A snapshot of the writers' counters.
  [[nodiscard]] writer_stats write_stats() const;
  /// Distinct integrity failures found by reads since open().
  [[nodiscard]] std::uint64_t integrity_failures() const;
  /// What open() did to bring the database in line with the erasure secrets file.
  [[nodiscard]] const reconcile_report& report() const;

  struct impl;

 private:
  explicit encrypted_store(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace parley::store
