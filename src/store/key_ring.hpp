// Private: the store's side of the key hierarchy. Holds the root key and the erasure secrets,
// opens tenant and data keys from the rows a session returns (and caches them in protected
// memory), creates them (a conversation's data key bound to an erasure subject), erases subjects,
// computes the keyed hashes that stand in for user ids and idempotency keys, and prepares
// tenant-key and root-key rotations inside a write transaction.
//
// Erasure secrets file discipline (several processes may share it, PostgreSQL deployments): every
// change takes an exclusive flock on "<file>.lock", reloads the file, changes it and saves it
// (atomic replace). A version is never reused: a new tenant key takes the first version without
// a secret, so a concurrent process's uncommitted secret is never overwritten.
//
// Thread-safety: all member functions may be called concurrently.
#pragma once

#include <parley/core/random.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/key_hierarchy.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/backend.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <unordered_map>

namespace parley::store::detail {

/// The data key of each tenant's audit log (audit_store.hpp); '~' keeps it apart from store ids.
inline constexpr std::string_view audit_key_id = "~audit";

/// A tenant-key rotation written inside a transaction; finished after commit or rollback.
struct tenant_rotation {
  std::string tenant_id;
  std::uint32_t old_version = 0;
  std::uint32_t new_version = 0;
  std::shared_ptr<crypto::tenant_key> next;
};

/// A root-key rotation written inside a transaction.
struct root_rotation {
  std::shared_ptr<crypto::root_key> next;
};

class key_ring {
 public:
  key_ring(crypto::root_key root, std::filesystem::path secrets_file, std::size_t cache_size, core::random_source& rng,
           std::shared_ptr<spdlog::logger> log);

  [[nodiscard]] std::uint32_t root_version() const;
  /// Compares the root key with the stored check value and version (errc::wrong_root_key).
  [[nodiscard]] result<void> verify_root(std::uint32_t stored_version,
                                         std::span<const std::uint8_t> stored_check) const;
  /// Records the root key's version and check value in the session (fresh database).
  [[nodiscard]] result<void> record_root(session& s) const;

  /// Loads the erasure secrets file; a missing file is an empty set unless `must_exist`.
  [[nodiscard]] result<void> load_secrets(bool must_exist);
  /// Binds the file to `installation` (saving it) if it names none; errc::invalid_argument if it
  /// names another installation. Creates the subject tree of each tenant in `tenants` that has none.
  [[nodiscard]] result<void> prepare_secrets(const crypto::installation_id& installation,
                                             std::span<const std::string> tenants);
  /// Destroys the secrets of tenant-key versions older than each tenant's current one (finishes
  /// an erasure interrupted after its commit). Returns how many were destroyed.
  [[nodiscard]] result<std::size_t> destroy_superseded_secrets(std::span<const tenant_key_row> current);
  /// Opens a tenant key row (start-up check). Errors as tenant_key().
  [[nodiscard]] result<void> check_tenant_key(const tenant_key_row& row);

  /// The tenant's current key. With `for_write` the row is read (and locked) even when cached,
  /// so that a rotation by another process is noticed before a new data key is wrapped.
  /// errc::not_found (no key), errc::erased (its erasure secret is gone), errc::wrong_root_key
  /// (wrapped under another root version), errc::corrupt (does not authenticate).
  [[nodiscard]] result<std::shared_ptr<crypto::tenant_key>> tenant_key(session& s, std::string_view tenant_id,
                                                                       bool for_write);
  /// Creates the tenant's first key and its pseudonymisation secret (rows in the session).
  [[nodiscard]] result<void> create_tenant(session& s, std::string_view tenant_id);

  struct new_key {
    std::string key_id;
    std::shared_ptr<crypto::aead_key> key;
  };
  /// Creates, stores and caches a data key with a fresh random id under the tenant's key, bound
  /// to erasure subject `subject` whose secret is `subject_secret` (0 and empty: tenant-level).
  [[nodiscard]] result<new_key> create_data_key(session& s, std::string_view tenant_id, std::uint64_t subject,
                                                std::span<const std::uint8_t> subject_secret);
  /// The secret of a subject. errc::erased (erased, or the tenant has no subject tree).
  [[nodiscard]] result<crypto::secure_buffer> subject_secret(std::string_view tenant_id, std::uint64_t subject);
  /// A data key by id and version. errc::erased (row gone, subject erased or tenant key
  /// destroyed), errc::corrupt.
  [[nodiscard]] result<std::shared_ptr<crypto::aead_key>> data_key(session& s, std::string_view tenant_id,
                                                                   std::string_view key_id, std::uint32_t version,
                                                                   std::uint64_t uses_so_far);
  /// The tenant's audit key (data key audit_key_id, version 1); with `create`, created in the
  /// session when it does not exist yet (a new key is not cached), else errc::erased then.
  /// `uses_so_far`: records sealed under it. Errors as data_key(), create_data_key(). Writers
  /// forget it (forget_audit_key) if their transaction does not commit, since data_key() caches
  /// a row read inside that transaction.
  [[nodiscard]] result<std::shared_ptr<crypto::aead_key>> audit_key(session& s, std::string_view tenant_id,
                                                                    std::uint64_t uses_so_far, bool create);
  /// A data key if it is in the cache (no database access); null otherwise.
  [[nodiscard]] std::shared_ptr<crypto::aead_key> cached_data_key(std::string_view tenant_id, std::string_view key_id,
                                                                  std::uint32_t version);
  void forget_data_keys(std::string_view tenant_id, std::span<const std::string> key_ids);
  void forget_audit_key(std::string_view tenant_id);

  /// The keyed hash a conversation stores for its user: HMAC-SHA256 under the conversation's
  /// subject secret, so that it links nothing across conversations and means nothing once the
  /// subject is erased. base64url.
  [[nodiscard]] static std::string user_ref(std::span<const std::uint8_t> subject_secret, std::string_view tenant_id,
                                            std::string_view conversation_id, std::string_view user_id);
  /// Calls fn(row) for each of `rows` whose user_ref is `user_id`'s (rows of one tenant; erased
  /// subjects never match). Derives the subjects' secrets in ascending order, sharing work.
  [[nodiscard]] result<void> match_user(std::string_view tenant_id, std::vector<subject_row> rows,
                                        std::string_view user_id, const std::function<void(const subject_row&)>& fn);
  /// Keyed hash of an idempotency key (HMAC-SHA256 under the tenant's pseudonymisation secret).
  [[nodiscard]] result<std::string> idempotency_ref(session& s, std::string_view tenant_id,
                                                    std::string_view conversation_id, std::string_view key);

  /// Erases subjects in the erasure secrets file (saved before this returns); returns the
  /// tenant's erasure epoch afterwards.
  [[nodiscard]] result<std::uint64_t> erase_subjects(std::string_view tenant_id,
                                                     std::span<const std::uint64_t> subjects);
  [[nodiscard]] bool subject_erased(std::string_view tenant_id, std::uint64_t subject) const;
  [[nodiscard]] std::uint64_t erasure_epoch(std::string_view tenant_id) const;
  [[nodiscard]] std::uint64_t subject_floor(std::string_view tenant_id) const;
  /// Binds a data key made before subjects existed to `subject` (the one-time upgrade); the
  /// returned row replaces it in the same transaction.
  [[nodiscard]] result<data_key_row> bind_legacy_key(session& s, const data_key_row& row, std::uint64_t subject);

  /// Inside a transaction: the next tenant-key version, the tenant's data keys re-wrapped under it,
  /// the old version's row deleted. The new erasure secret is saved before this returns.
  [[nodiscard]] result<tenant_rotation> prepare_tenant_rotation(session& s, std::string_view tenant_id);
  /// After commit: destroys the old version's erasure secret and caches the new key.
  void tenant_rotation_committed(const tenant_rotation& r);
  /// After rollback: destroys the new version's erasure secret.
  void tenant_rotation_failed(const tenant_rotation& r);

  /// Inside a transaction: every tenant key re-wrapped under `next`, its check value recorded.
  [[nodiscard]] result<root_rotation> prepare_root_rotation(session& s, crypto::root_key next);
  void root_rotation_committed(const root_rotation& r);

 private:
  template <class Fn>
  result<void> change_secrets(Fn&& fn);
  result<void> reload_secrets_locked();
  /// Reloads the file if another process changed it (at most one stat per second): an erasure by
  /// another node is then honoured here too.
  void refresh_secrets();
  result<std::shared_ptr<crypto::tenant_key>> open_tenant(const tenant_key_row& row);
  result<std::shared_ptr<crypto::secure_buffer>> pseudonym_secret(session& s, std::string_view tenant_id);
  void cache_data_key(const std::string& cache_key, std::shared_ptr<crypto::aead_key> key);

  // Root key and erasure secrets: shared for use, exclusive for change.
  mutable std::shared_mutex keys_mutex_;
  std::shared_ptr<crypto::root_key> root_;
  crypto::erasure_secrets secrets_;
  std::filesystem::path secrets_file_;
  std::mutex refresh_mutex_;
  std::chrono::steady_clock::time_point last_refresh_{};
  std::tuple<std::uintmax_t, std::int64_t, std::uint64_t> file_stamp_{};  // size, mtime ns, inode
  core::random_source& rng_;
  std::shared_ptr<spdlog::logger> log_;

  // Caches of unwrapped keys (protected memory). Data keys: LRU by "tenant \0 key id \0 version".
  std::mutex cache_mutex_;
  std::map<std::string, std::shared_ptr<crypto::tenant_key>, std::less<>> tenants_;
  std::map<std::string, std::shared_ptr<crypto::secure_buffer>, std::less<>> pseudonyms_;
  std::size_t cache_size_;
  std::list<std::string> lru_;
  std::unordered_map<std::string, std::pair<std::shared_ptr<crypto::aead_key>, std::list<std::string>::iterator>>
      data_keys_;
};

}  // namespace parley::store::detail
