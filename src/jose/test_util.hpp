// Private helpers for jose's unit tests.
#pragma once

#include "key_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/token.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::jose::test {

inline std::vector<std::uint8_t> b64d(std::string_view s) {
  auto r = core::base64url_decode(s);
  EXPECT_TRUE(r) << "bad base64url in test data: " << s;
  return r ? *r : std::vector<std::uint8_t>{};
}

inline std::string b64(std::string_view s) { return core::base64url_encode(s); }

inline jwks set_of(const signing_key& k) {
  return *jwks::make({jwk{k.public_part(), k.kid(), {}, std::nullopt}});
}

/// A Direct Line-like profile around the fake clock's "now".
inline profile dl_profile(std::vector<algorithm> algs = {algorithm::es256, algorithm::eddsa, algorithm::rs256}) {
  profile p;
  p.name = "test";
  p.issuers = {"https://channel.test"};
  p.audiences = {"https://channel.test/directline"};
  p.algorithms = std::move(algs);
  p.typ = "dl+jwt";
  p.clock_skew = std::chrono::seconds{30};
  p.max_lifetime = std::chrono::hours{1};
  return p;
}

/// Claims valid for `p` at clock time.
inline claims good_claims(const core::clock& clock) {
  claims c;
  c.set("iss", "https://channel.test");
  c.set("aud", "https://channel.test/directline");
  c.set("conv", "c-1");
  c.set_time("iat", clock.now());
  c.set_time("nbf", clock.now());
  c.set_time("exp", clock.now() + std::chrono::minutes{30});
  return c;
}

/// Signs arbitrary header and payload JSON texts with `key` (the raw JWS signature).
inline std::string raw_token(std::string_view header_json, std::string_view payload_json, const signing_key& key) {
  std::string input = b64(header_json) + "." + b64(payload_json);
  auto sig = key.impl()->sign(detail::as_bytes(input));
  EXPECT_TRUE(sig);
  return input + "." + core::base64url_encode(*sig);
}

}  // namespace parley::jose::test
