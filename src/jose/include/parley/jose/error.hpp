// Errors of the jose component: token validation, keys and key sets, the signing key store and the
// remote JWKS cache. Every failure is returned as one of these codes (never thrown); the messages
// name the failure, never the token, key or document that caused it.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace parley::jose {

enum class errc {
  malformed = 1,      ///< not a compact JWS / not a JWK(S): bad segments, base64url, JSON, member types
  too_large,          ///< token, header, payload or document over its size cap
  unsupported,        ///< a `crit` extension, `cty` (nested JWT), or an algorithm/key type Parley does not implement
  alg_not_allowed,    ///< `alg` not in the profile's allowlist, or not the algorithm of the key named by `kid`
  unknown_key,        ///< no key with that `kid` (after the rate-limited refetch for remote key sets)
  bad_signature,      ///< the signature does not verify (or is not in JWS form, e.g. DER for ES256)
  wrong_type,         ///< header `typ` is not the profile's
  wrong_issuer,       ///< `iss` missing or not one of the profile's issuers
  wrong_audience,     ///< `aud` missing, of the wrong form, or naming none of the profile's audiences
  expired,            ///< now >= `exp` + skew
  not_yet_valid,      ///< now + skew < `nbf`, or `iat` in the future
  lifetime_too_long,  ///< `exp` too far after `iat`/`nbf`/now for the profile
  missing_claim,      ///< `exp`, or a claim the profile requires, is absent
  bad_key,            ///< a key Parley refuses: RSA < 2048 bits, wrong curve, private members in a public set, invalid point
  invalid_profile,    ///< a profile without issuer, audience, algorithm or typ
  unknown_purpose,    ///< the key store has no key for that purpose
  key_file_corrupt,   ///< the signing key file is not what Parley wrote (syntax, fields, key mismatch)
  key_file_io,        ///< the signing key file could not be read or written
  unwrap_failed,      ///< a signing key could not be unwrapped (wrong root key, or tampered file)
  fetch_failed,       ///< a remote JWKS / OpenID metadata document could not be fetched or was refused
  crypto_failure,     ///< OpenSSL failed where it should not (allocation, key generation)
  proof_mismatch,     ///< a DPoP proof made for another request: `htm`, `htu` or `ath` differs
  replayed,           ///< a DPoP proof (its `jti`) already used within the acceptance window
  over_quota,         ///< the DPoP replay cache refuses more proofs of this key (or its shard is full)
};

const boost::system::error_category& jose_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), jose_category()}; }

}  // namespace parley::jose

template <>
struct boost::system::is_error_code_enum<parley::jose::errc> : std::true_type {};
