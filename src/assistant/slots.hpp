// Reading answers to `ask` and `confirm` steps: choices, numbers, dates, yes/no and text.
#pragma once

#include "model.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace parley::assistant::detail {

enum class yes_no { yes, no };

/// "yes", "sure", "go ahead" -> yes; "no", "nope", "not now", "don't" -> no; anything else nullopt.
[[nodiscard]] std::optional<yes_no> parse_yes_no(std::string_view text);

/// The one number in `text` ("250", "1,250.50", "€ 20", "12,5" in a locale with a decimal
/// comma). Two numbers, or none, give nullopt.
[[nodiscard]] std::optional<double> parse_number(std::string_view text, std::string_view locale);

/// Shortest decimal form: 1000 -> "1000", 12.5 -> "12.5".
[[nodiscard]] std::string format_number(double value);

/// A date in `text`: "today", "yesterday", "tomorrow", "2026-03-05", "5/3/2026" (day first, or
/// month first for en-US), "5 March", "March 5th 2026". Without a year, the nearest year that
/// fits `range` is taken. Dates outside `range` (relative to `today`) give nullopt.
[[nodiscard]] std::optional<std::chrono::year_month_day> parse_date(std::string_view text, std::string_view locale,
                                                                    std::chrono::sys_days today, date_range range);

/// The choice `text` selects: a choice's value, title or synonym as whole words (stemmed, one
/// typo tolerated in words of four letters or more), or its position ("2"). The longest phrase
/// wins; a tie between two choices gives nullopt.
[[nodiscard]] std::optional<std::size_t> match_choice(const std::vector<choice_def>& choices, std::string_view text);

struct answer_context {
  std::string_view locale;
  std::chrono::sys_days today;
  std::size_t max_value_bytes = 512;
};

/// The value to store for `text` as an answer to the ask step `step`, or nullopt if it is not a
/// valid answer.
[[nodiscard]] std::optional<std::string> parse_answer(const step_def& step, std::string_view text,
                                                      const answer_context& ctx);

}  // namespace parley::assistant::detail
