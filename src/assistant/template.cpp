#include "template.hpp"

#include <algorithm>
#include <cctype>

namespace parley::assistant::detail {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::optional<text_template> text_template::parse(std::string_view text, std::string& error) {
  text_template t;
  t.source_ = std::string(text);
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal += '}';
      ++i;
    } else if (c == '{') {
      const auto close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        error = "unclosed '{' (write \"{{\" for a literal brace)";
        return std::nullopt;
      }
      const auto name = text.substr(i + 1, close - i - 1);
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
        error = "placeholder \"{" + std::string(name) + "}\" is not a name of lower-case letters, digits and '_'";
        return std::nullopt;
      }
      if (!literal.empty()) t.parts_.push_back({std::move(literal), false});
      literal.clear();
      t.parts_.push_back({std::string(name), true});
      i = close;
    } else if (c == '}') {
      error = "unmatched '}' (write \"}}\" for a literal brace)";
      return std::nullopt;
    } else {
      literal += c;
    }
  }
  if (!literal.empty()) t.parts_.push_back({std::move(literal), false});
  return t;
}

std::vector<std::string> text_template::names() const {
  std::vector<std::string> out;
  for (const auto& p : parts_) {
    if (p.placeholder) out.push_back(p.text);
  }
  return out;
}

std::string text_template::render(const std::function<const dialog_value*(std::string_view)>& lookup) const {
  std::string out;
  for (const auto& p : parts_) {
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    const dialog_value* v = lookup(p.text);
    if (!v) continue;
    if (const auto* s = std::get_if<std::string>(v)) {
      out += escape_markdown(*s);
    } else {
      const auto& list = std::get<std::vector<std::string>>(*v);
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i > 0) out += '\n';
        out += "- ";
        out += escape_markdown(list[i]);
      }
    }
  }
  return out;
}

std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  // Characters that open emphasis, code, links, images, HTML, tables, strikethrough or escapes
  // anywhere in a line.
  constexpr std::string_view inline_specials = "\\`*_[]<>|~";
  bool at_start = true;
  auto block_end = [&](std::size_t j) { return j >= text.size() || text[j] == ' ' || text[j] == '\t'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    if (at_start && c != ' ') {
      at_start = false;
      // A value at the start of a line must not become a heading ("# x"), a list item ("- x",
      // "1. x"), a rule ("---") or a setext underline ("==="). "-5" or "1.5" stay as they are.
      if (c == '#' || ((c == '-' || c == '+' || c == '=') && (block_end(i + 1) || text[i + 1] == c))) {
        out += '\\';
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t j = i;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
        if (j < text.size() && (text[j] == '.' || text[j] == ')') && block_end(j + 1)) {
          out.append(text.substr(i, j - i));
          out += '\\';
          out += text[j];
          i = j;
          continue;
        }
      }
    }
    if (inline_specials.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace parley::assistant::detail
