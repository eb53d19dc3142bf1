// The driver: one pass left to right. At the start of a digit run the card/code rule consumes the
// run; at a word boundary the IBAN and keyword rules look ahead a bounded window (or consume what
// they mask); everything else is copied byte by byte. Each byte is thus looked at a bounded number
// of times: the cost is linear in the input (bench/guard: before/after figures).
#include "rules.hpp"
#include "text.hpp"

#include <parley/guard/credential_guard.hpp>

#include <algorithm>

namespace parley::guard {

namespace detail {

void output::note(credential_kind k) {
  if (std::find(found.begin(), found.end(), k) == found.end()) found.push_back(k);
}

}  // namespace detail

std::string_view to_string(credential_kind k) noexcept {
  switch (k) {
    case credential_kind::card_number:
      return "card_number";
    case credential_kind::password:
      return "password";
    case credential_kind::pin:
      return "pin";
    case credential_kind::expected_secret:
      return "expected_secret";
    case credential_kind::security_code:
      return "security_code";
    case credential_kind::iban:
      return "iban";
    case credential_kind::one_time_code:
      return "one_time_code";
  }
  return "unknown";
}

bool luhn_valid(std::string_view digits) noexcept {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!detail::digit(*it)) return false;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool is_bare_code(std::string_view text) noexcept {
  // As the login executor reads a code: digits, with spaces, tabs, dashes and line ends anywhere.
  std::size_t digits = 0;
  for (const char c : text) {
    if (detail::digit(c)) {
      ++digits;
    } else if (c != ' ' && c != '-' && c != '\t' && c != '\n' && c != '\r') {
      return false;
    }
  }
  return digits >= 4 && digits <= 10;
}

guarded_text guard_credentials(std::string_view text, bool expects_secret) {
  guard_mode mode;
  mode.expects_secret = expects_secret;
  return guard_credentials(text, mode);
}

guarded_text guard_credentials(std::string_view text, guard_mode mode) {
  guarded_text result;
  if (mode.expects_secret || (mode.awaits_code && is_bare_code(text))) {
    result.masked = "[secret: " + std::to_string(text.size()) + " characters]";
    result.found.push_back(credential_kind::expected_secret);
    return result;
  }
  detail::output out;
  out.text.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (detail::digit(c) && (i == 0 || !detail::digit(text[i - 1]))) {
      i = detail::guard_digit_run(text, i, mode.awaits_code, out);
      continue;
    }
    if (detail::ascii_alpha(c) && detail::boundary_before(text, i)) {
      if (auto next = detail::guard_iban(text, i, out)) {
        i = *next;
        continue;
      }
      if (auto next = detail::guard_keyword(text, i, out)) {
        i = *next;
        continue;
      }
    }
    out.text += c;
    ++i;
  }
  result.found = std::move(out.found);
  if (result.changed()) {
    result.masked = std::move(out.text);
  } else {
    result.masked.assign(text);
  }
  return result;
}

std::string warning_text(const std::vector<credential_kind>& found) {
  std::vector<std::string_view> what;
  for (auto k : found) {
    switch (k) {
      case credential_kind::card_number:
        what.push_back("a card number");
        break;
      case credential_kind::password:
        what.push_back("a password");
        break;
      case credential_kind::pin:
        what.push_back("a PIN");
        break;
      case credential_kind::security_code:
        what.push_back("a card security code");
        break;
      case credential_kind::iban:
        what.push_back("an IBAN");
        break;
      case credential_kind::expected_secret:
      case credential_kind::one_time_code:
        break;  // asked for: no warning
    }
  }
  if (what.empty()) return {};
  std::string list(what[0]);
  for (std::size_t i = 1; i < what.size(); ++i) list += (i + 1 == what.size() ? " and " : ", ") + std::string(what[i]);
  return "For your security I hid what looked like " + list +
         " in your message: nobody else can see it. Please never type passwords, PINs or card numbers in the "
         "chat; I will never ask for them.";
}

}  // namespace parley::guard
