// Token profiles: the only way to verify a JWT in Parley (SECURITY.md "Rules for code"). One
// profile per token kind names its issuers, audiences, algorithms, explicit `typ`, lifetime and
// clock skew, and the claims it needs; a token_validator applies it in the order of
// security-standards.md §2.9: size and compact form; header (`crit`/`cty` refused, `typ`); `alg`
// in the allowlist (exact, case-sensitive; `none` and HMAC cannot even be named); key by `kid`,
// whose algorithm must equal `alg`; signature; then `iss`, `aud`, `exp`/`nbf`/`iat`, lifetime and
// required claims. The payload is parsed as JSON only after the signature has been verified.
//
// The signing side is sign(): compact JWS with header {alg, kid, typ}.
//
// Thread-safety: token_validator is immutable after construction; validate() may be called from
// any number of threads. sign() is thread-safe.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/jose/claims.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/key.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

class remote_jwks_cache;

/// How `aud` may be written in the token.
enum class audience_form {
  string_or_array,  ///< RFC 7519: a string or an array of strings
  string_only,      ///< a single string (botbuilder refuses arrays for Bot Connector tokens)
};

/// The rules for one kind of token. Built in code by the component that owns the token kind (or
/// from its configuration); check_profile() says whether it is complete.
struct profile {
  std::string name;                      ///< for logs and errors ("directline", "connector-to-bot")
  std::vector<std::string> issuers;      ///< accepted `iss` values, exact match; at least one
  std::vector<std::string> audiences;    ///< `aud` must contain one of them; at least one
  audience_form aud_form = audience_form::string_or_array;
  std::vector<algorithm> algorithms;     ///< the allowlist; at least one
  /// Expected header `typ` ("dl+jwt", "JWT"). Compared case-insensitively with an "application/"
  /// prefix ignored (RFC 7515 §4.1.9). Required: every profile names its type.
  std::string typ;
  bool typ_optional = false;             ///< also accept a token without `typ` (some IdPs' ID tokens)
  std::chrono::seconds clock_skew{60};   ///< leeway applied to exp, nbf and iat
  /// Longest accepted lifetime: exp - (nbf, else iat) and exp - now must not exceed it (+ skew).
  std::chrono::seconds max_lifetime{std::chrono::hours{1}};
  bool require_iat = false;
  bool require_nbf = false;
  std::vector<std::string> required_claims;  ///< claims that must be present, e.g. "serviceurl", "conv"
  /// Refuse ES256 signatures with s > n/2. Parley signs only low-s, so its own tokens have exactly one
  /// valid encoding (single-use and cached tokens are keyed by their text); most other signers
  /// (WebCrypto, Node, IdPs) emit either form, so profiles for foreign issuers set this to false.
  bool require_low_s = true;
  std::size_t max_token_bytes = 16 * 1024;
};

/// errc::invalid_profile if a required field is empty or a duration negative.
[[nodiscard]] error_code check_profile(const profile& p);

/// A token that passed every check of a profile.
class validated_token {
 public:
  validated_token(algorithm alg, std::string kid, claims c) : alg_(alg), kid_(std::move(kid)), claims_(std::move(c)) {}
  [[nodiscard]] algorithm alg() const noexcept { return alg_; }
  /// The kid of the key that verified it (header kid, or the key's kid when the header had none).
  [[nodiscard]] const std::string& kid() const noexcept { return kid_; }
  [[nodiscard]] const jose::claims& claims() const noexcept { return claims_; }

 private:
  algorithm alg_;
  std::string kid_;
  jose::claims claims_;
};

class token_validator {
 public:
  /// `p` must pass check_profile() (a programmer error otherwise: PARLEY_CHECK). `clock` must
  /// outlive the validator.
  token_validator(profile p, const core::clock& clock);

  /// Validates against a local key set (Parley's own keys, or a snapshot).
  /// Errors: every jose errc of token validation (malformed, too_large, unsupported, wrong_type,
  /// alg_not_allowed, unknown_key, bad_signature, wrong_issuer, wrong_audience, expired,
  /// not_yet_valid, lifetime_too_long, missing_claim).
  [[nodiscard]] result<validated_token> validate(std::string_view token, const jwks& keys) const;

  /// Validates against a remote issuer's keys; an unknown `kid` triggers the cache's rate-limited
  /// refetch. The token is copied before the first suspension, so `token` need not outlive the call.
  [[nodiscard]] boost::asio::awaitable<result<validated_token>> validate(std::string_view token,
                                                                         remote_jwks_cache& keys) const;

  [[nodiscard]] const profile& get_profile() const noexcept { return profile_; }

 private:
  profile profile_;
  std::string typ_;  // normalised
  const core::clock& clock_;
};

/// Compact JWS of `c` signed with `key`, header {"alg","kid","typ"} (typ must not be empty).
/// errc::crypto_failure if OpenSSL fails.
[[nodiscard]] result<std::string> sign(const claims& c, const signing_key& key, std::string_view typ);

}  // namespace parley::jose
