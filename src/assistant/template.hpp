// Response templates: markdown text with {name} placeholders, parsed once at load time.
#pragma once

#include <parley/assistant/action.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant::detail {

/// A parsed template. "{{" and "}}" are literal braces; a placeholder name is [a-z0-9_]+.
class text_template {
 public:
  /// Parses `text`; on a syntax error returns nullopt and sets `error`.
  [[nodiscard]] static std::optional<text_template> parse(std::string_view text, std::string& error);

  /// The placeholder names, in order of appearance.
  [[nodiscard]] std::vector<std::string> names() const;

  /// Renders with values from `lookup` (null: empty), escaped for the markdown subset. A list
  /// renders as one "- item" line per element.
  [[nodiscard]] std::string render(const std::function<const dialog_value*(std::string_view)>& lookup) const;

  /// The template's text when it has no placeholders (for buttons and tests).
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  struct part {
    std::string text;
    bool placeholder = false;
  };
  std::vector<part> parts_;
  std::string source_;
};

/// Escapes `text` so that the widget's markdown subset shows it literally: the characters that
/// make emphasis, links, code, HTML or tables are backslash-escaped, a leading list, heading or
/// quote marker is escaped, and line breaks become spaces (a value cannot start a new block).
[[nodiscard]] std::string escape_markdown(std::string_view text);

}  // namespace parley::assistant::detail
