// The root of Parley's key hierarchy (docs/adr/0003-key-wrapping.md): a 256-bit key kept outside
// the database, in a file of exactly 32 bytes with mode 0600 or stricter, or in an environment
// variable as base64url. It wraps tenant keys (key_hierarchy.hpp) and, through wrap()/unwrap(),
// any other secret a component must persist (jose's signing keys).
//
// Its key check value, HMAC-SHA256(root key, "parley/v1/root-key-check"), is stored beside the
// data by the store. verify() against the stored value at start-up detects a wrong root key
// before anything is read or changed. The value reveals nothing about the key.
//
// Ownership: the key bytes live only in protected memory, owned by the root_key (move-only).
// Thread-safety: all const member functions may be called concurrently.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace parley::crypto {

namespace detail {
struct key_access;
}

inline constexpr std::size_t root_key_size = 32;
using key_check_value = std::array<std::uint8_t, 32>;

class root_key {
 public:
  /// Reads a root key file: a regular file (not a symlink) of exactly 32 bytes, owned by this
  /// user or root, with no permission bits beyond 0600. errc::io_error, errc::insecure_file,
  /// errc::malformed (wrong size). `version` (>= 1) is the version the store knows this key by.
  [[nodiscard]] static result<root_key> load_file(const std::filesystem::path& file, std::uint32_t version);
  /// Decodes 32 bytes of strict unpadded base64url (the environment-variable form). errc::malformed.
  [[nodiscard]] static result<root_key> from_base64url(std::string_view text, std::uint32_t version);
  /// Takes 32 bytes of protected memory. errc::invalid_argument.
  [[nodiscard]] static result<root_key> from_bytes(secure_buffer key, std::uint32_t version);
  [[nodiscard]] static result<root_key> generate(std::uint32_t version, core::random_source& rng = core::os_random());

  /// Creates a new root key file with 32 random bytes and mode 0600 (`parley keys init`), synced
  /// to disk. Never overwrites: errc::already_exists if anything exists at `file` (even a dangling
  /// symlink). Returns the new key's check value. errc::io_error.
  [[nodiscard]] static result<key_check_value> create_file(const std::filesystem::path& file,
                                                           core::random_source& rng = core::os_random());

  root_key(root_key&&) noexcept;
  root_key& operator=(root_key&&) noexcept;
  ~root_key();

  [[nodiscard]] std::uint32_t version() const noexcept;
  [[nodiscard]] const key_check_value& check_value() const noexcept;
  /// Compares with a stored check value in constant time. errc::wrong_root_key.
  [[nodiscard]] result<void> verify(std::span<const std::uint8_t> stored_check_value) const;

  /// Wraps `secret` (1 byte .. 64 KiB) with AES-256-GCM under a key derived from the root key
  /// (HKDF-SHA256, label "parley/v1/root/wrap"), binding `associated_data` (say, the signing
  /// key's kid and purpose); the result is a sealed record (aead.hpp) naming key id "root" and
  /// this version. errc::invalid_argument, errc::too_large, errc::key_exhausted.
  [[nodiscard]] result<std::vector<std::uint8_t>> wrap(std::span<const std::uint8_t> secret,
                                                       std::span<const std::uint8_t> associated_data) const;
  /// The inverse, into protected memory. errc::authentication_failed (wrong associated data,
  /// tampering, or a record wrapped by another root key with the same version), errc::key_mismatch
  /// (wrapped under another root version: parse_sealed() tells which), errc::malformed.
  [[nodiscard]] result<secure_buffer> unwrap(std::span<const std::uint8_t> wrapped,
                                             std::span<const std::uint8_t> associated_data) const;

 private:
  friend struct detail::key_access;
  struct state;
  explicit root_key(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> state_;
};

}  // namespace parley::crypto
