// AES-256-GCM sealing with associated data, in a versioned, self-describing record format.
//
// Sealed record, format 1 (all integers big-endian):
//   u8 format = 1 | u8 n | key id (n bytes, 1..128 printable ASCII) | u32 key version |
//   12-byte random nonce | ciphertext (as long as the plaintext) | 16-byte tag
// Everything before the ciphertext is the header. GCM authenticates header || associated data,
// so changing any byte of header, nonce, ciphertext, tag or associated data makes open() refuse
// the record. The header is readable without the key (parse_sealed) so a reader can pick the key.
//
// Each aead_key counts its seals and refuses past a limit (default 2^32, NIST SP 800-38D §8.3 for
// random 96-bit nonces). The count is per object: a key that outlives the process must have its
// count persisted (seals()) and passed back (aead_options::seals_so_far) when it is reopened.
//
// Thread-safety: an aead_key may be used from any number of threads at once.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::crypto {

inline constexpr std::uint8_t sealed_format_v1 = 1;
inline constexpr std::size_t aead_key_size = 32;
inline constexpr std::size_t aead_nonce_size = 12;
inline constexpr std::size_t aead_tag_size = 16;
inline constexpr std::size_t max_key_id_size = 128;
inline constexpr std::size_t max_plaintext_size = std::size_t{64} << 20;       ///< per record
inline constexpr std::size_t max_associated_data_size = std::size_t{64} << 10;  ///< per record
inline constexpr std::uint64_t gcm_random_nonce_limit = std::uint64_t{1} << 32;

/// True for 1..128 bytes of printable ASCII without spaces (0x21..0x7e).
[[nodiscard]] bool valid_key_id(std::string_view id) noexcept;

struct aead_options {
  /// Seals allowed under this key; the default is the NIST bound for random nonces. Tests lower it.
  std::uint64_t max_seals = gcm_random_nonce_limit;
  /// Seals already made under this key (by earlier processes), counted against max_seals.
  std::uint64_t seals_so_far = 0;
  /// Keep OpenSSL cipher contexts (which hold the expanded key schedule on the ordinary heap)
  /// between calls: fast, for data keys on the store's hot path. False: build and wipe a context
  /// per call, so the key exists only in protected memory between calls (long-lived keys).
  bool keep_key_schedule = true;
  /// Source of nonces (and of the key in generate()); null means the OS CSPRNG.
  core::random_source* random = nullptr;
};

/// The readable part of a sealed record.
struct sealed_header {
  std::uint8_t format = 0;
  std::string_view key_id;  ///< points into the record
  std::uint32_t key_version = 0;
  std::size_t header_size = 0;
  std::size_t plaintext_size = 0;
};

/// Parses and checks the header of a sealed record without opening it.
/// errc::unsupported_format, errc::malformed.
[[nodiscard]] result<sealed_header> parse_sealed(std::span<const std::uint8_t> sealed);

/// An AES-256 key with an id and a version, held in protected memory. Move-only.
class aead_key {
 public:
  /// Takes a 32-byte key. errc::invalid_argument for another size, an invalid key id or version 0.
  [[nodiscard]] static result<aead_key> create(secure_buffer key, std::string_view key_id, std::uint32_t version,
                                               const aead_options& options = {});
  /// A fresh random key from options.random (default: OS CSPRNG).
  [[nodiscard]] static result<aead_key> generate(std::string_view key_id, std::uint32_t version,
                                                 const aead_options& options = {});

  aead_key(aead_key&&) noexcept;
  aead_key& operator=(aead_key&&) noexcept;
  ~aead_key();

  [[nodiscard]] const std::string& id() const noexcept;
  [[nodiscard]] std::uint32_t version() const noexcept;
  /// Seals made so far (including options.seals_so_far).
  [[nodiscard]] std::uint64_t seals() const noexcept;

  /// Size of the record seal() writes for `plaintext_size` bytes.
  [[nodiscard]] std::size_t sealed_size(std::size_t plaintext_size) const noexcept;

  /// Seals into `out` (at least sealed_size() bytes; must not overlap `plaintext`) and returns the
  /// record size. errc::key_exhausted, errc::too_large, errc::invalid_argument, errc::internal.
  [[nodiscard]] result<std::size_t> seal(std::span<const std::uint8_t> plaintext,
                                         std::span<const std::uint8_t> associated_data, std::span<std::uint8_t> out);
  [[nodiscard]] result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> plaintext,
                                                       std::span<const std::uint8_t> associated_data);

  /// Opens a record sealed under this key id and version into `out` (at least the header's
  /// plaintext_size bytes) and returns the plaintext size. On any failure nothing readable is
  /// left in `out`. errc::authentication_failed, errc::key_mismatch, errc::malformed,
  /// errc::unsupported_format, errc::invalid_argument, errc::too_large.
  [[nodiscard]] result<std::size_t> open(std::span<const std::uint8_t> sealed,
                                         std::span<const std::uint8_t> associated_data,
                                         std::span<std::uint8_t> out) const;
  [[nodiscard]] result<std::vector<std::uint8_t>> open(std::span<const std::uint8_t> sealed,
                                                       std::span<const std::uint8_t> associated_data) const;
  /// Opens straight into protected memory (for wrapped keys and sealed secrets).
  [[nodiscard]] result<secure_buffer> open_secure(std::span<const std::uint8_t> sealed,
                                                  std::span<const std::uint8_t> associated_data) const;

 private:
  struct state;
  explicit aead_key(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> state_;
};

}  // namespace parley::crypto
