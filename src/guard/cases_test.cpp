// The guard's table of cases (issue 14): what must be masked, exactly how, and ordinary sentences
// with numbers, dates, amounts and account names that must pass untouched.
#include <parley/guard/credential_guard.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::guard {
namespace {

using kinds = std::vector<credential_kind>;
constexpr auto card = credential_kind::card_number;
constexpr auto password = credential_kind::password;
constexpr auto pin = credential_kind::pin;
constexpr auto cvv = credential_kind::security_code;
constexpr auto iban = credential_kind::iban;
constexpr auto code = credential_kind::one_time_code;
constexpr auto expected = credential_kind::expected_secret;

struct positive {
  std::string input;
  std::string masked;
  kinds found;
  guard_mode mode{};
};

constexpr guard_mode awaiting{false, true};
constexpr guard_mode asked{true, false};

const std::vector<positive>& positives() {
  static const std::vector<positive> cases{
      // Card numbers: any grouping of 3-6 digits, any short run of separators, glued to words.
      {"4111111111111111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"my card is 4111 1111 1111 1111, please block it",
       "my card is \u2022\u2022\u2022\u2022 1111, please block it",
       {card}},
      {"4111-1111-1111-1111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111.1111.1111.1111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111  1111  1111  1111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111\u00a01111\u00a01111\u00a01111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111\u202f1111\u202f1111\u202f1111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111\u2009 1111 - 1111 . 1111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111\t1111\t1111\t1111", "\u2022\u2022\u2022\u2022 1111", {card}},
      {"card4111111111111111", "card\u2022\u2022\u2022\u2022 1111", {card}},
      {"4111111111111111thanks", "\u2022\u2022\u2022\u2022 1111thanks", {card}},
      {"cardnumber:4111111111111111.", "cardnumber:\u2022\u2022\u2022\u2022 1111.", {card}},
      {"5500 0055 5555 5559", "\u2022\u2022\u2022\u2022 5559", {card}},
      {"378282246310005", "\u2022\u2022\u2022\u2022 0005", {card}},
      {"3782 822463 10005", "\u2022\u2022\u2022\u2022 0005", {card}},
      {"6011000990139424", "\u2022\u2022\u2022\u2022 9424", {card}},
      {"4222222222222", "\u2022\u2022\u2022\u2022 2222", {card}},
      {"30569309025904", "\u2022\u2022\u2022\u2022 5904", {card}},
      {"4111 1111 1111 1111 12/25", "\u2022\u2022\u2022\u2022 1111 12/25", {card}},
      {"ref 12 4111 1111 1111 1111", "ref 12 \u2022\u2022\u2022\u2022 1111", {card}},
      {"Card: 5555-5555-5555-4444, exp 03/27", "Card: \u2022\u2022\u2022\u2022 4444, exp 03/27", {card}},
      {"two cards 4111111111111111 and 5500005555555559",
       "two cards \u2022\u2022\u2022\u2022 1111 and \u2022\u2022\u2022\u2022 5559",
       {card}},
      // Passwords and passphrases: to the end of the line.
      {"password: correct horse battery staple", "password: [hidden]", {password}},
      {"my password hunter2", "my password [hidden]", {password}},
      {"password - x", "password - [hidden]", {password}},
      {"my password is Hunter2!", "my password is [hidden]", {password}},
      {"Password: s3cr3t and more", "Password: [hidden]", {password}},
      {"pw=abc123", "pw=[hidden]", {password}},
      {"mein Passwort ist geheim", "mein Passwort ist [hidden]", {password}},
      {"Passwort: geheim", "Passwort: [hidden]", {password}},
      {"mot de passe : soleil", "mot de passe : [hidden]", {password}},
      {"passphrase: the quick brown fox\nthanks", "passphrase: [hidden]\nthanks", {password}},
      {"Username: anna\nPassword: Tr0ub4dor&3", "Username: anna\nPassword: [hidden]", {password}},
      {"password:\nhunter2", "password:\n[hidden]", {password}},
      {"my password is correct horse battery staple", "my password is [hidden]", {password}},
      {"PW \u2013 letmein", "PW \u2013 [hidden]", {password}},
      {"mi contrase\u00f1a es gato123", "mi contrase\u00f1a es [hidden]", {password}},
      {"pass: opensesame", "pass: [hidden]", {password}},
      {"the password = qwerty", "the password = [hidden]", {password}},
      {"wachtwoord: fiets", "wachtwoord: [hidden]", {password}},
      {"my password \"p@ss w0rd\"", "my password [hidden]", {password}},
      {"my password was summer2023 before", "my password was [hidden]", {password}},
      // PINs.
      {"my PIN is 4821", "my PIN is [hidden]", {pin}},
      {"pin: 123456", "pin: [hidden]", {pin}},
      {"pin code 9999", "pin code [hidden]", {pin}},
      {"PIN-Nummer: 1234", "PIN-Nummer: [hidden]", {pin}},
      {"Geheimzahl 8642", "Geheimzahl [hidden]", {pin}},
      {"pin 12 34", "pin [hidden]", {pin}},
      // Card security codes.
      {"cvv 123", "cvv [hidden]", {cvv}},
      {"CVC: 4567", "CVC: [hidden]", {cvv}},
      {"the security code is 321", "the security code is [hidden]", {cvv}},
      {"CVV2=999", "CVV2=[hidden]", {cvv}},
      {"Pr\u00fcfnummer 123", "Pr\u00fcfnummer [hidden]", {cvv}},
      // IBANs with a valid checksum.
      {"GB82 WEST 1234 5698 7654 32", "GB\u2022\u2022 \u2022\u2022\u2022\u2022 5432", {iban}},
      {"DE89370400440532013000", "DE\u2022\u2022 \u2022\u2022\u2022\u2022 3000", {iban}},
      {"IBAN: DE89 3704 0044 0532 0130 00 please", "IBAN: DE\u2022\u2022 \u2022\u2022\u2022\u2022 3000 please", {iban}},
      {"fr14 2004 1010 0505 0001 3m02 606", "FR\u2022\u2022 \u2022\u2022\u2022\u2022 2606", {iban}},
      {"NL91ABNA0417164300", "NL\u2022\u2022 \u2022\u2022\u2022\u2022 4300", {iban}},
      {"to CH93 0076 2011 6238 5295 7.", "to CH\u2022\u2022 \u2022\u2022\u2022\u2022 2957.", {iban}},
      {"BE68 5390 0754 7034", "BE\u2022\u2022 \u2022\u2022\u2022\u2022 7034", {iban}},
      // Several at once, in the order found.
      {"card 4111111111111111 cvv 123", "card \u2022\u2022\u2022\u2022 1111 cvv [hidden]", {card, cvv}},
      {"card 4111111111111111 pin 1234 password: x",
       "card \u2022\u2022\u2022\u2022 1111 pin [hidden] password: [hidden]",
       {card, pin, password}},
      // While a login waits for a one-time code (even before its prompt is stored).
      {"492816", "[secret: 6 characters]", {expected}, awaiting},
      {"492 816", "[secret: 7 characters]", {expected}, awaiting},
      {"  4928-16 ", "[secret: 10 characters]", {expected}, awaiting},
      {"1234", "[secret: 4 characters]", {expected}, awaiting},
      {"0123456789", "[secret: 10 characters]", {expected}, awaiting},
      {"my code is 492816", "my code is [hidden]", {code}, awaiting},
      {"code 492-816 thanks", "code [hidden] thanks", {code}, awaiting},
      // The answer to a prompt that asked for a secret: all of it.
      {"anything at all", "[secret: 15 characters]", {expected}, asked},
  };
  return cases;
}

const std::vector<std::string>& negatives() {
  static const std::vector<std::string> cases{
      "transfer 250 to savings",
      "4111 1111 1111 1112",
      "call +44 20 7946 0100",
      "order 123456789012",
      "12345678901234567890123",
      "I forgot my password",
      "how do I reset passwords?",
      "my password is not working",
      "I changed my password yesterday",
      "is my password case sensitive?",
      "what is a strong password?",
      "my password expired",
      "the password reset link has expired",
      "my password is at least 8 characters long",
      "my password is the same as before",
      "can you change my password to something stronger",
      "My password (for online banking) is blocked",
      "password123 is a bad password",
      "what does pw mean?",
      "pass 2 tests",
      "I forgot my PIN",
      "pin 12",
      "spinning 1234",
      "the pin letter arrived on 12.03.2024",
      "where do I find the CVV on my card?",
      "cvv 12",
      "Can you tell me the security code format?",
      "Transfer 1,250.00 EUR to Anna's savings on 2024-03-15",
      "Meeting on 12.03.2024 at 10:30",
      "I paid 49.99 on 01/02/2024 and 15.02.2024",
      "statement for 01.01.2024 - 31.12.2024",
      "between 2024-01-15 2024-02-15",
      "my balance is 12 345,67 \u20ac",
      "I earn 4 111 111 a year",
      "I want to pay 1000 EUR by 15 March",
      "reference BX-2024-000123",
      "my customer id is anna.schmidt",
      "Please rename the account 'Holiday Fund 2025' to 'Joint Account Anna & Ben'",
      "Account name: Anna Schmidt, Private Current Account",
      "postcode SW1A 1AA",
      "version 4.11.1 of the app",
      "my daughter is 14 years old",
      "Room 4111, floor 11",
      "Flight LH 400 on 3 May at 07:45",
      "Call me on 0171 2345678",
      "My IP is 192.168.100.200",
      "the years 2021 2022 2023",
      "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
      "IBAN DE89 3704 0044 0532 0130 01",
      "IBAN GB33 BANX 2004 1500 0000 01",
      "DE12 is my favourite",
      "492816",
      "my code is 492816",
  };
  return cases;
}

TEST(credential_guard_cases, there_are_enough_of_them) {
  EXPECT_GE(positives().size(), 60u);
  EXPECT_GE(negatives().size(), 40u);
}

TEST(credential_guard_cases, every_positive_is_masked_exactly) {
  for (const auto& c : positives()) {
    const auto g = guard_credentials(c.input, c.mode);
    EXPECT_EQ(g.masked, c.masked) << "input: " << c.input;
    EXPECT_EQ(g.found, c.found) << "input: " << c.input;
  }
}

TEST(credential_guard_cases, every_negative_passes_untouched) {
  for (const auto& text : negatives()) {
    const auto g = guard_credentials(text);
    EXPECT_FALSE(g.changed()) << "input: " << text << "\nmasked: " << g.masked;
    EXPECT_EQ(g.masked, text);
  }
}

TEST(credential_guard_cases, no_masked_text_keeps_the_credential) {
  // Whatever the masking keeps (a card's last four digits, an IBAN's country), never the secret.
  for (const auto& c : positives()) {
    const auto g = guard_credentials(c.input, c.mode);
    for (std::string_view secret : {"4111 1111", "hunter2", "correct horse", "4821", "123456", "gato123", "3704 0044",
                                    "492816", "492 816", "s3cr3t", "letmein", "opensesame"}) {
      if (c.input.find(secret) == std::string::npos) continue;
      EXPECT_EQ(g.masked.find(secret), std::string::npos) << c.input << " -> " << g.masked;
    }
  }
}

}  // namespace
}  // namespace parley::guard
