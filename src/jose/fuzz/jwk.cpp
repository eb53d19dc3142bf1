// libFuzzer target: the JWK and JWK Set parsers, and publishing what they accept (a key that
// parses must serialise and parse back to the same thumbprint).
#include <parley/jose/jwk.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace jose = parley::jose;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto k = jose::parse_jwk(text)) {
    auto back = jose::parse_jwk(jose::to_json(*k));
    if (!back || back->key.thumbprint() != k->key.thumbprint()) std::abort();
  }
  if (auto set = jose::parse_jwks(text)) {
    auto back = jose::parse_jwks(jose::to_json(*set));
    if (!back || back->keys().size() != set->keys().size()) std::abort();
  }
  return 0;
}
