#include <parley/core/toml_text.hpp>

#include <cstdio>

namespace parley::core {

std::optional<std::string> toml_character_error(std::string_view text) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  const auto error = [&](std::size_t at, const char* what) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%zu:%zu: %s", line, at - line_start + 1, what);
    return std::optional<std::string>(buf);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') return error(i, "a carriage return not followed by a line feed");
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return error(i, "a control character (not allowed in TOML)");
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85) {
      return error(i, "U+0085 (next line) is not allowed");
    } else if (c == 0xe2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xa8 || static_cast<unsigned char>(text[i + 2]) == 0xa9)) {
      return error(i, "U+2028/U+2029 (line or paragraph separator) is not allowed");
    }
  }
  return std::nullopt;
}

}  // namespace parley::core
