// Erasure secrets: one random 32-byte value per tenant-key version, kept OUTSIDE the database
// (a file beside the root key). A tenant key is wrapped under a key derived from the root key AND
// its erasure secret, so destroying the secret makes that tenant key version - and every data key
// it wrapped - unopenable even from a copy of the database made before the erasure. That is how
// crypto-shredding reaches backups (docs/adr/0003-key-wrapping.md, key_hierarchy.hpp).
//
// File format (binary, big-endian): "PLYERS01", u32 count, count x {u8 n, tenant id (n bytes),
// u32 version, 32 secret bytes}, then SHA-256 of everything before it. Mode 0600, replaced
// atomically (temporary file, fsync, rename, fsync of the directory).
//
// Ownership: secrets live in protected memory, owned by this object (move-only).
// Thread-safety: const member functions may run concurrently; create/destroy/load need exclusive access.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace parley::crypto {

namespace detail {
struct key_access;
}

class erasure_secrets {
 public:
  erasure_secrets() = default;
  erasure_secrets(erasure_secrets&&) noexcept = default;
  erasure_secrets& operator=(erasure_secrets&&) noexcept = default;

  /// Loads a file written by save_file(). errc::io_error (absent or unreadable), errc::insecure_file,
  /// errc::malformed (bad magic, bad record, checksum mismatch), errc::too_large (> 16 MiB).
  [[nodiscard]] static result<erasure_secrets> load_file(const std::filesystem::path& file);
  /// Writes all secrets, replacing `file` atomically. errc::io_error, errc::insecure_file (the
  /// existing file has looser permissions than 0600).
  [[nodiscard]] result<void> save_file(const std::filesystem::path& file) const;

  /// Creates the secret of (tenant, version). errc::already_exists (a version is never reused),
  /// errc::invalid_argument (tenant id not a valid key id, version 0).
  [[nodiscard]] result<void> create(std::string_view tenant_id, std::uint32_t version,
                                    core::random_source& rng = core::os_random());
  [[nodiscard]] bool contains(std::string_view tenant_id, std::uint32_t version) const;
  /// Wipes and forgets the secret; false if it did not exist. Persist with save_file().
  bool destroy(std::string_view tenant_id, std::uint32_t version);
  [[nodiscard]] std::size_t size() const noexcept { return secrets_.size(); }

 private:
  friend struct detail::key_access;
  using slot = std::pair<std::string, std::uint32_t>;
  std::map<slot, secure_buffer> secrets_;
};

}  // namespace parley::crypto
