// libFuzzer target "jwk": the JWK and JWK Set parsers, and publishing what they accept (a key that
// parses must serialise and parse back to the same thumbprint).
#include "fuzz_target.hpp"

#include <parley/jose/jwk.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

PARLEY_FUZZ_TARGET(jwk, "JWK and JWK Set parsers, and their round trip") {
  namespace jose = parley::jose;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto k = jose::parse_jwk(text)) {
    auto back = jose::parse_jwk(jose::to_json(*k));
    if (!back || back->key.thumbprint() != k->key.thumbprint())
      parley::fuzz::violated("a parsed JWK changed once published");
  }
  if (auto set = jose::parse_jwks(text)) {
    auto back = jose::parse_jwks(jose::to_json(*set));
    if (!back || back->keys().size() != set->keys().size())
      parley::fuzz::violated("a parsed JWK Set changed once published");
  }
  return 0;
}
