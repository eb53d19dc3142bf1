#include <parley/core/toml_text.hpp>

#include <cstdio>

namespace parley::core {
namespace {

bool bare_key_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The byte offset of the first table header whose first key does not start with a bare-key
// character, a quote or ']' ("[#", "[=x]", "[[ .a]]", "[é]", "[" and a line break), or of a '}'
// where an array's value belongs ("a=[}", "a=[1,}"): toml++ 3.3.0 asserts on both (found by
// replaying mutated inputs through the assistant fuzz target). A header is a '[' first on its line, outside strings and
// outside an open array or inline table (a nested array may start a line of a multi-line array, with a comment after it
// even). The scan is exact for valid TOML; after a syntax error it may differ, but toml++ refuses that text anyway.
std::optional<std::size_t> bad_structure(std::string_view t) {
  std::string open;  // the '[' and '{' of values not yet closed (bounded by the text's size)
  bool line_start = true;
  bool array_value_next = false;  // after an array's '[' or ',': a '}' there asserts toml++ too
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\n') {
      line_start = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;  // a CR is always before an LF here (checked first)
    const bool first_on_line = line_start;
    line_start = false;
    if (c == '#') {
      while (i + 1 < t.size() && t[i + 1] != '\n') ++i;
      continue;
    }
    if (array_value_next && c == '}') return i;
    array_value_next = false;
    if (c == '"' || c == '\'') {
      const bool multi = t.substr(i, 3) == std::string_view(c == '"' ? "\"\"\"" : "\'\'\'");
      i += multi ? 3 : 1;
      for (; i < t.size(); ++i) {
        if (c == '"' && t[i] == '\\') {
          ++i;
        } else if (t[i] == c && (!multi || t.substr(i, 3) == std::string_view(c == '"' ? "\"\"\"" : "\'\'\'"))) {
          if (multi) {
            i += 2;
            while (i + 1 < t.size() && t[i + 1] == c) ++i;  // """a"""" ends with the quote inside
          }
          break;
        } else if (!multi && t[i] == '\n') {
          break;  // an unterminated string: toml++ says so
        }
      }
    } else if (c == '[' && first_on_line && open.empty()) {
      std::size_t k = i + 1;
      if (k < t.size() && t[k] == '[') ++k;
      while (k < t.size() && (t[k] == ' ' || t[k] == '\t')) ++k;
      if (k < t.size() && !bare_key_character(t[k]) && t[k] != '"' && t[k] != '\'' && t[k] != ']') return k;
      while (i + 1 < t.size() && t[i + 1] != '\n') ++i;  // the header's own brackets are not values
    } else if (c == '[' || c == '{') {
      open += c;
      array_value_next = c == '[';
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    } else if (c == ',' && !open.empty()) {
      array_value_next = open.back() == '[';
    }
  }
  return std::nullopt;
}

}  // namespace

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
  if (const auto at = bad_structure(text)) {  // after the characters: it relies on CR LF
    line = 1;
    line_start = 0;
    for (std::size_t i = 0; i < *at; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return error(*at,
                 text[*at] == '}' ? "a '}' where an array's value belongs" : "a table header must start with a key");
  }
  return std::nullopt;
}

}  // namespace parley::core
