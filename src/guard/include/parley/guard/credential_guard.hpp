// The credential guard (SECURITY.md promise 9): text typed by an end user that looks like a
// credential is masked before it is stored or shown to anyone but the user.
//
// What counts as a credential (docs/adr/0009-credential-guard.md; the cases are in
// credential_guard_test.cpp):
//  - a card number: 13 to 19 digits that pass the Luhn check, written as one run or in groups of 3
//    to 6 digits separated by any short run of spaces, dots, dashes, tabs or Unicode spaces (NBSP,
//    narrow NBSP, thin space...), even glued to letters ("card4111111111111111") → "•••• 4821";
//  - a password or passphrase: everything to the end of the line after "password", "passwort",
//    "passphrase", "mot de passe", "pw"... when a separator introduces it (":", "=", " - ", "is",
//    "ist"...; "my password is not working" stays), or, without a separator, when the next word
//    looks like a password (has a digit or a symbol: "my password hunter2") → "password: [hidden]";
//  - a PIN: 4 to 8 digits after "pin" (optionally "is", "code", ":", "=") → "pin: [hidden]";
//  - a card security code: 3 or 4 digits after "cvv", "cvc", "cvv2", "csc", "security code"...;
//  - an IBAN: a country code, check digits and the country's length of letters and digits (spaces
//    allowed between groups) whose ISO 7064 mod-97 checksum is right → "DE•• •••• 3000";
//  - while a login waits for a one-time code (guard_mode::awaits_code): a message that is only a
//    code of 4 to 10 digits (spaces and dashes allowed) is the expected secret; any other
//    stand-alone run of 4 to 10 digits in it is masked as a one-time code;
//  - in a step that expects a secret (guard_mode::expects_secret), the whole text.
// The original text still reaches the bot when the step expects it (the code goes to
// /verifyOtp); everywhere else only the masked text is kept, and the user gets `warning_text`.
// Cost: one pass over the text, each rule looking at a bounded window from the current position
// (no regular expressions, no backtracking): linear in the input whatever it holds.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::guard {

enum class credential_kind { card_number, password, pin, expected_secret, security_code, iban, one_time_code };

/// "card_number", "password", "pin", "expected_secret", "security_code", "iban", "one_time_code".
[[nodiscard]] std::string_view to_string(credential_kind k) noexcept;

/// What the conversation expects from the user at this point.
struct guard_mode {
  bool expects_secret = false;  ///< the bot's last prompt asked for a secret: the whole text is one
  bool awaits_code = false;     ///< a login waits for a one-time code (see the file comment)
};

struct guarded_text {
  std::string masked;                  ///< the text to store and show to consultants
  std::vector<credential_kind> found;  ///< what was masked, each kind once (empty: masked == input)
  [[nodiscard]] bool changed() const noexcept { return !found.empty(); }
  /// True when the whole text was the secret the conversation expected (deliver it as typed).
  [[nodiscard]] bool expected() const noexcept {
    return found.size() == 1 && found.front() == credential_kind::expected_secret;
  }
};

/// Masks credentials in `text`. An expected secret is masked whole ("[secret: 6 characters]")
/// and found is {expected_secret}. Works on UTF-8 (and survives anything else); never throws
/// but std::bad_alloc.
[[nodiscard]] guarded_text guard_credentials(std::string_view text, guard_mode mode = {});
/// guard_credentials(text, {.expects_secret = expects_secret}).
[[nodiscard]] guarded_text guard_credentials(std::string_view text, bool expects_secret);

/// True for a digit string that passes the Luhn check (ISO/IEC 7812).
[[nodiscard]] bool luhn_valid(std::string_view digits) noexcept;

/// True for an IBAN without separators ("GB82WEST12345698765432", letters in either case) of a
/// known country with that country's length and a valid ISO 7064 mod-97-10 checksum.
[[nodiscard]] bool iban_valid(std::string_view compact) noexcept;

/// True when `text` is nothing but a one-time code: 4 to 10 digits, spaces, tabs and dashes
/// allowed between them, surrounding whitespace ignored ("492 816", "4928-16").
[[nodiscard]] bool is_bare_code(std::string_view text) noexcept;

/// What the user is told when something they typed was masked (outside a step expecting it).
/// Empty when nothing calls for a warning (an expected secret, a one-time code asked for).
[[nodiscard]] std::string warning_text(const std::vector<credential_kind>& found);

}  // namespace parley::guard
