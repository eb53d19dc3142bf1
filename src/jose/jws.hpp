// Private: strict compact JWS parsing (RFC 7515 §7.1) for the token validator and the fuzzer.
// Nothing here checks a signature; that is the validator's job, with a profile.
#pragma once

#include <parley/core/error.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose::detail {

inline constexpr std::size_t max_header_bytes = 2048;  // decoded protected header

/// A compact JWS split and checked, before any signature check. Views point into the token.
struct parsed_jws {
  std::string_view signing_input;  ///< "header.payload", the bytes the signature covers
  std::string alg;                 ///< header `alg` as sent (compared case-sensitively later)
  std::optional<std::string> kid;  ///< header `kid`, already checked by valid_kid()
  std::optional<std::string> typ;  ///< header `typ`
  boost::json::object header;      ///< the whole protected header (DPoP reads its `jwk`)
  std::string payload;             ///< decoded payload bytes (JSON parsed only after the signature)
  std::vector<std::uint8_t> signature;
};

/// Checks, in order: size; alphabet [A-Za-z0-9_-.] and exactly three non-empty parts; canonical
/// unpadded base64url in each; header a JSON object without duplicate members, with a string
/// `alg`, a valid `kid` and a string `typ` if present, and without `crit`, `cty` or `b64`
/// (extensions Parley does not implement, so it must refuse them).
/// Errors: errc::too_large, errc::malformed, errc::unsupported.
[[nodiscard]] result<parsed_jws> parse_compact(std::string_view token, std::size_t max_token_bytes);

/// The payload as a JSON object (strict: duplicates refused). errc::malformed.
[[nodiscard]] result<boost::json::object> parse_payload(std::string_view payload);

}  // namespace parley::jose::detail
