#include "test_util.hpp"

#include <parley/core/json.hpp>
#include <parley/jose/error.hpp>

namespace parley::jose {
namespace {

const std::string ec_x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const std::string ec_y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const std::string ec_jwk = R"({"kty":"EC","crv":"P-256","x":")" + ec_x + R"(","y":")" + ec_y + R"("})";

TEST(Jwk, PublishesPublicMembersOnlyWithKidUseAlgAndEndorsements) {
  for (auto alg : {algorithm::es256, algorithm::eddsa, algorithm::rs256}) {
    auto k = signing_key::generate(alg);
    ASSERT_TRUE(k);
    jwk pub{k->public_part(), k->kid(), {"directline", "webchat"}, std::nullopt};
    auto o = core::parse_json_object(to_json(pub));
    ASSERT_TRUE(o);
    EXPECT_EQ(core::get_string(*o, "kid"), k->kid());
    EXPECT_EQ(core::get_string(*o, "use"), "sig");
    EXPECT_EQ(core::get_string(*o, "alg"), to_string(alg));
    EXPECT_EQ(core::get_array(*o, "endorsements")->size(), 2u);
    for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "k"}) EXPECT_FALSE(o->contains(priv)) << priv;
    if (alg == algorithm::rs256) {
      EXPECT_EQ(core::get_string(*o, "e"), "AQAB");
      EXPECT_TRUE(o->contains("n"));  // botbuilder builds its PEM from n and e
    }
    // Round trip: the published JWK parses back to the same key (same thumbprint).
    auto back = parse_jwk(to_json(pub));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->key.thumbprint(), k->kid());
    EXPECT_EQ(back->endorsements, pub.endorsements);
  }
}

TEST(Jwk, DefaultKidIsTheThumbprint) {
  auto k = parse_jwk(ec_jwk);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kid, k->key.thumbprint());
  EXPECT_EQ(k->kid.size(), 43u);
}

TEST(Jwk, RefusesPrivateMembers) {
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    std::string j = ec_jwk;
    j.insert(j.size() - 1, std::string(R"(,")") + m + R"(":"AAAA")");
    EXPECT_EQ(parse_jwk(j).error(), errc::bad_key) << m;
    EXPECT_EQ(parse_jwks(R"({"keys":[)" + j + "]}").error(), errc::bad_key) << m;
  }
  // One private key anywhere refuses the whole set.
  auto good = to_json(jwk{signing_key::generate(algorithm::eddsa)->public_part(), "a", {}, std::nullopt});
  std::string priv = ec_jwk;
  priv.insert(priv.size() - 1, R"(,"d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI")");
  EXPECT_EQ(parse_jwks(R"({"keys":[)" + good + "," + priv + "]}").error(), errc::bad_key);
}

TEST(Jwk, RefusesUnknownKtyBadCurvesAndBadPoints) {
  EXPECT_EQ(parse_jwk(R"({"kty":"oct","k":"AAAA"})").error(), errc::bad_key);  // k is a private member
  EXPECT_EQ(parse_jwk(R"({"kty":"oct"})").error(), errc::unsupported);
  EXPECT_EQ(parse_jwk(R"({"kty":"XYZ","x":"AA"})").error(), errc::unsupported);
  EXPECT_EQ(parse_jwk(R"({"x":"AA"})").error(), errc::malformed);
  EXPECT_EQ(parse_jwks(R"({"keys":[{"kty":"oct"}]})").error(), errc::unsupported);
  std::string p384 = ec_jwk;
  p384.replace(p384.find("P-256"), 5, "P-384");
  EXPECT_EQ(parse_jwk(p384).error(), errc::bad_key);
  EXPECT_EQ(parse_jwk(R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})").error(),
            errc::bad_key);
  EXPECT_EQ(parse_jwk(R"({"kty":"OKP","crv":"Ed448","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})").error(),
            errc::bad_key);
  // A point not on the curve (y changed) and a short coordinate.
  std::string off_curve = ec_jwk;
  std::string y2 = ec_y;
  y2[10] = y2[10] == 'A' ? 'B' : 'A';
  off_curve.replace(off_curve.find(ec_y), ec_y.size(), y2);
  EXPECT_EQ(parse_jwk(off_curve).error(), errc::bad_key);
  EXPECT_EQ(parse_jwk(R"({"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"})").error(), errc::bad_key);
  EXPECT_EQ(parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})").error(), errc::bad_key);
  // Non-canonical base64url in a member.
  EXPECT_EQ(parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp"})").error(),
            errc::malformed);
}

TEST(Jwk, RsaModulusMustBeMinimalAndLargeEnough) {
  auto k = signing_key::generate(algorithm::rs256);
  const auto& m = k->public_part().impl()->members();
  auto n = test::b64d(m.n);
  auto with_zero = n;
  with_zero.insert(with_zero.begin(), 0);
  EXPECT_EQ(parse_jwk(R"({"kty":"RSA","e":"AQAB","n":")" + core::base64url_encode(with_zero) + "\"}").error(),
            errc::bad_key);
  EXPECT_EQ(parse_jwk(R"({"kty":"RSA","e":"AAEAAQ","n":")" + m.n + "\"}").error(), errc::bad_key);  // e with a zero byte
  EXPECT_EQ(parse_jwk(R"({"kty":"RSA","e":"AQAA","n":")" + m.n + "\"}").error(), errc::bad_key);    // even e
  EXPECT_TRUE(parse_jwk(R"({"kty":"RSA","e":"AQAB","n":")" + m.n + "\"}"));
}

TEST(Jwk, SkipsKeysForOtherUsesAndAlgorithmsButKeepsTheRest) {
  auto ed = signing_key::generate(algorithm::eddsa);
  const auto sig = to_json(jwk{ed->public_part(), "sig-key", {}, std::nullopt});
  std::string enc = ec_jwk;
  enc.insert(enc.size() - 1, R"(,"use":"enc","kid":"enc-key")");
  std::string ps256 = ec_jwk;
  ps256.insert(ps256.size() - 1, R"(,"alg":"ES384","kid":"other-alg")");
  std::string ops = ec_jwk;
  ops.insert(ops.size() - 1, R"(,"key_ops":["encrypt"],"kid":"ops")");
  auto set = parse_jwks(R"({"keys":[)" + enc + "," + sig + "," + ps256 + "," + ops + "]}");
  ASSERT_TRUE(set) << set.error().message();
  ASSERT_EQ(set->keys().size(), 1u);
  EXPECT_NE(set->find("sig-key"), nullptr);
  EXPECT_EQ(set->find("enc-key"), nullptr);
  // Entra-style extra members are accepted; `issuer` is kept.
  auto entra = parse_jwks(R"({"keys":[{"kty":"RSA","use":"sig","kid":"k1","x5t":"abc","n":")" +
                          signing_key::generate(algorithm::rs256)->public_part().impl()->members().n +
                          R"(","e":"AQAB","x5c":["MIIC"],"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0"}]})");
  ASSERT_TRUE(entra) << entra.error().message();
  EXPECT_EQ(entra->keys()[0].issuer, "https://login.microsoftonline.com/{tenantid}/v2.0");
}

TEST(Jwk, SetsRefuseDuplicateKidsBadShapesAndSizes) {
  auto ed = signing_key::generate(algorithm::eddsa);
  const auto a = to_json(jwk{ed->public_part(), "same", {}, std::nullopt});
  EXPECT_EQ(parse_jwks(R"({"keys":[)" + a + "," + a + "]}").error(), errc::malformed);
  EXPECT_EQ(parse_jwks(R"({"keys":{}})").error(), errc::malformed);
  EXPECT_EQ(parse_jwks(R"([])").error(), errc::malformed);
  EXPECT_EQ(parse_jwks(R"({"keys":[1]})").error(), errc::malformed);
  EXPECT_EQ(parse_jwks(R"({"keys":[],"keys":[]})").error(), errc::malformed);
  EXPECT_EQ(parse_jwks(std::string(70000, ' ')).error(), errc::too_large);
  std::string many = R"({"keys":[)";
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + to_json(jwk{ed->public_part(), "k" + std::to_string(i), {}, std::nullopt});
  EXPECT_EQ(parse_jwks(many + "]}").error(), errc::too_large);
  EXPECT_TRUE(parse_jwks(R"({"keys":[]})"));
  EXPECT_EQ(parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","endorsements":"x"})").error(),
            errc::malformed);
}

TEST(Jwk, PublishedSetRoundTrips) {
  auto es = signing_key::generate(algorithm::es256);
  auto rs = signing_key::generate(algorithm::rs256);
  auto set = jwks::make({jwk{es->public_part(), es->kid(), {}, std::nullopt},
                         jwk{rs->public_part(), "connector-1", {"directline"}, std::nullopt}});
  ASSERT_TRUE(set);
  auto back = parse_jwks(to_json(*set));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->keys().size(), 2u);
  EXPECT_EQ(back->find("connector-1")->endorsements, std::vector<std::string>{"directline"});
  EXPECT_EQ(back->find(es->kid())->key.alg(), algorithm::es256);
  EXPECT_EQ(jwks::make({jwk{es->public_part(), "x", {}, std::nullopt}, jwk{rs->public_part(), "x", {}, std::nullopt}}).error(),
            errc::malformed);
}

TEST(SigningKey, Pkcs8RoundTripKeepsTheKeyAndChecksTheAlgorithm) {
  for (auto alg : {algorithm::es256, algorithm::eddsa, algorithm::rs256}) {
    auto k = signing_key::generate(alg);
    auto der = k->to_pkcs8();
    ASSERT_TRUE(der);
    auto back = signing_key::from_pkcs8(der->bytes(), alg);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->kid(), k->kid());
    const auto other = alg == algorithm::es256 ? algorithm::eddsa : algorithm::es256;
    EXPECT_EQ(signing_key::from_pkcs8(der->bytes(), other).error(), errc::bad_key);
    auto truncated = std::vector<std::uint8_t>(der->bytes().begin(), der->bytes().end() - 1);
    EXPECT_EQ(signing_key::from_pkcs8(truncated, alg).error(), errc::bad_key);
  }
  // A P-384 key is not an ES256 key.
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  EXPECT_EQ(detail::algorithm_of(p384).error(), errc::bad_key);
  EVP_PKEY_free(p384);
}

TEST(SigningKey, SecretBytesAreWipedOnMove) {
  secret_bytes a(std::vector<std::uint8_t>{1, 2, 3});
  secret_bytes b(std::move(a));
  EXPECT_TRUE(a.bytes().empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_EQ(b.bytes().size(), 3u);
}

}  // namespace
}  // namespace parley::jose
