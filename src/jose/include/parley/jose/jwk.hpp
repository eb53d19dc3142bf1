// JSON Web Keys (RFC 7517) and key sets: publishing Parley's public keys and parsing other
// issuers' key sets, strictly.
//
// Parsing refuses, for the whole document: malformed JSON or duplicate members, private key
// members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) anywhere, unknown `kty`, a curve other
// than P-256 (EC) or Ed25519 (OKP), RSA moduli under 2048 bits, invalid EC points, non-minimal
// base64url, and two keys with one `kid`. Keys published for another use (`use` other than
// "sig", or `key_ops` without "verify") or for an algorithm Parley does not implement (e.g. an RSA
// key with `alg: "PS256"`) are skipped, not refused, so that a real IdP's mixed set still loads.
//
// Thread-safety: jwk and jwks are immutable values, safe to share (remote caches hand them out
// as shared_ptr<const jwks>).
#pragma once

#include <parley/core/error.hpp>
#include <parley/jose/key.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

/// One public key with its metadata.
struct jwk {
  public_key key;
  std::string kid;                        ///< printable ASCII, 1..256 characters
  std::vector<std::string> endorsements;  ///< Bot Connector channel ids (botbuilder reads them); empty: none
  std::optional<std::string> issuer;      ///< Entra ID publishes an `issuer` per key; kept for the caller
};

/// `kid` rule shared by key sets and token headers: 1..256 characters from 0x21..0x7e.
[[nodiscard]] bool valid_kid(std::string_view kid) noexcept;

/// An immutable set of public keys with distinct `kid`s.
class jwks {
 public:
  jwks() = default;
  /// errc::malformed if two keys share a kid or a kid is invalid.
  [[nodiscard]] static result<jwks> make(std::vector<jwk> keys);

  /// The key with this kid, or nullptr.
  [[nodiscard]] const jwk* find(std::string_view kid) const noexcept;
  [[nodiscard]] const std::vector<jwk>& keys() const noexcept { return keys_; }
  [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }

 private:
  std::vector<jwk> keys_;
};

struct jwk_limits {
  std::size_t max_bytes = 64 * 1024;  ///< whole document
  std::size_t max_keys = 64;          ///< keys in a set
};

/// One public JWK. Errors: errc::malformed, errc::too_large, errc::bad_key, errc::unsupported
/// (unknown kty, or an alg/use Parley does not verify with).
[[nodiscard]] result<jwk> parse_jwk(std::string_view json, const jwk_limits& limits = {});
/// A JWK Set {"keys":[...]}. Errors as above plus duplicate kids (errc::malformed).
[[nodiscard]] result<jwks> parse_jwks(std::string_view json, const jwk_limits& limits = {});

/// The public JWK: kty, crv/x/y or n/e, kid, use "sig", alg, and endorsements/issuer when set.
/// Never private members.
[[nodiscard]] std::string to_json(const jwk& key);
/// {"keys":[...]} in the set's order.
[[nodiscard]] std::string to_json(const jwks& set);

}  // namespace parley::jose
