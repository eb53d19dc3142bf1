// Parley's own signing keys (Direct Line tokens, Bot Connector tokens...), one series per
// *purpose* chosen by the caller ("directline" ES256, "connector" RS256), kept in one file in the
// data directory with every private key wrapped by the root key (through the key_wrapper seam,
// implemented by the crypto component and wired in src/app).
//
// Life of a key: generated on first start (active at once) or by rotate() (pending for
// `activation_delay`, published but not yet signing, so that relying parties that cache the JWKS
// see it before the first token signed with it); active (the newest key whose activation time has
// passed signs); retired when its successor activates, still published for `overlap` so tokens it
// signed keep verifying; then expired: no longer published and dropped from the file at the next
// write. States are derived from the stored times and the injected clock, never stored.
//
// The file is JSON: metadata (kid = RFC 7638 thumbprint, purpose, alg, created, activates) and the
// wrapped PKCS#8 key, base64url. The associated data of each wrap binds it to all of that metadata,
// so an entry edited or moved in the file fails to unwrap. Writes are atomic (temp file + rename,
// mode 0600) under an flock on "<file>.lock", so `parley keys rotate` and a running server never
// lose each other's keys; a running store sees another process's rotation after reload().
//
// Thread-safety: all member functions may be called from any thread.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/key.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

/// The seam to the root key: authenticated wrapping of small secrets with associated data.
/// unwrap() must fail (any error) when the bytes or the associated data differ from what wrap()
/// was given, or when the root key is not the one that wrapped them. Implementations must be
/// safe to call from any thread; the store wipes the unwrapped bytes after use.
class key_wrapper {
 public:
  virtual ~key_wrapper() = default;
  [[nodiscard]] virtual result<std::vector<std::uint8_t>> wrap(std::span<const std::uint8_t> plaintext,
                                                               std::string_view associated_data) = 0;
  [[nodiscard]] virtual result<std::vector<std::uint8_t>> unwrap(std::span<const std::uint8_t> wrapped,
                                                                 std::string_view associated_data) = 0;
};

/// A key series the caller needs, e.g. {"directline", algorithm::es256}.
struct key_purpose {
  std::string name;  ///< 1..64 characters of [a-z0-9_-]
  algorithm alg;
};

enum class key_state { pending, active, retired, expired };
[[nodiscard]] std::string_view to_string(key_state s) noexcept;

/// What `parley keys list` shows: never key material.
struct key_info {
  std::string kid;
  std::string purpose;
  algorithm alg;
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point activates;
  std::optional<std::chrono::system_clock::time_point> retired;  ///< when its successor activated
  key_state state;
};

struct key_store_options {
  std::filesystem::path file;  ///< the key file (its directory is created 0700 if missing)
  /// How long a retired key stays published: at least the longest lifetime of a token it signed
  /// plus the longest time a relying party caches the JWKS.
  std::chrono::seconds overlap{std::chrono::hours{25}};
  /// How long a rotated-in key is published before it signs (0: at once).
  std::chrono::seconds activation_delay{0};
  unsigned rsa_bits = 2048;  ///< for RS256 purposes
};

class signing_key_store {
 public:
  /// Opens (or creates) the key file and makes sure each of `purposes` has a key of its
  /// algorithm, generating one (active at once) if it has none, or rotating if its newest key has
  /// another algorithm. Every stored key that is not expired is unwrapped now, so a wrong root key
  /// fails here. `wrapper` and `clock` must outlive the store.
  /// Errors: errc::key_file_io, errc::key_file_corrupt, errc::unwrap_failed, errc::crypto_failure.
  [[nodiscard]] static result<std::unique_ptr<signing_key_store>> open(key_store_options opts,
                                                                      std::vector<key_purpose> purposes,
                                                                      key_wrapper& wrapper, const core::clock& clock);

  /// The key metadata of a file, without unwrapping anything (so without the root key).
  [[nodiscard]] static result<std::vector<key_info>> list_file(const key_store_options& opts, const core::clock& clock);

  /// Root-key rotation: every key of `opts.file`, unwrapped with `from` and wrapped with `to`
  /// (same associated data), written to `out` (atomic, mode 0600); `opts.file` is left as it is,
  /// for the caller to replace once the rotation is committed. A missing file writes an empty set.
  /// Errors: errc::key_file_io, errc::key_file_corrupt, errc::unwrap_failed, errc::crypto_failure.
  [[nodiscard]] static error_code rewrap_file(const key_store_options& opts, key_wrapper& from, key_wrapper& to,
                                              const std::filesystem::path& out);

  /// The key that signs now for `purpose`. errc::unknown_purpose.
  [[nodiscard]] result<std::shared_ptr<const signing_key>> signer(std::string_view purpose) const;
  /// The public keys to publish and to verify with for `purpose`: pending, active and retired
  /// keys within the overlap. errc::unknown_purpose.
  [[nodiscard]] result<std::shared_ptr<const jwks>> public_keys(std::string_view purpose) const;
  /// Adds a new key for `purpose` (same algorithm as its newest key), active after
  /// activation_delay; the current one retires then. Re-reads the file first (under the lock), so a
  /// rotation made by another process is kept. Errors: unknown_purpose and those of open().
  [[nodiscard]] result<key_info> rotate(std::string_view purpose);
  /// Re-reads the file (e.g. after `parley keys rotate` in another process).
  [[nodiscard]] error_code reload();
  /// Every key, with its state now.
  [[nodiscard]] std::vector<key_info> list() const;

  struct entry;  // one stored key (defined in the .cpp)
  ~signing_key_store();

 private:
  signing_key_store(key_store_options opts, key_wrapper& wrapper, const core::clock& clock);
  struct view {
    std::shared_ptr<const signing_key> active;
    std::shared_ptr<const jwks> published;
    std::int64_t valid_until = 0;  // unix seconds of the next state change
  };
  error_code load_locked(const std::vector<key_purpose>& purposes);
  const view* view_locked(std::string_view purpose) const;

  key_store_options opts_;
  key_wrapper& wrapper_;
  const core::clock& clock_;
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
  mutable std::map<std::string, view, std::less<>> views_;
};

}  // namespace parley::jose
