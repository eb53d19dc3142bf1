// The negative suite: what an attacker would send to a JWT validator (RFC 8725 §2 and the
// classic library bugs). Every case names the specific error Parley must return.
#include "test_util.hpp"

#include <parley/jose/error.hpp>

#include <openssl/hmac.h>
#include <openssl/x509.h>

namespace parley::jose {
namespace {

using test::b64;

class Attack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    es_ = new signing_key(*signing_key::generate(algorithm::es256));
    ed_ = new signing_key(*signing_key::generate(algorithm::eddsa));
    rs_ = new signing_key(*signing_key::generate(algorithm::rs256));
  }
  static void TearDownTestSuite() {
    delete es_;
    delete ed_;
    delete rs_;
  }

  jwks all_keys() const {
    return *jwks::make({jwk{es_->public_part(), es_->kid(), {}, std::nullopt},
                        jwk{ed_->public_part(), ed_->kid(), {}, std::nullopt},
                        jwk{rs_->public_part(), rs_->kid(), {}, std::nullopt}});
  }
  error_code check(std::string_view token, const profile& p) const {
    auto r = token_validator(p, clock_).validate(token, all_keys());
    return r ? error_code{} : r.error();
  }
  error_code check(std::string_view token) const { return check(token, test::dl_profile()); }
  std::string header_for(const signing_key& k, std::string_view extra = "") const {
    return R"({"alg":")" + std::string(to_string(k.alg())) + R"(","kid":")" + k.kid() + R"(","typ":"dl+jwt")" +
           std::string(extra) + "}";
  }
  std::string good(const signing_key& k) const { return *sign(test::good_claims(clock_), k, "dl+jwt"); }

  static signing_key* es_;
  static signing_key* ed_;
  static signing_key* rs_;
  core::testing::fake_clock clock_;
};

signing_key* Attack::es_ = nullptr;
signing_key* Attack::ed_ = nullptr;
signing_key* Attack::rs_ = nullptr;

std::string replace_segment(std::string_view token, int index, std::string_view value) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = token.find('.', start);
    parts.emplace_back(token.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  parts[static_cast<std::size_t>(index)] = value;
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

std::string segment(std::string_view token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  const auto end = token.find('.', start);
  return std::string(token.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

TEST_F(Attack, GoodTokensPassForEveryAlgorithm) {
  for (const auto* k : {es_, ed_, rs_}) {
    auto r = token_validator(test::dl_profile(), clock_).validate(good(*k), all_keys());
    ASSERT_TRUE(r) << to_string(k->alg()) << ": " << r.error().message();
    EXPECT_EQ(r->kid(), k->kid());
    EXPECT_EQ(r->alg(), k->alg());
    EXPECT_EQ(r->claims().string("conv"), "c-1");
  }
}

TEST_F(Attack, AlgNoneInAnySpellingIsRefused) {
  const std::string payload = b64(test::good_claims(clock_).to_json());
  for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = b64(R"({"alg":")" + alg + R"(","typ":"dl+jwt"})");
    // An unsecured JWS has an empty signature: not even well-formed for Parley.
    EXPECT_EQ(check(header + "." + payload + "."), errc::malformed) << alg;
    // With some signature bytes the algorithm itself is refused.
    EXPECT_EQ(check(header + "." + payload + ".AAAA"), errc::alg_not_allowed) << alg;
  }
}

TEST_F(Attack, Hs256WithTheRsaPublicKeyAsSecretIsRefused) {
  // CVE-2015-9235: sign HS256 with the published RSA key (its JWK and its modulus) as the secret.
  const std::string input = b64(R"({"alg":"HS256","kid":")" + rs_->kid() + R"(","typ":"dl+jwt"})") + "." +
                            b64(test::good_claims(clock_).to_json());
  const std::string published = to_json(jwk{rs_->public_part(), rs_->kid(), {}, std::nullopt});
  for (const std::string& secret : {published, rs_->public_part().impl()->members().n}) {
    unsigned char mac[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    const std::string token = input + "." + core::base64url_encode(std::span<const std::uint8_t>(mac, len));
    EXPECT_EQ(check(token), errc::alg_not_allowed);
  }
}

TEST_F(Attack, AlgIsCaseSensitiveAndMustMatchTheKey) {
  const auto claims_json = test::good_claims(clock_).to_json();
  EXPECT_EQ(check(test::raw_token(R"({"alg":"es256","kid":")" + es_->kid() + R"(","typ":"dl+jwt"})", claims_json, *es_)),
            errc::alg_not_allowed);
  // Header says RS256 but the kid names the ES256 key (both algorithms allowed by the profile).
  EXPECT_EQ(check(test::raw_token(R"({"alg":"RS256","kid":")" + es_->kid() + R"(","typ":"dl+jwt"})", claims_json, *rs_)),
            errc::alg_not_allowed);
  // A profile that allows only EdDSA refuses a perfectly signed ES256 token.
  EXPECT_EQ(check(good(*es_), test::dl_profile({algorithm::eddsa})), errc::alg_not_allowed);
  EXPECT_EQ(check(test::raw_token(R"({"kid":")" + es_->kid() + R"(","typ":"dl+jwt"})", claims_json, *es_)),
            errc::malformed);
}

TEST_F(Attack, UnknownOrHostileKidIsRefused) {
  const auto c = test::good_claims(clock_).to_json();
  for (const std::string kid : {"nowhere", "../../etc/passwd", "'OR'1'='1'--", "%2e%2e%2f", "${jndi:ldap://x}"}) {
    EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","kid":")" + kid + R"(","typ":"dl+jwt"})", c, *es_)),
              errc::unknown_key)
        << kid;
  }
  for (const std::string& kid : std::vector<std::string>{"", "a b", "' OR 1=1 --", "tab\\there", "nul\\u0000", std::string(300, 'k')}) {
    EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","kid":")" + kid + R"(","typ":"dl+jwt"})", c, *es_)),
              errc::malformed)
        << kid;
  }
  EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","kid":7,"typ":"dl+jwt"})", c, *es_)), errc::malformed);
}

TEST_F(Attack, WrongOrMissingTypIsRefused) {
  const auto c = test::good_claims(clock_).to_json();
  const std::string kid = R"(,"kid":")" + es_->kid() + "\"";
  EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","typ":"JWT")" + kid + "}", c, *es_)), errc::wrong_type);
  EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","typ":"at+jwt")" + kid + "}", c, *es_)), errc::wrong_type);
  EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256")" + kid + "}", c, *es_)), errc::wrong_type);
  EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","typ":["dl+jwt"])" + kid + "}", c, *es_)), errc::malformed);
  // RFC 7515 §4.1.9: case-insensitive, "application/" optional.
  EXPECT_FALSE(check(test::raw_token(R"({"alg":"ES256","typ":"application/DL+JWT")" + kid + "}", c, *es_)));
}

TEST_F(Attack, TimeWindowIsEnforcedWithSkew) {
  using namespace std::chrono_literals;
  auto make = [&](auto edit) {
    auto c = test::good_claims(clock_);
    edit(c);
    return *sign(c, *es_, "dl+jwt");
  };
  const auto now = clock_.now();
  EXPECT_EQ(check(make([&](claims& c) { c.set_time("exp", now - 31s); })), errc::expired);
  EXPECT_FALSE(check(make([&](claims& c) { c.set_time("exp", now - 29s); })));  // within the 30 s skew
  EXPECT_EQ(check(make([&](claims& c) { c.erase("exp"); })), errc::missing_claim);
  EXPECT_EQ(check(make([&](claims& c) { c.set("exp", "tomorrow"); })), errc::malformed);
  EXPECT_EQ(check(make([&](claims& c) { c.set_time("nbf", now + 31s); })), errc::not_yet_valid);
  EXPECT_FALSE(check(make([&](claims& c) { c.set_time("nbf", now + 29s); })));
  EXPECT_EQ(check(make([&](claims& c) { c.set_time("iat", now + 5min); })), errc::not_yet_valid);
  EXPECT_EQ(check(make([&](claims& c) { c.set_time("exp", now + 2h); })), errc::lifetime_too_long);
  EXPECT_EQ(check(make([&](claims& c) {
              c.set_time("nbf", now - 50min);
              c.set_time("iat", now - 50min);
              c.set_time("exp", now + 15min);
            })),
            errc::lifetime_too_long);
  EXPECT_EQ(check(make([&](claims& c) { c.set("exp", std::int64_t{INT64_MAX}); })), errc::lifetime_too_long);
  EXPECT_EQ(check(make([&](claims& c) { c.set("nbf", std::int64_t{INT64_MIN}); })), errc::lifetime_too_long);
  // The same token passes now and is expired 31 minutes later.
  const auto t = good(*es_);
  EXPECT_FALSE(check(t));
  clock_.advance(31min);
  EXPECT_EQ(check(t), errc::expired);
}

TEST_F(Attack, WrongIssuerAndAudienceAreRefused) {
  auto make = [&](auto edit) {
    auto c = test::good_claims(clock_);
    edit(c);
    return *sign(c, *es_, "dl+jwt");
  };
  EXPECT_EQ(check(make([](claims& c) { c.set("iss", "https://evil.test"); })), errc::wrong_issuer);
  EXPECT_EQ(check(make([](claims& c) { c.set("iss", "https://CHANNEL.test"); })), errc::wrong_issuer);
  EXPECT_EQ(check(make([](claims& c) { c.erase("iss"); })), errc::wrong_issuer);
  EXPECT_EQ(check(make([](claims& c) { c.set("aud", "https://other.test"); })), errc::wrong_audience);
  EXPECT_EQ(check(make([](claims& c) { c.erase("aud"); })), errc::wrong_audience);
  EXPECT_EQ(check(make([](claims& c) { c.set("aud", std::int64_t{1}); })), errc::wrong_audience);
  const auto as_array = make([](claims& c) {
    c.set("aud", std::vector<std::string>{"https://other.test", "https://channel.test/directline"});
  });
  EXPECT_FALSE(check(as_array));
  auto strict = test::dl_profile();
  strict.aud_form = audience_form::string_only;
  EXPECT_EQ(check(as_array, strict), errc::wrong_audience);
  EXPECT_FALSE(check(good(*es_), strict));
}

TEST_F(Attack, RequiredClaimsAreEnforced) {
  auto p = test::dl_profile();
  p.required_claims = {"conv", "user"};
  EXPECT_EQ(check(good(*es_), p), errc::missing_claim);
  auto c = test::good_claims(clock_);
  c.set("user", "dl_u1");
  EXPECT_FALSE(check(*sign(c, *es_, "dl+jwt"), p));
  p.require_iat = true;
  c.erase("iat");
  EXPECT_EQ(check(*sign(c, *es_, "dl+jwt"), p), errc::missing_claim);
}

TEST_F(Attack, EveryFlippedBitIsRefused) {
  for (const auto* k : {es_, ed_, rs_}) {
    const std::string token = good(*k);
    ASSERT_FALSE(check(token));
    int refused = 0;
    for (int seg = 0; seg < 3; ++seg) {
      const auto bytes = test::b64d(segment(token, seg));
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
          auto mutated = bytes;
          mutated[i] ^= static_cast<std::uint8_t>(1u << bit);
          const auto t = replace_segment(token, seg, core::base64url_encode(mutated));
          ASSERT_TRUE(check(t)) << to_string(k->alg()) << " segment " << seg << " byte " << i << " bit " << bit;
          ++refused;
        }
      }
    }
    EXPECT_GT(refused, 1000);
  }
}

TEST_F(Attack, TruncatedExtraAndEmptySegmentsAreMalformed) {
  const std::string t = good(*es_);
  EXPECT_EQ(check(t.substr(0, t.rfind('.'))), errc::malformed);
  EXPECT_EQ(check(t + ".AAAA"), errc::malformed);
  EXPECT_EQ(check(t + "."), errc::malformed);
  EXPECT_EQ(check("." + t), errc::malformed);
  EXPECT_EQ(check(t.substr(0, t.rfind('.') + 1)), errc::malformed);  // empty signature
  EXPECT_EQ(check(replace_segment(t, 1, "")), errc::malformed);
  EXPECT_EQ(check(replace_segment(t, 0, "")), errc::malformed);
  EXPECT_EQ(check(""), errc::malformed);
  EXPECT_EQ(check(".."), errc::malformed);
  EXPECT_EQ(check(" " + t), errc::malformed);
  EXPECT_EQ(check(t + "\n"), errc::malformed);
  // Dropping signature bytes (canonically re-encoded): a short signature never verifies.
  auto sig = test::b64d(segment(t, 2));
  sig.resize(sig.size() - 3);
  EXPECT_EQ(check(replace_segment(t, 2, core::base64url_encode(sig))), errc::bad_signature);
}

TEST_F(Attack, HugeHeadersAndTokensAreRefusedBeforeParsing) {
  const std::string big(4000, 'x');
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"pad":")" + big + "\""), test::good_claims(clock_).to_json(), *es_)),
            errc::too_large);
  auto c = test::good_claims(clock_);
  c.set("pad", std::string(20000, 'y'));
  EXPECT_EQ(check(*sign(c, *es_, "dl+jwt")), errc::too_large);
  EXPECT_EQ(check(std::string(1 << 20, 'a')), errc::too_large);
  // Deeply nested header JSON.
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"x":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]])"),
                                  test::good_claims(clock_).to_json(), *es_)),
            errc::malformed);
}

// Sets the lowest spare bit of the last character: same bytes, second encoding.
std::string set_spare_bit(std::string seg) {
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto v = alphabet.find(seg.back());
  seg.back() = alphabet[v | 1];
  return seg;
}

TEST_F(Attack, NonCanonicalBase64urlAndPaddingAreMalformed) {
  const std::string t = good(*es_);
  const std::string sig = segment(t, 2);
  ASSERT_EQ(sig.size() % 4, 2u);  // 64 bytes: the last character carries 4 spare bits
  EXPECT_EQ(check(replace_segment(t, 2, set_spare_bit(sig))), errc::malformed);
  const std::string h = segment(t, 0);
  if (h.size() % 4 != 0) {
    EXPECT_EQ(check(replace_segment(t, 0, set_spare_bit(h))), errc::malformed);
  }
  EXPECT_EQ(check(t + "=="), errc::malformed);
  EXPECT_EQ(check(replace_segment(t, 0, h + "=")), errc::malformed);
  EXPECT_EQ(check(replace_segment(t, 2, sig + "==")), errc::malformed);
  EXPECT_EQ(check(replace_segment(t, 2, "+/" + sig.substr(2))), errc::malformed);  // standard alphabet
}

TEST_F(Attack, DuplicateMembersAreMalformed) {
  const auto claims_json = test::good_claims(clock_).to_json();
  std::string dup_claims = claims_json;
  dup_claims.insert(1, R"("iss":"https://evil.test",)");
  EXPECT_EQ(check(test::raw_token(header_for(*es_), dup_claims, *es_)), errc::malformed);
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"alg":"none")"), claims_json, *es_)), errc::malformed);
  EXPECT_EQ(check(test::raw_token("[]", claims_json, *es_)), errc::malformed);
  EXPECT_EQ(check(test::raw_token(header_for(*es_), "[1,2]", *es_)), errc::malformed);
  EXPECT_EQ(check(test::raw_token(header_for(*es_), "\"claims\"", *es_)), errc::malformed);
}

TEST_F(Attack, CritCtyAndB64AreUnsupported) {
  const auto c = test::good_claims(clock_).to_json();
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"crit":["exp"],"exp":1)"), c, *es_)), errc::unsupported);
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"crit":[])"), c, *es_)), errc::unsupported);
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"cty":"JWT")"), c, *es_)), errc::unsupported);
  EXPECT_EQ(check(test::raw_token(header_for(*es_, R"(,"b64":false,"crit":["b64"])"), c, *es_)), errc::unsupported);
  // Embedded keys are never trusted: a token carrying its own jwk/jku still needs a known kid.
  EXPECT_EQ(check(test::raw_token(R"({"alg":"ES256","typ":"dl+jwt","kid":"mine","jku":"https://evil.test/k"})", c, *es_)),
            errc::unknown_key);
}

TEST_F(Attack, Es256DerSignatureIsRefused) {
  const std::string t = good(*es_);
  const auto raw = test::b64d(segment(t, 2));
  std::array<std::uint8_t, 72> der{};
  const auto len = detail::ecdsa_raw_to_der(std::span<const std::uint8_t, 64>(raw.data(), 64), der);
  ASSERT_GT(len, 0u);
  const auto der_token = replace_segment(t, 2, core::base64url_encode(std::span<const std::uint8_t>(der.data(), len)));
  EXPECT_EQ(check(der_token), errc::bad_signature);
}

// n - s for the P-256 order n (big-endian, 32 bytes).
std::vector<std::uint8_t> negate_s(std::vector<std::uint8_t> sig) {
  static constexpr std::uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                         0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[i] - sig[32 + static_cast<std::size_t>(i)] - borrow;
    borrow = d < 0;
    sig[32 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  return sig;
}

TEST_F(Attack, HighSZeroAndOutOfRangeEcdsaValuesAreRefused) {
  const std::string t = good(*es_);
  const auto sig = test::b64d(segment(t, 2));
  ASSERT_FALSE(detail::ecdsa_s_is_high(std::span<const std::uint8_t, 32>(sig.data() + 32, 32)));  // Parley signs low-s
  const auto high = replace_segment(t, 2, core::base64url_encode(negate_s(sig)));
  EXPECT_EQ(check(high), errc::bad_signature);
  auto lenient = test::dl_profile();
  lenient.require_low_s = false;
  EXPECT_FALSE(check(high, lenient));  // (r, n-s) is mathematically valid: only the profile refuses it

  auto zero_r = sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  auto zero_s = sig;
  std::fill(zero_s.begin() + 32, zero_s.end(), 0);
  std::vector<std::uint8_t> r_is_n(sig);
  const auto n_minus_0 = negate_s(std::vector<std::uint8_t>(64, 0));  // s = n
  std::copy(n_minus_0.begin() + 32, n_minus_0.end(), r_is_n.begin());
  for (const auto& bad : {zero_r, zero_s, r_is_n, std::vector<std::uint8_t>(64, 0xff)}) {
    EXPECT_EQ(check(replace_segment(t, 2, core::base64url_encode(bad)), lenient), errc::bad_signature);
  }
}

TEST_F(Attack, SmallRsaKeysAreRefusedEverywhere) {
  EXPECT_EQ(signing_key::generate(algorithm::rs256, 1024).error(), errc::bad_key);
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(small, nullptr);
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(small, "n", &n), 1);
  std::vector<std::uint8_t> nb(static_cast<std::size_t>(BN_num_bytes(n)));
  BN_bn2bin(n, nb.data());
  BN_free(n);
  EXPECT_EQ(detail::rsa_public(nb, test::b64d("AQAB")).error(), errc::bad_key);
  const std::string jwk_json = R"({"kty":"RSA","n":")" + core::base64url_encode(nb) + R"(","e":"AQAB","kid":"small"})";
  EXPECT_EQ(parse_jwk(jwk_json).error(), errc::bad_key);
  EXPECT_EQ(parse_jwks(R"({"keys":[)" + jwk_json + "]}").error(), errc::bad_key);
  // A PKCS#8 1024-bit key is refused as a signing key too.
  unsigned char* der = nullptr;
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(small);
  const int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  EXPECT_EQ(signing_key::from_pkcs8(std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)), algorithm::rs256).error(),
            errc::bad_key);
  OPENSSL_free(der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  EVP_PKEY_free(small);
}

}  // namespace
}  // namespace parley::jose
