// Values introduced by a keyword: passwords and passphrases (to the end of the line), PINs and card
// security codes (a run of digits). Every rule reads a bounded window after the keyword, except
// when it masks, and then it consumes what it read.
#include "rules.hpp"
#include "text.hpp"

#include <algorithm>
#include <iterator>

namespace parley::guard::detail {
namespace {

// Longest first where one is a prefix of another ("pass phrase" before "pass"...).
constexpr std::string_view password_words[] = {"mot de passe",
                                               "pass phrase",
                                               "contrase\xc3\xb1"
                                               "a",
                                               "passphrase",
                                               "wachtwoord",
                                               "passwort",
                                               "password",
                                               "passcode",
                                               "kennwort",
                                               "passwd",
                                               "pwd",
                                               "pw",
                                               "pass"};
// "pass" alone only with a strong separator ("pass: x"): "pass 2 tests" is no password.
constexpr std::string_view weak_password_word = "pass";

constexpr std::string_view security_code_words[] = {"card verification value",
                                                    "card verification code",
                                                    "card security code",
                                                    "code de s\xc3\xa9"
                                                    "curit\xc3\xa9",
                                                    "kartenpr\xc3\xbc"
                                                    "fnummer",
                                                    "sicherheitscode",
                                                    "security code",
                                                    "cryptogramme",
                                                    "pr\xc3\xbc"
                                                    "fnummer",
                                                    "cvv2",
                                                    "cvc2",
                                                    "cvv",
                                                    "cvc",
                                                    "csc"};

constexpr std::string_view pin_words[] = {"geheimzahl", "pincode", "pin"};
constexpr std::string_view pin_suffixes[] = {"number", "nummer", "code", "no.", "no"};

// After "is"/"ist"/"est": words that make the rest a statement about the password, not the password.
constexpr std::string_view not_a_value[] = {
    "not",        "no",     "wrong",    "incorrect", "invalid",   "expired",    "blocked", "locked",  "too",
    "still",      "the",    "a",        "an",        "my",        "your",       "being",   "been",    "working",
    "fine",       "ok",     "okay",     "same",      "different", "forgotten",  "lost",    "stolen",  "compromised",
    "weak",       "strong", "required", "needed",    "missing",   "empty",      "reset",   "changed", "saved",
    "stored",     "case",   "also",     "now",       "probably",  "definitely", "at",      "in",      "on",
    "for",        "to",     "of",       "from",      "nicht",     "kein",       "keine",   "falsch",  "gesperrt",
    "abgelaufen", "noch",   "zu",       "pas",       "faux",      "trop",       "that",    "this"};

constexpr std::size_t max_token_scan = 40;  // password-like check: the first bytes of the next word
constexpr std::size_t max_word = 32;        // stop-word check

struct value_span {
  std::size_t begin, end;
};

// The end of the line starting at `at`, trailing spaces excluded.
std::size_t line_end_from(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && !line_end(text[end])) ++end;
  while (end > at && horizontal_space(text[end - 1])) --end;
  return end;
}

std::size_t dash_at(std::string_view text, std::size_t at) {
  if (at < text.size() && text[at] == '-') return 1;
  if (starts_with_ci(text, at, "\xe2\x80\x93") || starts_with_ci(text, at, "\xe2\x80\x94")) return 3;  // – —
  return 0;
}

// Trailing sentence punctuation and surrounding brackets or quotes are not part of a word.
std::string_view word_core(std::string_view w) {
  while (!w.empty() && std::string_view("\"'([{<").find(w.front()) != std::string_view::npos) w.remove_prefix(1);
  while (!w.empty() && std::string_view("\"')]}>.,!?;:").find(w.back()) != std::string_view::npos) w.remove_suffix(1);
  return w;
}

// The next word (up to a space or line end), at most `limit` bytes of it.
std::string_view next_word(std::string_view text, std::size_t at, std::size_t limit) {
  std::size_t end = at;
  while (end < text.size() && end - at < limit && space_at(text, end) == 0 && !line_end(text[end])) ++end;
  return text.substr(at, end - at);
}

// "hunter2", "Tr0ub4dor&3", "1234": a digit or a symbol, at least 4 characters.
bool password_like(std::string_view word) {
  const auto core = word_core(word);
  if (core.size() < 4) return false;
  return std::any_of(core.begin(), core.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return digit(c) || (u < 0x80 && !ascii_alpha(c) && c != '\'' && c != '-' && u > 0x20);
  });
}

bool stop_word(std::string_view word) {
  const auto core = word_core(word);
  return std::any_of(std::begin(not_a_value), std::end(not_a_value),
                     [&](std::string_view w) { return core.size() == w.size() && starts_with_ci(core, 0, w); });
}

enum class separator { none, weak, strong };

// After a keyword: spaces, then ":", "=", a dash followed by a space, or "is"/"ist"/"est"/"lautet"
// (then possibly ":" too). Returns the value's position and what introduced it.
std::pair<std::size_t, separator> skip_separator(std::string_view text, std::size_t i) {
  separator kind = separator::none;
  i = skip_spaces(text, i);
  if (i < text.size() && (text[i] == ':' || text[i] == '=')) {
    kind = separator::strong;
    ++i;
  } else if (const auto d = dash_at(text, i); d > 0 && space_at(text, i + d) > 0) {
    kind = separator::strong;
    i += d;
  } else {
    for (std::string_view w : {"is", "ist", "est", "lautet", "was", "es"}) {
      if (word_ci(text, i, w)) {
        kind = separator::weak;
        i += w.size();
        break;
      }
    }
    const auto j = skip_spaces(text, i);
    if (kind == separator::weak && j < text.size() && (text[j] == ':' || text[j] == '=')) {
      kind = separator::strong;
      i = j + 1;
    }
  }
  return {skip_spaces(text, i), kind};
}

// A keyword from `words` at `at`, not followed by a letter: its length, or 0.
template <std::size_t N>
std::string_view keyword_at(std::string_view text, std::size_t at, const std::string_view (&words)[N]) {
  for (auto w : words) {
    if (word_ci(text, at, w)) return w;
  }
  return {};
}

std::optional<value_span> password_value(std::string_view text, std::size_t at) {
  const auto word = keyword_at(text, at, password_words);
  if (word.empty()) return std::nullopt;
  auto [value, kind] = skip_separator(text, at + word.size());
  const bool weak_word = word == weak_password_word;
  if (kind == separator::strong && value < text.size() && line_end(text[value])) {
    // "Password:" at the end of a line, the password on the next one.
    value += (text[value] == '\r' && value + 1 < text.size() && text[value + 1] == '\n') ? 2 : 1;
    value = skip_spaces(text, value);
  }
  if (value >= text.size() || line_end(text[value])) return std::nullopt;  // no value
  switch (kind) {
    case separator::strong:
      break;
    case separator::weak:
      if (weak_word || stop_word(next_word(text, value, max_word))) return std::nullopt;
      break;
    case separator::none:
      if (weak_word || !password_like(next_word(text, value, max_token_scan))) return std::nullopt;
      break;
  }
  // Only now, when the value is masked and consumed, is the rest of the line read.
  return value_span{value, line_end_from(text, value)};
}

// 4 to 8 (PIN) or 3 to 4 (security code) digits, single spaces or dashes between them, word-bounded.
std::optional<value_span> digits_value(std::string_view text, std::size_t value, std::size_t min, std::size_t max) {
  std::size_t i = value, n = 0;
  while (i < text.size() && n <= max) {
    if (digit(text[i])) {
      ++n;
      ++i;
    } else if ((text[i] == ' ' || text[i] == '-') && n > 0 && i + 1 < text.size() && digit(text[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  if (n < min || n > max || word_at(text, i)) return std::nullopt;
  return value_span{value, i};
}

std::optional<value_span> pin_value(std::string_view text, std::size_t at) {
  const auto word = keyword_at(text, at, pin_words);
  if (word.empty()) return std::nullopt;
  std::size_t i = at + word.size();
  // "PIN-Nummer", "pin number", "pin code"
  const auto after_dash = i < text.size() && text[i] == '-' ? i + 1 : skip_spaces(text, i);
  if (const auto suffix = keyword_at(text, after_dash, pin_suffixes); !suffix.empty()) i = after_dash + suffix.size();
  return digits_value(text, skip_separator(text, i).first, 4, 8);
}

std::optional<value_span> security_code_value(std::string_view text, std::size_t at) {
  const auto word = keyword_at(text, at, security_code_words);
  if (word.empty()) return std::nullopt;
  return digits_value(text, skip_separator(text, at + word.size()).first, 3, 4);
}

}  // namespace

std::optional<std::size_t> guard_keyword(std::string_view text, std::size_t at, output& out) {
  // Every keyword starts with one of these letters: most words are turned away here.
  if (std::string_view("cgkmpsw").find(lower(text[at])) == std::string_view::npos) return std::nullopt;
  credential_kind kind = credential_kind::password;
  auto span = password_value(text, at);
  if (!span) {
    kind = credential_kind::pin;
    span = pin_value(text, at);
  }
  if (!span) {
    kind = credential_kind::security_code;
    span = security_code_value(text, at);
  }
  if (!span) return std::nullopt;
  out.text.append(text.substr(at, span->begin - at));
  out.text += "[hidden]";
  out.note(kind);
  return span->end;
}

}  // namespace parley::guard::detail
