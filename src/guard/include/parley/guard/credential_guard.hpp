// The credential guard (SECURITY.md promise 9): text typed by an end user that looks like a
// credential is masked before it is stored or shown to anyone but the user.
//
// What counts as a credential:
//  - a card number: 13 to 19 digits (single spaces or dashes allowed between digits) that pass the
//    Luhn check → masked to its last four digits ("•••• 4821");
//  - a password: the value after "password", "passwort", "passwd", "pwd", "pw", "mot de passe",
//    "passcode" (optionally "is", ":", "=") → "password: [hidden]";
//  - a PIN: 4 to 8 digits after "pin" (optionally "is", "code", ":", "=") → "pin: [hidden]";
//  - in a step that expects a secret (a one-time code the bot asked for), the whole text.
// The original text still reaches the bot when the step expects it (the code goes to
// /verifyOtp); everywhere else only the masked text is kept, and the user gets `warning_text`.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::guard {

enum class credential_kind { card_number, password, pin, expected_secret };

/// "card_number", "password", "pin", "expected_secret".
[[nodiscard]] std::string_view to_string(credential_kind k) noexcept;

struct guarded_text {
  std::string masked;                  ///< the text to store and show to consultants
  std::vector<credential_kind> found;  ///< what was masked (empty: masked == input)
  [[nodiscard]] bool changed() const noexcept { return !found.empty(); }
};

/// Masks credentials in `text`. With `expects_secret` the whole text is masked ("[secret: 6
/// characters]") and found is {expected_secret}. Works on UTF-8; never throws on any input.
[[nodiscard]] guarded_text guard_credentials(std::string_view text, bool expects_secret = false);

/// True for a digit string that passes the Luhn check (ISO/IEC 7812).
[[nodiscard]] bool luhn_valid(std::string_view digits) noexcept;

/// What the user is told when something they typed was masked (outside a step expecting it).
[[nodiscard]] std::string warning_text(const std::vector<credential_kind>& found);

}  // namespace parley::guard
