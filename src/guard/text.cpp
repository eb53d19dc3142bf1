#include "text.hpp"

namespace parley::guard::detail {

std::size_t unicode_space_at(std::string_view text, std::size_t at) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const std::size_t left = text.size() - at;
  if (at >= text.size()) return 0;
  if (left >= 2 && byte(at) == 0xC2 && byte(at + 1) == 0xA0) return 2;  // U+00A0 NBSP
  if (left >= 3 && byte(at) == 0xE2 && byte(at + 1) == 0x80 &&
      ((byte(at + 2) >= 0x80 && byte(at + 2) <= 0x8A) || byte(at + 2) == 0xAF)) {
    return 3;  // U+2000..U+200A (en/em/figure/thin... spaces), U+202F narrow NBSP
  }
  if (left >= 3 && byte(at) == 0xE2 && byte(at + 1) == 0x81 && byte(at + 2) == 0x9F) return 3;  // U+205F
  if (left >= 3 && byte(at) == 0xE3 && byte(at + 1) == 0x80 && byte(at + 2) == 0x80) return 3;  // U+3000
  return 0;
}

bool word_at(std::string_view text, std::size_t at) noexcept {
  if (at >= text.size()) return false;
  const char c = text[at];
  if (ascii_alnum(c) || c == '_') return true;
  return static_cast<unsigned char>(c) >= 0x80 && unicode_space_at(text, at) == 0;
}

bool boundary_before(std::string_view text, std::size_t at) noexcept {
  if (at == 0) return true;
  const char c = text[at - 1];
  if (static_cast<unsigned char>(c) < 0x80) return !(ascii_alnum(c) || c == '_');
  // A multi-byte character ends here: a boundary only if it is a Unicode space.
  for (std::size_t len = 2; len <= 3 && len <= at; ++len) {
    if (unicode_space_at(text, at - len) == len) return true;
  }
  return false;
}

bool starts_with_ci(std::string_view text, std::size_t at, std::string_view word) noexcept {
  if (at > text.size() || text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(text[at + i]) != word[i]) return false;
  }
  return true;
}

std::size_t skip_spaces(std::string_view text, std::size_t at) noexcept {
  while (const auto n = space_at(text, at)) at += n;
  return at;
}

}  // namespace parley::guard::detail
