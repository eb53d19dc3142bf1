// Errors of the crypto component. Every failure of a crypto call is returned as one of these
// (never thrown); none of their messages ever contains key material or plaintext.
#pragma once

#include <parley/core/error.hpp>

namespace parley::crypto {

enum class errc {
  invalid_argument = 1,     ///< bad key id, key size, version or buffer size (a caller's mistake)
  authentication_failed,    ///< tag mismatch: tampered data, wrong key or wrong associated data
  malformed,                ///< not a well-formed sealed record, wrapped key or key file
  unsupported_format,       ///< a sealed record of a format version this build does not know
  key_mismatch,             ///< sealed under another key id/version than the key offered
  key_exhausted,            ///< the key reached its use limit (GCM random-nonce bound); rotate it
  key_destroyed,            ///< the key, or the erasure secret it depends on, no longer exists
  wrong_root_key,           ///< the root key does not match the stored key check value
  too_large,                ///< input over a size limit
  insecure_file,            ///< a key file readable, writable or executable by anyone but its owner
  already_exists,           ///< refusing to overwrite an existing key or file
  io_error,                 ///< a key file could not be read or written
  secure_memory_exhausted,  ///< the protected-memory arena is full
  internal,                 ///< OpenSSL failed where it cannot fail on valid input
};

const boost::system::error_category& crypto_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), crypto_category()};
}

}  // namespace parley::crypto

template <>
struct boost::system::is_error_code_enum<parley::crypto::errc> : std::true_type {};
