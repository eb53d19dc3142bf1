#include <bankx/totp.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bankx {
namespace {

using namespace std::chrono_literals;
using sys = std::chrono::system_clock;

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
sys::time_point at(long long unix_seconds) { return sys::time_point{std::chrono::seconds{unix_seconds}}; }

const auto rfc_key = bytes("12345678901234567890");  // RFC 4226 appendix D, RFC 6238 appendix B (SHA-1)

TEST(Totp, Rfc4226AppendixDHotpValues) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t c = 0; c < 10; ++c) EXPECT_EQ(hotp(rfc_key, c), expected[c]) << "counter " << c;
}

TEST(Totp, Rfc6238AppendixBSha1Vectors) {
  const totp_params eight{30s, 8, 1};
  const std::pair<long long, const char*> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"},
  };
  for (const auto& [t, code] : vectors) EXPECT_EQ(totp(rfc_key, at(t), eight), code) << "T = " << t;
  // 20000000000 (year 2603) overflows system_clock's nanoseconds: check its step directly.
  EXPECT_EQ(hotp(rfc_key, 20000000000ULL / 30, 8), "65353130");
}

TEST(Totp, SixDigitCodesAreTheLastSixOfTheEightDigitOnes) {
  // Truncation is mod 10^digits, so the 6-digit value is the 8-digit value's suffix.
  EXPECT_EQ(totp(rfc_key, at(59)), "287082");
  EXPECT_EQ(totp(rfc_key, at(1111111109)), "081804");
}

TEST(Totp, StepsAreThirtySecondsFromTheEpoch) {
  EXPECT_EQ(totp_step(at(0), 30s), 0);
  EXPECT_EQ(totp_step(at(29), 30s), 0);
  EXPECT_EQ(totp_step(at(30), 30s), 1);
  EXPECT_EQ(totp_step(at(59), 30s), 1);
  EXPECT_EQ(totp_step(at(1111111109), 30s), 37037036);
}

TEST(Totp, AcceptsOneStepEitherSideAndNothingFurther) {
  const auto t = at(1'767'225'600);  // a step boundary
  const auto step = totp_step(t, 30s);
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t), t, -1), step);
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t - 30s), t, -1), step - 1);
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t + 30s), t, -1), step + 1);
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t - 60s), t, -1), std::nullopt);
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t + 60s), t, -1), std::nullopt);
}

TEST(Totp, AUsedStepAndOlderOnesAreRefused) {
  const auto t = at(1'767'225'600);
  const auto step = totp_step(t, 30s);
  const auto code = totp(rfc_key, t);
  EXPECT_EQ(totp_verify(rfc_key, code, t, step), std::nullopt) << "the same code twice";
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t - 30s), t, step), std::nullopt) << "an older code after a newer one";
  EXPECT_EQ(totp_verify(rfc_key, totp(rfc_key, t + 30s), t, step), step + 1) << "the next code is fine";
}

TEST(Totp, RefusesWrongShapes) {
  const auto t = at(1'767'225'600);
  const auto code = totp(rfc_key, t);
  EXPECT_EQ(totp_verify(rfc_key, code.substr(0, 5), t, -1), std::nullopt);
  EXPECT_EQ(totp_verify(rfc_key, code + "0", t, -1), std::nullopt);
  EXPECT_EQ(totp_verify(rfc_key, "", t, -1), std::nullopt);
}

TEST(Totp, Base32Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},           {"f", "MY"},          {"fo", "MZXQ"},
                                                         {"foo", "MZXW6"},   {"foob", "MZXW6YQ"},  {"fooba", "MZXW6YTB"},
                                                         {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base32_encode(bytes(plain)), encoded);
    EXPECT_EQ(base32_decode(encoded), bytes(plain));
  }
  EXPECT_EQ(base32_decode("mzxw6ytboi"), bytes("foobar")) << "case-insensitive";
  EXPECT_EQ(base32_decode("MZXW 6YTB OI"), bytes("foobar")) << "spaces as authenticator apps show them";
  EXPECT_EQ(base32_decode("MZXW6==="), bytes("foo")) << "padding";
  EXPECT_EQ(base32_decode("MZXW1"), std::nullopt) << "1 is not in the alphabet";
  EXPECT_EQ(base32_decode("MZ"), std::nullopt) << "non-zero trailing bits";
}

TEST(Totp, OtpauthUriHasEveryParameter) {
  EXPECT_EQ(otpauth_uri("BankX", "anna.schmidt", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/BankX:anna.schmidt?secret=JBSWY3DPEHPK3PXP&issuer=BankX&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(otpauth_uri("Bank X", "a@b", "AA"),
            "otpauth://totp/Bank%20X:a%40b?secret=AA&issuer=Bank%20X&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace bankx
