// libFuzzer target "jws": the compact JWS parser and the whole token validator.
// Input byte 0 chooses the mode:
//   even: the rest is a token, validated against a fixed key set (exercises everything up to the
//         signature, which the fuzzer cannot forge);
//   odd:  the rest is "header-json \n payload-json", signed here with a fixed key and validated,
//         so that the header checks and the claim checks after the signature are reached too.
#include "../jws.hpp"

#include "../key_impl.hpp"
#include "fuzz_target.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/clock.hpp>
#include <parley/jose/token.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace jose = parley::jose;

namespace {

struct fixture {
  jose::signing_key es = *jose::signing_key::generate(jose::algorithm::es256);
  jose::signing_key ed = *jose::signing_key::generate(jose::algorithm::eddsa);
  jose::jwks keys = *jose::jwks::make(
      {jose::jwk{es.public_part(), "es", {}, std::nullopt}, jose::jwk{ed.public_part(), "ed", {}, std::nullopt}});
  jose::token_validator validator{[] {
                                    jose::profile p;
                                    p.name = "fuzz";
                                    p.issuers = {"iss"};
                                    p.audiences = {"aud"};
                                    p.algorithms = {jose::algorithm::es256, jose::algorithm::eddsa};
                                    p.typ = "dl+jwt";
                                    p.typ_optional = true;
                                    p.required_claims = {"conv"};
                                    return p;
                                  }(),
                                  parley::core::system_clock()};
};

}  // namespace

PARLEY_FUZZ_TARGET(jws, "the compact JWS parser and the token validator (unsigned and signed inputs)") {
  static fixture f;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    if (auto parsed = jose::detail::parse_compact(rest, 16 * 1024)) (void)jose::detail::parse_payload(parsed->payload);
    (void)f.validator.validate(rest, f.keys);
    return 0;
  }
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string input =
      parley::core::base64url_encode(rest.substr(0, nl)) + "." + parley::core::base64url_encode(rest.substr(nl + 1));
  const auto& key = (data[0] & 2) ? f.ed : f.es;
  auto sig = key.impl()->sign(jose::detail::as_bytes(input));
  if (!sig) parley::fuzz::violated("signing with our own key failed");
  input += "." + parley::core::base64url_encode(*sig);
  (void)f.validator.validate(input, f.keys);
  return 0;
}
