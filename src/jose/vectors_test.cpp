// Published test vectors: RFC 7515 A.2 (RS256) and A.3 (ES256), RFC 8037 A (Ed25519), RFC 7638 §3.1.
#include "test_util.hpp"

#include <parley/jose/error.hpp>

namespace parley::jose {
namespace {

using test::b64d;

constexpr std::string_view rfc7515_payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view a3_x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view a3_y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr std::string_view a3_sig = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
constexpr std::string_view a2_n =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-"
    "pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2Cap"
    "Hg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4"
    "FRWyuXpoQ";
constexpr std::string_view a2_sig =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t"
    "1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12j"
    "zDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQ"
    "Ge77Rw";
constexpr std::string_view rfc8037_d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr std::string_view rfc8037_x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr std::string_view rfc8037_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr std::string_view rfc8037_sig =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// The RFC 7515 payload: iss "joe", exp 1300819380 (2011-03-22), no aud, no typ. A profile for it.
profile joe_profile(algorithm alg) {
  profile p;
  p.name = "rfc7515";
  p.issuers = {"joe"};
  p.audiences = {"unused"};
  p.algorithms = {alg};
  p.typ = "JWT";
  p.typ_optional = true;
  p.require_low_s = false;  // a published signature from another signer
  return p;
}

void set_unix(core::testing::fake_clock& c, std::int64_t unix) {
  c.set_now(std::chrono::system_clock::time_point{std::chrono::seconds{unix}});
}

TEST(Rfc7515, A3Es256VerifiesWithThePublishedKey) {
  auto key = detail::ec_p256_public(b64d(a3_x), b64d(a3_y));
  ASSERT_TRUE(key) << key.error().message();
  const std::string input = "eyJhbGciOiJFUzI1NiJ9." + std::string(rfc7515_payload);
  EXPECT_TRUE(key->impl()->verify(detail::as_bytes(input), b64d(a3_sig), false));
  auto tampered = input;
  tampered.back() ^= 1;
  EXPECT_FALSE(key->impl()->verify(detail::as_bytes(tampered), b64d(a3_sig), false));
}

TEST(Rfc7515, A3ThroughAProfileChecksSignatureAndTime) {
  auto key = detail::ec_p256_public(b64d(a3_x), b64d(a3_y));
  ASSERT_TRUE(key);
  const auto set = *jwks::make({jwk{*key, "a3", {}, std::nullopt}});
  const std::string token = "eyJhbGciOiJFUzI1NiJ9." + std::string(rfc7515_payload) + "." + std::string(a3_sig);
  // The payload has no aud: the profile refuses it after the signature and issuer passed.
  core::testing::fake_clock before_exp;
  set_unix(before_exp, 1300819380 - 600);
  EXPECT_EQ(token_validator(joe_profile(algorithm::es256), before_exp).validate(token, set).error(),
            errc::wrong_audience);
  core::testing::fake_clock after_exp;
  set_unix(after_exp, 1300819380 + 600);
  auto p = joe_profile(algorithm::es256);
  p.issuers = {"not-joe"};
  EXPECT_EQ(token_validator(p, after_exp).validate(token, set).error(), errc::wrong_issuer);
}

TEST(Rfc7515, A2Rs256VerifiesWithThePublishedKey) {
  auto key = detail::rsa_public(b64d(a2_n), b64d("AQAB"));
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->alg(), algorithm::rs256);
  EXPECT_EQ(key->bits(), 2048u);
  const std::string input = "eyJhbGciOiJSUzI1NiJ9." + std::string(rfc7515_payload);
  EXPECT_TRUE(key->impl()->verify(detail::as_bytes(input), b64d(a2_sig), false));
  auto sig = b64d(a2_sig);
  sig[100] ^= 0x10;
  EXPECT_FALSE(key->impl()->verify(detail::as_bytes(input), sig, false));
}

TEST(Rfc8037, Ed25519SignsExactlyThePublishedSignature) {
  auto key = detail::ed25519_private(b64d(rfc8037_d));
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->alg(), algorithm::eddsa);
  EXPECT_EQ(key->public_part().impl()->members().x, rfc8037_x);
  auto sig = key->impl()->sign(detail::as_bytes(rfc8037_input));
  ASSERT_TRUE(sig);
  EXPECT_EQ(core::base64url_encode(*sig), rfc8037_sig);
}

TEST(Rfc8037, Ed25519VerifiesThePublishedSignatureWithThePublicKey) {
  auto pub = parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + std::string(rfc8037_x) + R"("})");
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_TRUE(pub->key.impl()->verify(detail::as_bytes(rfc8037_input), b64d(rfc8037_sig), true));
  auto sig = b64d(rfc8037_sig);
  sig[0] ^= 1;
  EXPECT_FALSE(pub->key.impl()->verify(detail::as_bytes(rfc8037_input), sig, true));
}

TEST(Rfc8037, A3ThumbprintOfTheEd25519Key) {
  auto pub = parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + std::string(rfc8037_x) + R"("})");
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->key.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(Rfc7638, Section31Thumbprint) {
  const std::string jwk_json =
      R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})";
  auto k = parse_jwk(jwk_json);
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(k->key.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(k->kid, "2011-04-29");
}

}  // namespace
}  // namespace parley::jose
