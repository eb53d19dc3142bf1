#include "dpop_check.hpp"
#include "test_support.hpp"

#include <parley/channel/error.hpp>

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

using namespace std::chrono_literals;

net::request with_headers(std::vector<std::pair<std::string_view, std::string_view>> fields) {
  net::request r;
  for (const auto& [k, v] : fields) r.headers.add(k, v);
  return r;
}

TEST(DpopCheck, OneProofHeaderOrSubprotocol) {
  EXPECT_EQ(dpop_check::proof_header(with_headers({{"DPoP", " a.b.c "}})), "a.b.c");
  EXPECT_FALSE(dpop_check::proof_header(with_headers({})));
  EXPECT_FALSE(dpop_check::proof_header(with_headers({{"dpop", "a.b.c"}, {"DPoP", "d.e.f"}}))) << "RFC 9449: exactly one";
  EXPECT_EQ(dpop_check::proof_subprotocol(with_headers({{"Sec-WebSocket-Protocol", "parley-dpop, parley-dpop-proof.a.b.c"}})),
            "a.b.c");
  EXPECT_FALSE(dpop_check::proof_subprotocol(with_headers({{"Sec-WebSocket-Protocol", "parley-dpop-proof.a.b.c"}})))
      << "the proof alone, without the protocol the channel answers";
  EXPECT_FALSE(dpop_check::proof_subprotocol(
      with_headers({{"Sec-WebSocket-Protocol", "parley-dpop, parley-dpop-proof.a.b.c, parley-dpop-proof.d.e.f"}})));
  EXPECT_FALSE(dpop_check::proof_subprotocol(with_headers({{"Sec-WebSocket-Protocol", "chat"}})));
}

TEST(DpopCheck, NoncesLastTheirMinuteAndTheNextAndAreThisChannels) {
  testing::key_fixture fx;
  options o = testing::test_options();
  dpop_check a(o, fx.clock(), core::os_random());
  dpop_check b(o, fx.clock(), core::os_random());  // another channel: another key
  const auto n = a.nonce();
  EXPECT_TRUE(a.valid_nonce(n));
  EXPECT_FALSE(b.valid_nonce(n));
  EXPECT_FALSE(a.valid_nonce("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_FALSE(a.valid_nonce("not base64!"));
  fx.clock().advance(60s);
  EXPECT_TRUE(a.valid_nonce(n));
  EXPECT_NE(a.nonce(), n);
  fx.clock().advance(60s);
  EXPECT_FALSE(a.valid_nonce(n));
}

TEST(DpopCheck, AProofMustBeOfTheTokensKeyWithTheChannelsNonceAndUsedOnce) {
  testing::key_fixture fx;
  options o = testing::test_options();
  dpop_check check(o, fx.clock(), core::os_random());
  const auto key = *jose::signing_key::generate(jose::algorithm::es256);
  const auto other = *jose::signing_key::generate(jose::algorithm::es256);
  conversation_grant g;
  g.jkt = key.kid();
  const std::string url = "http://127.0.0.1:8401/v3/directline/conversations/c1/activities";
  const std::string token = "a.token.value";
  auto proof = [&](const jose::signing_key& k, std::string jti, bool with_nonce) {
    jose::claims c;
    c.set("jti", jti);
    c.set("htm", "GET");
    c.set("htu", url);
    c.set_time("iat", fx.clock().now());
    c.set("ath", jose::dpop_ath(token));
    if (with_nonce) c.set("nonce", check.nonce());
    return *jose::make_dpop_proof(k, c);
  };
  EXPECT_EQ(check.check("", "GET", url, token, g, true), errc::dpop_required);
  EXPECT_EQ(check.check(proof(other, "jti-other-0123456789", true), "GET", url, token, g, true), errc::invalid_dpop_proof);
  EXPECT_EQ(check.check(proof(key, "jti-no-nonce-01234567", false), "GET", url, token, g, true), errc::use_dpop_nonce);
  EXPECT_FALSE(check.check(proof(key, "jti-no-nonce-01234567", false), "GET", url, token, g, false))
      << "a tenant without nonces; and the refusal above did not use the jti up";
  const auto good = proof(key, "jti-good-0123456789ab", true);
  EXPECT_FALSE(check.check(good, "GET", url, token, g, true));
  EXPECT_EQ(check.check(good, "GET", url, token, g, true), errc::invalid_dpop_proof) << "replayed";
}

}  // namespace
}  // namespace parley::channel
