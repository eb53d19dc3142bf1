// Scans left to right once; each rule looks at the text from the current position, so the cost is
// linear in the input (no regular expressions over user text).
#include <parley/guard/credential_guard.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace parley::guard {

namespace {

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool word_char(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool starts_with_ci(std::string_view text, std::size_t at, std::string_view word) noexcept {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(text[at + i]) != word[i]) return false;
  }
  return true;
}

// A run of digits with single ' ' or '-' between digits, starting at `at`. Returns its length in
// the text and the digits.
std::size_t digit_run(std::string_view text, std::size_t at, std::string& digits) {
  std::size_t i = at;
  digits.clear();
  while (i < text.size()) {
    if (digit(text[i])) {
      digits += text[i++];
    } else if ((text[i] == ' ' || text[i] == '-') && i + 1 < text.size() && digit(text[i + 1]) && !digits.empty()) {
      ++i;
    } else {
      break;
    }
  }
  return i - at;
}

// After a keyword: optional spaces, then one of "is"/"ist", ":", "=", then spaces. Returns the
// position of the value; `explicit_sep` tells whether a separator was there.
std::size_t skip_separator(std::string_view text, std::size_t i, bool* explicit_sep = nullptr) {
  bool seen = false;
  auto spaces = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  spaces();
  if (i < text.size() && (text[i] == ':' || text[i] == '=')) {
    ++i;
    seen = true;
  } else if (starts_with_ci(text, i, "is ")) {
    i += 2;
    seen = true;
  } else if (starts_with_ci(text, i, "ist ")) {
    i += 3;
    seen = true;
  }
  spaces();
  if (i < text.size() && (text[i] == ':' || text[i] == '=')) {
    ++i;
    seen = true;
  }
  spaces();
  if (explicit_sep) *explicit_sep = seen;
  return i;
}

constexpr std::array<std::string_view, 8> password_words{"mot de passe", "passwort", "password", "passcode",
                                                         "passwd", "kennwort", "pwd", "pw"};

}  // namespace

std::string_view to_string(credential_kind k) noexcept {
  switch (k) {
    case credential_kind::card_number: return "card_number";
    case credential_kind::password: return "password";
    case credential_kind::pin: return "pin";
    case credential_kind::expected_secret: return "expected_secret";
  }
  return "unknown";
}

bool luhn_valid(std::string_view digits) noexcept {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!digit(*it)) return false;
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

guarded_text guard_credentials(std::string_view text, bool expects_secret) {
  guarded_text out;
  if (expects_secret) {
    out.masked = "[secret: " + std::to_string(text.size()) + " characters]";
    out.found.push_back(credential_kind::expected_secret);
    return out;
  }
  auto note = [&](credential_kind k) {
    if (std::find(out.found.begin(), out.found.end(), k) == out.found.end()) out.found.push_back(k);
  };
  out.masked.reserve(text.size());
  std::string digits;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool boundary = i == 0 || !word_char(text[i - 1]);
    if (boundary && digit(text[i])) {
      const auto len = digit_run(text, i, digits);
      const bool ends_clean = i + len == text.size() || !word_char(text[i + len]);
      if (ends_clean && digits.size() >= 13 && digits.size() <= 19 && luhn_valid(digits)) {
        out.masked += "\u2022\u2022\u2022\u2022 " + digits.substr(digits.size() - 4);
        note(credential_kind::card_number);
        i += len;
        continue;
      }
      out.masked.append(text.substr(i, len));
      i += len;
      continue;
    }
    if (boundary) {
      bool matched = false;
      for (auto w : password_words) {
        if (!starts_with_ci(text, i, w)) continue;
        const auto after = i + w.size();
        if (after < text.size() && word_char(text[after])) continue;  // "pwned", "passwords"
        bool separated = false;
        const auto value = skip_separator(text, after, &separated);
        std::size_t end = value;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        if (end == value || !separated) continue;  // "password" alone, or no separator before the value
        out.masked.append(text.substr(i, value - i));
        out.masked += "[hidden]";
        note(credential_kind::password);
        i = end;
        matched = true;
        break;
      }
      if (matched) continue;
      if (starts_with_ci(text, i, "pin") && (i + 3 == text.size() || !word_char(text[i + 3]))) {
        std::size_t value = skip_separator(text, i + 3);
        if (starts_with_ci(text, value, "code")) value = skip_separator(text, value + 4);
        const auto len = value < text.size() ? digit_run(text, value, digits) : 0;
        const bool ends_clean = value + len == text.size() || !word_char(text[value + len]);
        if (len > 0 && ends_clean && digits.size() >= 4 && digits.size() <= 8) {
          out.masked.append(text.substr(i, value - i));
          out.masked += "[hidden]";
          note(credential_kind::pin);
          i = value + len;
          continue;
        }
      }
    }
    out.masked += text[i++];
  }
  if (!out.changed()) out.masked.assign(text);
  return out;
}

std::string warning_text(const std::vector<credential_kind>& found) {
  std::vector<std::string_view> what;
  for (auto k : found) {
    switch (k) {
      case credential_kind::card_number: what.push_back("a card number"); break;
      case credential_kind::password: what.push_back("a password"); break;
      case credential_kind::pin: what.push_back("a PIN"); break;
      case credential_kind::expected_secret: break;
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
