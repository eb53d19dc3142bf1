#include "test_util.hpp"

#include <parley/core/json.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/jose/error.hpp>

#include <boost/json/serialize.hpp>

namespace parley::jose {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr std::string_view url = "https://chat.bank.example/v3/directline/conversations/c1/activities";
constexpr std::string_view token = "eyJhbGciOiJFUzI1NiJ9.eyJjb252IjoiYzEifQ.c2ln";

class Dpop : public ::testing::Test {
 protected:
  claims proof_claims(std::string_view jti = "proof-0123456789abcdef") const {
    claims c;
    c.set("jti", jti);
    c.set("htm", "POST");
    c.set("htu", url);
    c.set_time("iat", clock_.now());
    c.set("ath", dpop_ath(token));
    return c;
  }
  std::string proof(const claims& c) const { return *make_dpop_proof(key_, c); }
  result<dpop_proof> verify(std::string_view p, std::string_view method = "POST", std::string_view u = url,
                            std::string_view t = token) const {
    return verifier_.verify(p, {method, u, t});
  }
  // A proof with a hand-made header (attacks on the header), signed with key_.
  std::string with_header(const json::object& header, const claims& c) const {
    return test::raw_token(json::serialize(header), c.to_json(), key_);
  }
  json::object public_jwk() const {
    const auto& m = key_.public_part().impl()->members();
    return {{"kty", m.kty}, {"crv", m.crv}, {"x", m.x}, {"y", m.y}};
  }

  core::testing::fake_clock clock_;
  signing_key key_ = *signing_key::generate(algorithm::es256);
  dpop_verifier verifier_{{}, clock_};
};

TEST_F(Dpop, AValidProofGivesTheKeyThumbprintAndJti) {
  auto r = verify(proof(proof_claims()));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->jkt, key_.kid());  // Parley's kid is the RFC 7638 thumbprint
  EXPECT_TRUE(valid_jkt(r->jkt));
  EXPECT_EQ(r->jti, "proof-0123456789abcdef");
  EXPECT_FALSE(r->nonce);
  // Twice: the second time the key comes from the cache, with the same result.
  auto again = verify(proof(proof_claims("proof-second-0123456789")));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->jkt, r->jkt);
}

TEST_F(Dpop, TheProofMustBeForThisMethodUrlAndToken) {
  const auto p = proof(proof_claims());
  EXPECT_EQ(verify(p, "GET").error(), errc::proof_mismatch);
  EXPECT_EQ(verify(p, "POST", "https://chat.bank.example/v3/directline/conversations/c2/activities").error(),
            errc::proof_mismatch);
  EXPECT_EQ(verify(p, "POST", "https://evil.example/v3/directline/conversations/c1/activities").error(),
            errc::proof_mismatch);
  EXPECT_EQ(verify(p, "POST", url, "another.token.value").error(), errc::proof_mismatch);
  // Scheme and host case, the default port and a query in the claim do not matter (RFC 9449 §4.3).
  auto c = proof_claims();
  c.set("htu", "HTTPS://Chat.Bank.Example:443/v3/directline/conversations/c1/activities?x=1#f");
  EXPECT_TRUE(verify(proof(c)));
  // The path does.
  c.set("htu", "https://chat.bank.example/v3/directline/conversations/C1/activities");
  EXPECT_EQ(verify(proof(c)).error(), errc::proof_mismatch);
}

TEST_F(Dpop, AthIsRequiredWithATokenAndOtherwiseIgnored) {
  auto c = proof_claims();
  c.erase("ath");
  EXPECT_EQ(verify(proof(c)).error(), errc::missing_claim);
  EXPECT_TRUE(verify(proof(c), "POST", url, ""));  // GetNewToken: no token yet
}

TEST_F(Dpop, ClockSkewBounds) {
  auto c = proof_claims();
  c.set_time("iat", clock_.now() - 60s);
  EXPECT_TRUE(verify(proof(c)));  // at the edge of max_age
  c.set_time("iat", clock_.now() - 61s);
  EXPECT_EQ(verify(proof(c)).error(), errc::expired);
  c.set_time("iat", clock_.now() + 5s);
  EXPECT_TRUE(verify(proof(c)));  // a client clock slightly ahead
  c.set_time("iat", clock_.now() + 6s);
  EXPECT_EQ(verify(proof(c)).error(), errc::not_yet_valid);
  c.set("iat", std::int64_t{1} << 62);  // absurd values are bounded, not overflowed
  EXPECT_EQ(verify(proof(c)).error(), errc::not_yet_valid);
  c.set("iat", -(std::int64_t{1} << 62));
  EXPECT_EQ(verify(proof(c)).error(), errc::expired);
  c.set("iat", "1700000000");
  EXPECT_EQ(verify(proof(c)).error(), errc::malformed);
}

TEST_F(Dpop, RequiredClaimsAndShapes) {
  for (const auto* name : {"jti", "htm", "htu", "iat"}) {
    auto c = proof_claims();
    c.erase(name);
    EXPECT_EQ(verify(proof(c)).error(), errc::missing_claim) << name;
  }
  EXPECT_EQ(verify(proof(proof_claims("short"))).error(), errc::malformed);
  EXPECT_EQ(verify(proof(proof_claims(std::string(129, 'j')))).error(), errc::malformed);
  auto c = proof_claims();
  c.set("nonce", "n-1");
  auto r = verify(proof(c));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->nonce, "n-1");
  c.set("nonce", "");
  EXPECT_EQ(verify(proof(c)).error(), errc::malformed);
}

TEST_F(Dpop, HeaderAttacksAreRefused) {
  const auto c = proof_claims();
  // Wrong or missing typ (e.g. an access token replayed as a proof).
  EXPECT_EQ(verify(with_header({{"typ", "JWT"}, {"alg", "ES256"}, {"jwk", public_jwk()}}, c)).error(), errc::wrong_type);
  EXPECT_EQ(verify(with_header({{"alg", "ES256"}, {"jwk", public_jwk()}}, c)).error(), errc::wrong_type);
  // No key in the header, or a private one, or another curve or type.
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "ES256"}}, c)).error(), errc::missing_claim);
  auto with_d = public_jwk();
  with_d["d"] = "AAAA";
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", with_d}}, c)).error(), errc::bad_key);
  auto p384 = public_jwk();
  p384["crv"] = "P-384";
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", p384}}, c)).error(), errc::bad_key);
  // alg none / HMAC cannot even be named; crit is refused.
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "none"}, {"jwk", public_jwk()}}, c)).error(),
            errc::alg_not_allowed);
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "HS256"}, {"jwk", public_jwk()}}, c)).error(),
            errc::alg_not_allowed);
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", public_jwk()}, {"crit", json::array{"x"}}}, c))
                .error(),
            errc::unsupported);
  // The header names one key but another signed: the signature fails.
  auto other = *signing_key::generate(algorithm::es256);
  const auto& m = other.public_part().impl()->members();
  json::object other_jwk{{"kty", m.kty}, {"crv", m.crv}, {"x", m.x}, {"y", m.y}};
  EXPECT_EQ(verify(with_header({{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", other_jwk}}, c)).error(),
            errc::bad_signature);
  // A tampered payload.
  auto p = proof(c);
  const auto dot = p.find('.');
  p[dot + 5] = p[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify(p));
}

TEST_F(Dpop, ASignatureInEitherSFormIsAcceptedOnce) {
  // WebCrypto emits high-s signatures half of the time; the replay cache is keyed by jti.
  int accepted = 0;
  for (int i = 0; i < 16; ++i) accepted += verify(proof(proof_claims("proof-" + std::to_string(i) + "-0123456789ab"))) ? 1 : 0;
  EXPECT_EQ(accepted, 16);
}

TEST(DpopHtu, Normalisation) {
  EXPECT_EQ(normalise_htu("https://a.example"), "https://a.example/");
  EXPECT_EQ(normalise_htu("WSS://A.Example:443/s?t=x"), "wss://a.example/s");
  EXPECT_EQ(normalise_htu("http://127.0.0.1:80/x"), "http://127.0.0.1/x");
  EXPECT_EQ(normalise_htu("http://127.0.0.1:8401/x"), "http://127.0.0.1:8401/x");
  EXPECT_EQ(normalise_htu("http://[::1]:80/x"), "http://[::1]/x");
  EXPECT_EQ(normalise_htu("http://[::1]/x"), "http://[::1]/x");
  EXPECT_FALSE(normalise_htu("ftp://a.example/"));
  EXPECT_FALSE(normalise_htu("https://user@a.example/"));
  EXPECT_FALSE(normalise_htu("/relative"));
}

TEST(DpopReplay, AProofIsAcceptedOnceWithinTheWindowAndForgottenAfter) {
  dpop_replay_cache cache({.window = 70s, .max_entries = 1000, .max_per_key = 100});
  core::testing::fake_clock clock;
  const std::string jkt(43, 'k');
  EXPECT_TRUE(cache.record(jkt, "jti-1", clock.steady_now()));
  EXPECT_EQ(cache.record(jkt, "jti-1", clock.steady_now()).error(), errc::replayed);
  EXPECT_TRUE(cache.record(std::string(43, 'm'), "jti-1", clock.steady_now()));  // another key's jti
  clock.advance(69s);
  EXPECT_EQ(cache.record(jkt, "jti-1", clock.steady_now()).error(), errc::replayed);
  clock.advance(2s);  // a new generation: the first is still remembered as the previous one
  EXPECT_EQ(cache.record(jkt, "jti-1", clock.steady_now()).error(), errc::replayed);
  clock.advance(141s);  // two whole windows later: forgotten (the verifier refuses such old proofs)
  EXPECT_TRUE(cache.record(jkt, "jti-1", clock.steady_now()));
}

TEST(DpopReplay, OneKeyFloodingIsRefusedAloneAndTheCacheStaysBounded) {
  dpop_replay_cache cache({.window = 70s, .max_entries = 16 * 50, .max_per_key = 20});
  core::testing::fake_clock clock;
  const std::string flooder(43, 'f');
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(cache.record(flooder, "jti-" + std::to_string(i), clock.steady_now()));
  EXPECT_EQ(cache.record(flooder, "jti-x", clock.steady_now()).error(), errc::over_quota);
  // Others are not affected.
  for (int k = 0; k < 40; ++k) {
    const std::string jkt = std::string(40, 'a') + std::to_string(100 + k);
    EXPECT_TRUE(cache.record(jkt, "jti-0", clock.steady_now())) << k;
  }
  // Many keys: each shard holds at most its share; a full shard refuses, nothing grows unbounded.
  std::size_t refused = 0;
  for (int k = 0; k < 5000; ++k) {
    if (!cache.record("key-" + std::to_string(k), "jti", clock.steady_now())) ++refused;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_LE(cache.size(), 16u * 50u);
  // The next window starts empty again for the flooder.
  clock.advance(71s);
  EXPECT_TRUE(cache.record(flooder, "jti-y", clock.steady_now()));
}

}  // namespace
}  // namespace parley::jose
