// Private: byte-level character classes of the guard. UTF-8 aware where it matters (Unicode spaces
// separate digits and words; other non-ASCII bytes are letters), and safe on any byte string.
#pragma once

#include <cstddef>
#include <string_view>

namespace parley::guard::detail {

inline bool digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
inline bool ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool ascii_alnum(char c) noexcept {
  return digit(c) || ascii_alpha(c);
}
inline char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
inline char upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}
inline bool horizontal_space(char c) noexcept {
  return c == ' ' || c == '\t';
}
inline bool line_end(char c) noexcept {
  return c == '\n' || c == '\r';
}

/// Length in bytes of a Unicode space at `at` (NBSP, U+2000..U+200A, narrow NBSP, U+205F, U+3000),
/// 0 if there is none.
std::size_t unicode_space_at(std::string_view text, std::size_t at) noexcept;

/// Length of any space at `at`: ' ', '\t', or a Unicode space (not line ends); 0 if none.
inline std::size_t space_at(std::string_view text, std::size_t at) noexcept {
  if (at >= text.size()) return 0;
  if (horizontal_space(text[at])) return 1;
  return unicode_space_at(text, at);
}

/// A letter, digit or '_' starts at `at` (non-ASCII bytes count as letters, Unicode spaces do not).
bool word_at(std::string_view text, std::size_t at) noexcept;

/// No word character ends right before `at`.
bool boundary_before(std::string_view text, std::size_t at) noexcept;

/// `word` (lower-case) starts at `at`, ASCII case-insensitively.
bool starts_with_ci(std::string_view text, std::size_t at, std::string_view word) noexcept;

/// `word` starts at `at` and no word character follows it.
inline bool word_ci(std::string_view text, std::size_t at, std::string_view word) noexcept {
  return starts_with_ci(text, at, word) && !word_at(text, at + word.size());
}

/// Skips spaces (not line ends); returns the new position.
std::size_t skip_spaces(std::string_view text, std::size_t at) noexcept;

}  // namespace parley::guard::detail
