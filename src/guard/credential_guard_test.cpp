#include <parley/guard/credential_guard.hpp>

#include <gmock/gmock.h>

namespace parley::guard {
namespace {

using ::testing::ElementsAre;

TEST(credential_guard, luhn) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("41111x1111111111"));
}

TEST(credential_guard, masks_luhn_valid_card_numbers_keeping_the_last_four) {
  auto g = guard_credentials("my card is 4111 1111 1111 1111, please block it");
  EXPECT_EQ(g.masked, "my card is \u2022\u2022\u2022\u2022 1111, please block it");
  EXPECT_THAT(g.found, ElementsAre(credential_kind::card_number));
  EXPECT_EQ(guard_credentials("4111-1111-1111-1111").masked, "\u2022\u2022\u2022\u2022 1111");
  EXPECT_EQ(guard_credentials("5500005555555559").masked, "\u2022\u2022\u2022\u2022 5559");  // 16 digits
  EXPECT_TRUE(guard_credentials("6011000990139424").changed());
  EXPECT_TRUE(guard_credentials("378282246310005").changed());  // 15 digits (Amex)
}

TEST(credential_guard, leaves_numbers_that_are_not_card_numbers) {
  for (const char* s : {"transfer 250 to savings", "4111 1111 1111 1112", "call +44 20 7946 0100",
                        "IBAN GB33 BANX 2004 1500 0000 01", "order 123456789012", "12345678901234567890123"}) {
    auto g = guard_credentials(s);
    EXPECT_FALSE(g.changed()) << s;
    EXPECT_EQ(g.masked, s);
  }
}

TEST(credential_guard, masks_password_values) {
  auto g = guard_credentials("my password is Hunter2!");
  EXPECT_EQ(g.masked, "my password is [hidden]");
  EXPECT_THAT(g.found, ElementsAre(credential_kind::password));
  EXPECT_EQ(guard_credentials("Password: s3cr3t and more").masked, "Password: [hidden]") << "to the end of the line";
  EXPECT_EQ(guard_credentials("pw=abc123").masked, "pw=[hidden]");
  EXPECT_EQ(guard_credentials("mein Passwort ist geheim").masked, "mein Passwort ist [hidden]");
  EXPECT_EQ(guard_credentials("password hunter2").masked, "password [hidden]") << "no separator, but it looks like one";
  EXPECT_EQ(guard_credentials("password yesterday").masked, "password yesterday") << "no separator, an ordinary word";
  EXPECT_EQ(guard_credentials("Passwort: geheim").masked, "Passwort: [hidden]");
  EXPECT_FALSE(guard_credentials("I forgot my password").changed());
  EXPECT_FALSE(guard_credentials("how do I reset passwords?").changed());
}

TEST(credential_guard, masks_pins) {
  auto g = guard_credentials("my PIN is 4821");
  EXPECT_EQ(g.masked, "my PIN is [hidden]");
  EXPECT_THAT(g.found, ElementsAre(credential_kind::pin));
  EXPECT_EQ(guard_credentials("pin: 123456").masked, "pin: [hidden]");
  EXPECT_EQ(guard_credentials("pin code 9999").masked, "pin code [hidden]");
  EXPECT_FALSE(guard_credentials("I forgot my PIN").changed());
  EXPECT_FALSE(guard_credentials("pin 12").changed());
  EXPECT_FALSE(guard_credentials("spinning 1234").changed());
}

TEST(credential_guard, several_kinds_at_once_and_the_warning) {
  auto g = guard_credentials("card 4111111111111111 pin 1234 password: x");
  EXPECT_EQ(g.masked, "card \u2022\u2022\u2022\u2022 1111 pin [hidden] password: [hidden]");
  EXPECT_THAT(g.found, ElementsAre(credential_kind::card_number, credential_kind::pin, credential_kind::password));
  const auto w = warning_text(g.found);
  EXPECT_THAT(w, ::testing::HasSubstr("a card number, a PIN and a password"));
  EXPECT_EQ(w.find("4111"), std::string::npos);
  EXPECT_TRUE(warning_text({}).empty());
}

TEST(credential_guard, a_step_expecting_a_secret_masks_everything) {
  auto g = guard_credentials("492816", true);
  EXPECT_EQ(g.masked, "[secret: 6 characters]");
  EXPECT_THAT(g.found, ElementsAre(credential_kind::expected_secret));
  EXPECT_TRUE(warning_text(g.found).empty()) << "the user was asked for it: no warning";
}

TEST(credential_guard, card_numbers_glued_to_words_are_masked_too) {
  EXPECT_EQ(guard_credentials("x4111111111111111").masked, "x\u2022\u2022\u2022\u2022 1111");
  EXPECT_EQ(guard_credentials("4111111111111111x").masked, "\u2022\u2022\u2022\u2022 1111x");
}

TEST(credential_guard, iban_checksum) {
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));
  EXPECT_TRUE(iban_valid("gb82west12345698765432"));
  EXPECT_TRUE(iban_valid("NO9386011117947"));
  EXPECT_FALSE(iban_valid("GB82WEST12345698765433")) << "checksum";
  EXPECT_FALSE(iban_valid("GB82WEST1234569876543")) << "length of the country";
  EXPECT_FALSE(iban_valid("ZZ82WEST12345698765432")) << "unknown country";
  EXPECT_FALSE(iban_valid("GB82 WEST12345698765432")) << "compact form only";
  EXPECT_FALSE(iban_valid(""));
}

TEST(credential_guard, bare_codes_as_the_login_executor_reads_them) {
  EXPECT_TRUE(is_bare_code("492816"));
  EXPECT_TRUE(is_bare_code(" 492 816\n"));
  EXPECT_TRUE(is_bare_code("1234"));
  EXPECT_TRUE(is_bare_code("0123456789"));
  EXPECT_FALSE(is_bare_code("123"));
  EXPECT_FALSE(is_bare_code("01234567890"));
  EXPECT_FALSE(is_bare_code("code 492816"));
  EXPECT_FALSE(is_bare_code(""));
}

TEST(credential_guard, a_waiting_login_masks_codes_but_not_other_text) {
  guard_mode m;
  m.awaits_code = true;
  auto g = guard_credentials("492816", m);
  EXPECT_TRUE(g.expected()) << "the whole message is the code: delivered as typed";
  g = guard_credentials("hello, where is my code?", m);
  EXPECT_FALSE(g.changed());
  g = guard_credentials("my code is 492816 and my card 4111 1111 1111 1111", m);
  EXPECT_EQ(g.masked, "my code is [hidden] and my card \u2022\u2022\u2022\u2022 1111");
  EXPECT_THAT(g.found, ElementsAre(credential_kind::one_time_code, credential_kind::card_number));
  EXPECT_FALSE(g.expected());
  EXPECT_THAT(warning_text(g.found), ::testing::HasSubstr("like a card number in your message"))
      << "the code was asked for: only the card is warned about";
}

TEST(credential_guard, warnings_name_every_kind) {
  EXPECT_THAT(warning_text({credential_kind::security_code, credential_kind::iban}),
              ::testing::HasSubstr("a card security code and an IBAN"));
  EXPECT_TRUE(warning_text({credential_kind::one_time_code}).empty());
  for (auto k :
       {credential_kind::card_number, credential_kind::password, credential_kind::pin, credential_kind::expected_secret,
        credential_kind::security_code, credential_kind::iban, credential_kind::one_time_code}) {
    EXPECT_NE(to_string(k), "unknown");
  }
}

TEST(credential_guard, never_crashes_on_odd_input) {
  const std::string odd[] = {"",
                             "pin",
                             "password",
                             "pw=",
                             "pin is",
                             "1",
                             std::string(10000, '4'),
                             std::string("\xff\xfe\x00pin 1234", 11),
                             "4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4",
                             "\xc2",
                             "\xe2\x80",
                             "password:\r",
                             "DE89",
                             "GB82 WEST 1234 5698 7654 3",
                             "cvv",
                             "4111\xc2\xa0",
                             "\xc2\xa0"
                             "4111111111111111"};
  for (const auto& s : odd) {
    for (const bool awaits : {false, true}) {
      guard_mode m;
      m.awaits_code = awaits;
      auto g = guard_credentials(s, m);
      EXPECT_LE(g.masked.size(), s.size() + 64);
    }
  }
}

}  // namespace
}  // namespace parley::guard
