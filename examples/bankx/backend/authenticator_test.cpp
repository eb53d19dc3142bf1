#include <bankx/authenticator.hpp>

#include <parley/core/testing/fake_clock.hpp>

#include <gtest/gtest.h>

namespace bankx {
namespace {

using namespace std::chrono_literals;

struct Authenticator : ::testing::Test {
  parley::core::testing::fake_clock clock;
  authenticator a{clock, parley::core::os_random()};
};

TEST_F(Authenticator, EnrolmentIsPendingUntilConfirmedWithACurrentCode) {
  EXPECT_EQ(a.view("anna").status, authenticator_view::state::none);
  const auto v = a.enrol("anna");
  EXPECT_EQ(v.status, authenticator_view::state::pending);
  EXPECT_EQ(v.secret_base32.size(), 32u) << "160 bits";
  EXPECT_EQ(v.otpauth_uri, otpauth_uri("BankX", "anna", v.secret_base32));
  EXPECT_EQ(v.current_code, totp(*base32_decode(v.secret_base32), clock.now()));
  EXPECT_FALSE(a.active("anna"));
  EXPECT_FALSE(a.verify("anna", v.current_code)) << "a pending secret does not log in";
  EXPECT_EQ(a.confirm("anna", v.current_code == "000000" ? "111111" : "000000").error(), errc::invalid_otp);
  ASSERT_TRUE(a.confirm("anna", v.current_code));
  EXPECT_TRUE(a.active("anna"));
  EXPECT_FALSE(a.verify("anna", v.current_code)) << "the confirming code is used up";
  clock.advance(30s);
  EXPECT_TRUE(a.verify("anna", a.view("anna").current_code));
}

TEST_F(Authenticator, ReEnrolmentKeepsTheOldSecretUntilTheNewOneIsConfirmed) {
  a.enrol_active("eva");
  const auto old_code = a.view("eva").current_code;
  const auto pending = a.enrol("eva");
  EXPECT_NE(pending.secret_base32, "");
  EXPECT_TRUE(a.verify("eva", old_code)) << "still the old secret";
  clock.advance(30s);
  const auto next = a.view("eva");
  ASSERT_TRUE(a.confirm("eva", next.current_code));
  clock.advance(30s);
  const auto secret = base32_decode(pending.secret_base32).value();
  EXPECT_TRUE(a.verify("eva", totp(secret, clock.now())));
}

TEST_F(Authenticator, ConfirmWithoutEnrolmentIsNotFound) {
  EXPECT_EQ(a.confirm("nobody", "123456").error(), errc::not_found);
  EXPECT_FALSE(a.verify("nobody", "123456"));
}

}  // namespace
}  // namespace bankx
