// The key hierarchy of the encrypted store (docs/adr/0003-key-wrapping.md):
//
//   root key (file/env, outside the database)  +  erasure secret per tenant-key version (outside)
//     └─ wraps tenant keys, one per tenant and version            (wrapped form: in the database)
//          └─ wrap data keys, one per conversation and version    (wrapped form: in the database)
//               └─ seal records (aead_key), whose headers name the data key id and version
//
// Every key has an id and a version. Wrapped keys are plain records (wrapped_key) the store
// persists; unwrapped keys exist only as objects over protected memory. A wrapped key's
// associated data binds it to its place - kind, tenant id, key id, version and the version of the
// key that wrapped it - so a wrapped key copied to another tenant, conversation or version does
// not open. Tenant keys are wrapped with AES-256-GCM under HKDF(root key, salt = erasure secret,
// info = label, tenant, version); data keys with AES-256-GCM under the tenant key itself.
//
// Rotation re-wraps the keys below, never the data: rotate_root_key() re-wraps tenant keys,
// rotate_tenant_key() makes the next tenant-key version and re-wraps data keys. Until a record is
// re-wrapped its old parent version still opens it.
//
// Crypto-shredding a conversation, so that not even an older copy of the database can read it:
//   1. delete its wrapped data keys from the database;
//   2. rotate_tenant_key() over the tenant's remaining data keys; save the erasure secrets
//      (erasure_secrets::save_file) BEFORE committing, in one database transaction, the new
//      tenant-key record and the re-wrapped data keys (and deleting the old tenant-key record);
//   3. erasure_secrets::destroy(tenant, old version) and save_file() again.
// An older copy of the database still holds the old tenant key wrapped under the root key, but its
// erasure secret no longer exists anywhere, so it cannot be unwrapped, and neither can the erased
// data keys it wrapped. (Backups of the erasure-secrets file must expire within the erasure SLA.)
//
// Thread-safety: a tenant_key may be used from any number of threads (its aead_key is thread-safe);
// functions that take `erasure_secrets&` need exclusive access to it.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/aead.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/root_key.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::crypto {

enum class key_kind : std::uint8_t { tenant = 1, data = 2 };

/// A wrapped key as the store persists it. Only `sealed` is secret-bearing (and encrypted).
struct wrapped_key {
  key_kind kind = key_kind::data;
  std::string tenant_id;
  std::string key_id;               ///< tenant keys: the tenant id; data keys: e.g. the conversation id
  std::uint32_t version = 0;        ///< this key's version
  std::uint32_t parent_version = 0;  ///< version of the root key (tenant keys) or tenant key (data keys) that wrapped it
  std::vector<std::uint8_t> sealed;  ///< sealed record (aead.hpp) of the 32 key bytes (bound keys: of the inner record)
  /// Data keys only: the erasure subject the key is bound to (erasure_secrets.hpp), 0 for none.
  /// A bound key is wrapped twice: under a key derived from the subject's secret (inner), then
  /// under the tenant key (outer), so that it opens only while both exist; tenant rotation
  /// re-wraps the outer layer alone. The subject is part of both layers' associated data.
  std::uint64_t subject = 0;
};

/// An unwrapped tenant key (protected memory, move-only). It never keeps an expanded key schedule
/// outside protected memory between calls.
class tenant_key {
 public:
  tenant_key(tenant_key&&) noexcept;
  tenant_key& operator=(tenant_key&&) noexcept;
  ~tenant_key();
  [[nodiscard]] const std::string& tenant_id() const noexcept;
  [[nodiscard]] std::uint32_t version() const noexcept;
  /// Data keys wrapped so far (counts against the 2^32 GCM bound; persist it with the key).
  [[nodiscard]] std::uint64_t wraps() const noexcept;

 private:
  friend struct detail::key_access;
  explicit tenant_key(aead_key key);
  std::unique_ptr<aead_key> key_;
};

struct new_tenant_key {
  tenant_key key;
  wrapped_key wrapped;
};

/// Creates version `version` of the tenant's key and its erasure secret (in `secrets`; persist
/// them). errc::invalid_argument (tenant id not a valid key id, version 0), errc::already_exists.
[[nodiscard]] result<new_tenant_key> create_tenant_key(const root_key& root, erasure_secrets& secrets,
                                                       std::string_view tenant_id, std::uint32_t version,
                                                       core::random_source& rng = core::os_random());

/// Unwraps a tenant key. errc::key_destroyed (its erasure secret is gone), errc::key_mismatch
/// (wrapped under another root version), errc::authentication_failed (tampered or moved record,
/// or another root key with this version), errc::malformed. `wraps_so_far`: persisted count.
[[nodiscard]] result<tenant_key> open_tenant_key(const root_key& root, const erasure_secrets& secrets,
                                                 const wrapped_key& wrapped, std::uint64_t wraps_so_far = 0);

/// Re-wraps a tenant key from one root key version to another; the tenant key itself is unchanged.
[[nodiscard]] result<wrapped_key> rewrap_tenant_key(const root_key& from, const root_key& to,
                                                    const erasure_secrets& secrets, const wrapped_key& wrapped);

struct new_data_key {
  aead_key key;
  wrapped_key wrapped;
};

/// Creates a data key `key_id` (e.g. a conversation id) version `version`, wrapped by `tenant`.
/// `options` configure the returned aead_key (default: fast path, 2^32 seals).
/// errc::invalid_argument, errc::key_exhausted (the tenant key wrapped 2^32 keys: rotate it).
[[nodiscard]] result<new_data_key> create_data_key(tenant_key& tenant, std::string_view key_id,
                                                   std::uint32_t version, const aead_options& options = {},
                                                   core::random_source& rng = core::os_random());

/// Creates a data key bound to erasure subject `subject` (1..max_subject_index), whose secret
/// (erasure_secrets::subject_secret) is `subject_secret`. Errors as create_data_key.
[[nodiscard]] result<new_data_key> create_bound_data_key(tenant_key& tenant, std::string_view key_id,
                                                         std::uint32_t version, std::uint64_t subject,
                                                         std::span<const std::uint8_t> subject_secret,
                                                         const aead_options& options = {},
                                                         core::random_source& rng = core::os_random());

/// Unwraps an unbound data key. errc::key_mismatch (another tenant, or wrapped by another
/// tenant-key version), errc::authentication_failed, errc::malformed, errc::invalid_argument (the
/// key is bound to a subject: use the overload below).
[[nodiscard]] result<aead_key> open_data_key(const tenant_key& tenant, const wrapped_key& wrapped,
                                             const aead_options& options = {});
/// Unwraps a data key bound to a subject with that subject's secret. Errors as above;
/// errc::authentication_failed also for a wrong subject secret.
[[nodiscard]] result<aead_key> open_data_key(const tenant_key& tenant, const wrapped_key& wrapped,
                                             std::span<const std::uint8_t> subject_secret,
                                             const aead_options& options = {});

/// Binds an unbound data key to a subject (the same key bytes, wrapped anew; for upgrading keys
/// made before subjects existed). errc::invalid_argument (already bound, subject 0), and the
/// errors of open_data_key.
[[nodiscard]] result<wrapped_key> bind_data_key(tenant_key& tenant, const wrapped_key& unbound, std::uint64_t subject,
                                                std::span<const std::uint8_t> subject_secret);

/// Re-wraps a data key from one tenant-key version to another of the same tenant (bound keys:
/// the outer layer only; no subject secret is needed).
[[nodiscard]] result<wrapped_key> rewrap_data_key(const tenant_key& from, tenant_key& to, const wrapped_key& wrapped);

struct tenant_rotation {
  new_tenant_key next;                ///< version current.version() + 1
  std::vector<wrapped_key> data_keys;  ///< the given data keys, re-wrapped under `next`, same order
};

/// Creates the next tenant-key version (and its erasure secret in `secrets`) and re-wraps
/// `data_keys` (all wrapped by `current`) under it. All or nothing: on error the new erasure
/// secret is removed again. The old version stays usable until its erasure secret is destroyed.
[[nodiscard]] result<tenant_rotation> rotate_tenant_key(const root_key& root, erasure_secrets& secrets,
                                                        const tenant_key& current,
                                                        std::span<const wrapped_key> data_keys,
                                                        core::random_source& rng = core::os_random());

/// Re-wraps `tenant_keys` (wrapped by `from`) under `to`; same order. All or nothing.
[[nodiscard]] result<std::vector<wrapped_key>> rotate_root_key(const root_key& from, const root_key& to,
                                                               const erasure_secrets& secrets,
                                                               std::span<const wrapped_key> tenant_keys);

}  // namespace parley::crypto
