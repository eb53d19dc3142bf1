// IBANs (ISO 13616): country code, two check digits, the country's basic bank account number.
// Checked against the country's length from the IBAN registry and the ISO 7064 mod-97-10 checksum,
// so that ordinary words followed by numbers never match by chance.
#include "rules.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>

namespace parley::guard {
namespace {

struct country {
  char code[3];
  unsigned char length;
};

// Lengths from the SWIFT IBAN registry.
constexpr std::array<country, 89> countries{{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
    {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28},
    {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22},
    {"MK", 19}, {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23},
    {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
}};

constexpr std::size_t max_iban = 34;

std::size_t length_for(char a, char b) {
  a = detail::upper(a);
  b = detail::upper(b);
  for (const auto& c : countries) {
    if (c.code[0] == a && c.code[1] == b) return c.length;
  }
  return 0;
}

// One separator character allowed between the characters of an IBAN: a space or a dash.
std::size_t iban_separator_at(std::string_view text, std::size_t at) {
  if (at < text.size() && text[at] == '-') return 1;
  return detail::space_at(text, at);
}

}  // namespace

bool iban_valid(std::string_view s) noexcept {
  if (s.size() < 5 || s.size() > max_iban) return false;
  if (!detail::ascii_alpha(s[0]) || !detail::ascii_alpha(s[1]) || !detail::digit(s[2]) || !detail::digit(s[3])) {
    return false;
  }
  if (length_for(s[0], s[1]) != s.size()) return false;
  // Moved: the country code and check digits go to the end; letters count as 10..35.
  unsigned remainder = 0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const char c = detail::upper(s[(k + 4) % s.size()]);
    if (detail::digit(c)) {
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

namespace detail {

std::optional<std::size_t> guard_iban(std::string_view text, std::size_t at, output& out) {
  if (text.size() - at < 4 || !ascii_alpha(text[at]) || !ascii_alpha(text[at + 1]) || !digit(text[at + 2]) ||
      !digit(text[at + 3])) {
    return std::nullopt;
  }
  const auto length = length_for(text[at], text[at + 1]);
  if (length == 0) return std::nullopt;
  std::string compact;
  std::size_t i = at;
  while (compact.size() < length && i < text.size()) {
    if (ascii_alnum(text[i])) {
      compact += text[i++];
      continue;
    }
    const auto sep = iban_separator_at(text, i);
    if (sep == 0 || compact.empty() || !ascii_alnum(i + sep < text.size() ? text[i + sep] : ' ')) break;
    i += sep;
  }
  if (compact.size() != length || word_at(text, i) || !iban_valid(compact)) return std::nullopt;
  out.text += upper(compact[0]);
  out.text += upper(compact[1]);
  out.text += "\u2022\u2022 \u2022\u2022\u2022\u2022 ";
  out.text.append(compact.substr(compact.size() - 4));
  out.note(credential_kind::iban);
  return i;
}

}  // namespace detail
}  // namespace parley::guard
