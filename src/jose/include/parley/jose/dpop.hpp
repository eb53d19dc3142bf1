// DPoP proofs (RFC 9449): the only way Parley checks that a caller holds the private key a
// sender-constrained token is bound to.
//
// dpop_verifier::verify() performs the checks of RFC 9449 §4.3 that need no server state, in
// order: size and compact form; header `typ` "dpop+jwt", `alg` in the allowlist (ES256 by
// default), `jwk` a public P-256 key without private members; the signature with that key; then
// the claims: `jti` (16..128 printable characters), `htm` equal to the request's method, `htu`
// equal to the request's URI (scheme and host compared case-insensitively, default ports and the
// claim's query and fragment ignored), `iat` within [now - max_age, now + max_future], and `ath`
// = base64url(SHA-256(access token)) when the request carries a token (absent otherwise). It
// returns the key's RFC 7638 thumbprint (`jkt`, what a bound token's `cnf.jkt` names), `jti` and
// the `nonce` claim. The caller keeps the state: the nonce it issued, the token's `cnf.jkt`, and
// the replay check (dpop_replay_cache).
//
// dpop_replay_cache remembers (jkt, jti) pairs for the acceptance window, so that a proof is
// accepted once. It is bounded twice: each key may record at most `max_per_key` proofs per
// window (a client flooding with its own key is refused alone), and the whole cache at most
// `max_entries` (sharded by key: a shard that is full refuses only the keys that hash to it).
//
// Errors: errc::too_large, malformed, unsupported, wrong_type, alg_not_allowed, bad_key,
// bad_signature, missing_claim, expired (iat too old), not_yet_valid (iat in the future),
// proof_mismatch (htm, htu or ath), replayed, over_quota.
// Thread-safety: both classes may be used from any number of threads.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/jose/claims.hpp>
#include <parley/jose/key.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

/// The request a proof is presented with.
struct dpop_request {
  std::string_view method;        ///< "GET", "POST" (compared exactly with `htm`)
  std::string_view url;           ///< the target URI as the server knows it, without query: "https://host/path"
  std::string_view access_token;  ///< the token presented with the proof (`ath` required); empty: none
};

struct dpop_options {
  std::vector<algorithm> algorithms = {algorithm::es256};  ///< what the proof's `alg` may be
  std::chrono::seconds max_age{60};    ///< `iat` no older than this
  std::chrono::seconds max_future{5};  ///< `iat` no further ahead than this (clock differences)
  std::size_t max_proof_bytes = 4096;
  std::size_t key_cache_entries = 4096;  ///< parsed proof keys kept (a client signs every proof with one key)
};

/// What a valid proof says.
struct dpop_proof {
  std::string jkt;  ///< RFC 7638 thumbprint of the proof's key (base64url SHA-256)
  std::string jti;
  std::chrono::system_clock::time_point iat;
  std::optional<std::string> nonce;  ///< the `nonce` claim, when present (the caller checks it)
};

class dpop_verifier {
 public:
  /// `clock` must outlive the verifier.
  dpop_verifier(dpop_options options, const core::clock& clock);
  ~dpop_verifier();
  dpop_verifier(const dpop_verifier&) = delete;
  dpop_verifier& operator=(const dpop_verifier&) = delete;

  [[nodiscard]] result<dpop_proof> verify(std::string_view proof, const dpop_request& request) const;
  [[nodiscard]] const dpop_options& options() const noexcept { return options_; }

  struct key_cache;

 private:
  dpop_options options_;
  const core::clock& clock_;
  std::unique_ptr<key_cache> keys_;
};

/// A proof signed with `key` (ES256): header {typ "dpop+jwt", alg, jwk: the key's public
/// members}, payload `c` (jti, htm, htu, iat, ath, nonce as the caller sets them). For clients
/// written in C++ (tests, benchmarks, load generators); the widget makes its own with WebCrypto.
/// errc::crypto_failure.
[[nodiscard]] result<std::string> make_dpop_proof(const signing_key& key, const claims& c);

/// base64url(SHA-256(token)): the `ath` of a proof presented with `token`.
[[nodiscard]] std::string dpop_ath(std::string_view token);

/// A valid `jkt` value: 43 base64url characters (a SHA-256 thumbprint).
[[nodiscard]] bool valid_jkt(std::string_view jkt) noexcept;

/// htu as compared: scheme and host lower-cased, default port (80/443, ws 80/wss 443) dropped,
/// query and fragment removed. nullopt when `url` is not an absolute http(s)/ws(s) URL.
[[nodiscard]] std::optional<std::string> normalise_htu(std::string_view url);

struct dpop_replay_options {
  /// How long a proof is remembered: at least max_age + max_future of the verifier.
  std::chrono::seconds window{70};
  std::size_t max_entries = 1'000'000;  ///< over all keys, per window
  std::size_t max_per_key = 2'000;      ///< per key, per window (a widget sends a few per minute)
};

class dpop_replay_cache {
 public:
  explicit dpop_replay_cache(dpop_replay_options options = {});
  ~dpop_replay_cache();
  dpop_replay_cache(const dpop_replay_cache&) = delete;
  dpop_replay_cache& operator=(const dpop_replay_cache&) = delete;

  /// Records the proof (jkt, jti) seen at `now`. OK the first time; errc::replayed when it was
  /// recorded within the window; errc::over_quota when its key's quota or its shard is full.
  [[nodiscard]] result<void> record(std::string_view jkt, std::string_view jti, std::chrono::steady_clock::time_point now);
  /// Proofs remembered now (for tests and metrics).
  [[nodiscard]] std::size_t size() const;

  struct shard;

 private:
  dpop_replay_options options_;
  std::array<std::unique_ptr<shard>, 16> shards_;
};

}  // namespace parley::jose
