#include "slots.hpp"

#include "normalise.hpp"
#include "stemmer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace parley::assistant::detail {
namespace {

using namespace std::chrono;

bool contains(std::initializer_list<std::string_view> set, std::string_view word) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Languages that write 12,5 for twelve and a half.
bool decimal_comma(std::string_view locale) {
  const auto lang = locale.substr(0, locale.find_first_of("-_"));
  return contains({"bg", "cs", "da", "de", "el", "es", "et", "fi", "fr", "hr", "hu", "id", "it", "lt",
                   "lv", "nb", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "tr", "uk"},
                  lang);
}

bool groups_of_three(std::string_view digits_and_sep, char sep) {
  // "1,250,000": every group after the first has exactly three digits.
  std::size_t pos = digits_and_sep.find(sep);
  if (pos == 0 || pos > 3) return false;
  while (pos != std::string_view::npos) {
    const auto next = digits_and_sep.find(sep, pos + 1);
    const auto len = (next == std::string_view::npos ? digits_and_sep.size() : next) - pos - 1;
    if (len != 3) return false;
    pos = next;
  }
  return true;
}

std::optional<double> convert_number(std::string_view tok, std::string_view locale) {
  const auto comma = tok.find(',');
  const auto dot = tok.find('.');
  std::string plain;
  auto keep_digits_with_decimal = [&](char decimal) {
    for (char c : tok) {
      if (is_digit(c)) {
        plain += c;
      } else if (c == decimal) {
        plain += '.';
      }
    }
  };
  if (comma != std::string_view::npos && dot != std::string_view::npos) {
    const char decimal = tok.rfind(',') > tok.rfind('.') ? ',' : '.';
    const char thousands = decimal == ',' ? '.' : ',';
    if (std::count(tok.begin(), tok.end(), decimal) != 1) return std::nullopt;
    if (!groups_of_three(tok.substr(0, tok.find(decimal)), thousands)) return std::nullopt;
    keep_digits_with_decimal(decimal);
  } else if (comma != std::string_view::npos || dot != std::string_view::npos) {
    const char sep = comma != std::string_view::npos ? ',' : '.';
    const char locale_decimal = decimal_comma(locale) ? ',' : '.';
    const auto count = std::count(tok.begin(), tok.end(), sep);
    bool thousands = false;
    if (count > 1) {
      if (!groups_of_three(tok, sep)) return std::nullopt;
      thousands = true;
    } else if (sep != locale_decimal) {
      thousands = groups_of_three(tok, sep);
    }
    keep_digits_with_decimal(thousands ? '\0' : sep);
  } else {
    plain = std::string(tok);
  }
  if (plain.size() > 18) return std::nullopt;
  double v = 0;
  const auto [p, ec] = std::from_chars(plain.data(), plain.data() + plain.size(), v);
  if (ec != std::errc{} || p != plain.data() + plain.size()) return std::nullopt;
  return v;
}

constexpr std::array<std::string_view, 12> month_names{"january",   "february", "march",    "april",
                                                       "may",       "june",     "july",     "august",
                                                       "september", "october",  "november", "december"};

std::optional<unsigned> month_of(std::string_view word) {
  for (unsigned i = 0; i < month_names.size(); ++i) {
    if (word == month_names[i]) return i + 1;
    if (word.size() >= 3 && word.size() <= 4 && month_names[i].starts_with(word) &&
        (word.size() == 3 || word == "sept")) {
      return i + 1;
    }
  }
  return std::nullopt;
}

// "5", "5th", "21st", "22nd", "3rd" -> day number.
std::optional<unsigned> day_of(std::string_view word) {
  std::size_t n = 0;
  while (n < word.size() && is_digit(word[n])) ++n;
  if (n == 0 || n > 2) return std::nullopt;
  const auto suffix = word.substr(n);
  if (!suffix.empty() && !contains({"st", "nd", "rd", "th"}, suffix)) return std::nullopt;
  unsigned d = 0;
  std::from_chars(word.data(), word.data() + n, d);
  return d;
}

std::optional<int> year_of(std::string_view word) {
  if ((word.size() != 4 && word.size() != 2) || !std::all_of(word.begin(), word.end(), is_digit)) return std::nullopt;
  int y = 0;
  std::from_chars(word.data(), word.data() + word.size(), y);
  return word.size() == 2 ? 2000 + y : y;
}

// Splits raw text into runs of digits joined by '/', '.' or '-' ("5/3/2026", "2026-03-05").
std::vector<std::vector<std::string_view>> numeric_dates(std::string_view text) {
  std::vector<std::vector<std::string_view>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i]) || (i > 0 && is_alnum(text[i - 1]))) {
      ++i;
      continue;
    }
    std::vector<std::string_view> parts;
    char sep = 0;
    std::size_t j = i;
    for (;;) {
      const std::size_t start = j;
      while (j < text.size() && is_digit(text[j])) ++j;
      parts.push_back(text.substr(start, j - start));
      if (j + 1 < text.size() && (text[j] == '/' || text[j] == '.' || text[j] == '-') && (sep == 0 || sep == text[j]) &&
          is_digit(text[j + 1])) {
        sep = text[j];
        ++j;
        continue;
      }
      break;
    }
    if (parts.size() >= 2 && parts.size() <= 3 && (j >= text.size() || !is_alnum(text[j]))) out.push_back(parts);
    i = j;
  }
  return out;
}

std::optional<year_month_day> fit_year(unsigned d, unsigned m, std::optional<int> y, sys_days today, date_range range) {
  const year_month_day t{today};
  year_month_day ymd{y ? year{*y} : t.year(), month{m}, day{d}};
  if (!ymd.ok()) {
    // 29 February without a year: try the years around.
    if (y) return std::nullopt;
    for (int k = 1; k <= 4 && !ymd.ok(); ++k)
      ymd = year_month_day{t.year() + years{range == date_range::future ? k : -k}, month{m}, day{d}};
    if (!ymd.ok()) return std::nullopt;
  }
  if (!y) {
    if (range == date_range::past && sys_days{ymd} > today)
      ymd = year_month_day{ymd.year() - years{1}, ymd.month(), ymd.day()};
    if (range == date_range::future && sys_days{ymd} < today)
      ymd = year_month_day{ymd.year() + years{1}, ymd.month(), ymd.day()};
    if (!ymd.ok()) return std::nullopt;
  }
  return ymd;
}

std::optional<year_month_day> find_date(std::string_view text, std::string_view locale, sys_days today,
                                        date_range range) {
  const auto words = tokenise(text, 32);
  auto has = [&](std::string_view w) { return std::find(words.begin(), words.end(), w) != words.end(); };
  if (has("today") || (has("this") && has("morning")) || has("tonight")) return year_month_day{today};
  if (has("yesterday")) {
    const bool before = has("before");
    return year_month_day{today - days{before ? 2 : 1}};
  }
  if (has("tomorrow")) {
    const bool after = has("after");
    return year_month_day{today + days{after ? 2 : 1}};
  }
  for (const auto& parts : numeric_dates(text)) {
    if (parts.size() == 3 && parts[0].size() == 4) {  // 2026-03-05
      const auto y = year_of(parts[0]);
      const auto m = day_of(parts[1]);
      const auto d = day_of(parts[2]);
      if (y && m && d) return fit_year(*d, *m, y, today, range);
      return std::nullopt;
    }
    const bool month_first = locale == "en-US" || locale == "en_US";
    const auto a = day_of(parts[0]);
    const auto b = day_of(parts[1]);
    std::optional<int> y;
    if (parts.size() == 3) {
      y = year_of(parts[2]);
      if (!y) return std::nullopt;
    }
    if (!a || !b) return std::nullopt;
    return month_first ? fit_year(*b, *a, y, today, range) : fit_year(*a, *b, y, today, range);
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto m = month_of(words[i]);
    if (!m) continue;
    std::optional<unsigned> d;
    // "5 March", "5th of March", "March 5", "March the 5th", then an optional year.
    if (i >= 1 && (d = day_of(words[i - 1]))) {
    } else if (i >= 2 && words[i - 1] == "of" && (d = day_of(words[i - 2]))) {
    } else if (i + 1 < words.size() && (d = day_of(words[i + 1]))) {
      ++i;
    } else if (i + 2 < words.size() && words[i + 1] == "the" && (d = day_of(words[i + 2]))) {
      i += 2;
    }
    if (!d) continue;
    const bool has_year = i + 1 < words.size() && words[i + 1].size() == 4;
    return fit_year(*d, *m, has_year ? year_of(words[i + 1]) : std::nullopt, today, range);
  }
  return std::nullopt;
}

// Index of the first position where `phrase` occurs in `words` (typo-tolerant), or npos.
bool phrase_in(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (std::size_t i = 0; i + phrase.size() <= words.size(); ++i) {
    bool all = true;
    for (std::size_t k = 0; k < phrase.size() && all; ++k) {
      const auto& w = words[i + k];
      const auto& p = phrase[k];
      all = w == p || (w.size() >= 4 && p.size() >= 4 && is_alpha_token(w) && one_edit_apart(w, p));
    }
    if (all) return true;
  }
  return false;
}

}  // namespace

std::optional<yes_no> parse_yes_no(std::string_view text) {
  const auto words = tokenise(text, 16);
  if (words.empty()) return std::nullopt;
  for (const auto& w : words) {
    if (contains({"no", "n", "nope", "nah", "not", "negative", "never", "nay", "incorrect", "wrong"}, w))
      return yes_no::no;
  }
  for (const auto& w : words) {
    if (contains({"yes",       "y",           "yeah",       "yea",        "yep",       "yup",     "ya",
                  "sure",      "ok",          "okay",       "k",          "correct",   "right",   "confirm",
                  "confirmed", "affirmative", "absolutely", "definitely", "certainly", "indeed",  "please",
                  "proceed",   "go",          "agreed",     "agree",      "fine",      "alright", "true"},
                 w)) {
      return yes_no::yes;
    }
  }
  const auto all = normalise(text, 16);
  if (contains({"do it", "i do", "that is it", "of course"}, all)) return yes_no::yes;
  return std::nullopt;
}

std::optional<double> parse_number(std::string_view text, std::string_view locale) {
  std::optional<double> found;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i]) || (i > 0 && (is_alnum(text[i - 1])))) {
      ++i;
      continue;
    }
    const bool negative = i > 0 && text[i - 1] == '-' && (i < 2 || !is_alnum(text[i - 2]));
    std::size_t j = i;
    while (j < text.size() && (is_digit(text[j]) || text[j] == ',' || text[j] == '.')) ++j;
    std::size_t end = j;
    while (end > i && (text[end - 1] == ',' || text[end - 1] == '.')) --end;  // "100." ends a sentence
    if (j < text.size() && ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z'))) {
      // "3rd", "10am", "5k": not a plain amount ("20 EUR" with a space is).
      i = j;
      continue;
    }
    if (found) return std::nullopt;  // two numbers: which one?
    const auto v = convert_number(text.substr(i, end - i), locale);
    if (!v) return std::nullopt;
    found = negative ? -*v : *v;
    i = j;
  }
  return found;
}

std::string format_number(double value) {
  if (std::abs(value) < 1e15 && value == std::floor(value)) return std::to_string(static_cast<std::int64_t>(value));
  return fmt::format("{}", value);
}

std::optional<year_month_day> parse_date(std::string_view text, std::string_view locale, sys_days today,
                                         date_range range) {
  auto d = find_date(text, locale, today, range);
  if (!d || !d->ok()) return std::nullopt;
  if (range == date_range::past && sys_days{*d} > today) return std::nullopt;
  if (range == date_range::future && sys_days{*d} < today) return std::nullopt;
  return d;
}

std::optional<std::size_t> match_choice(const std::vector<choice_def>& choices, std::string_view text) {
  std::vector<std::string> words;
  for (const auto& t : tokenise(text, 32)) words.push_back(porter_stem(t));
  if (words.empty()) return std::nullopt;
  static constexpr std::array<std::string_view, 6> ordinals{"first", "second", "third", "fourth", "fifth", "sixth"};
  if (words.size() <= 3) {
    for (const auto& w : words) {
      std::size_t n = 0;
      if (w.size() == 1 && is_digit(w[0])) n = static_cast<std::size_t>(w[0] - '0');
      for (std::size_t k = 0; k < ordinals.size(); ++k) {
        if (w == ordinals[k]) n = k + 1;
      }
      if (n >= 1 && n <= choices.size()) {
        // "2" alone, or "the second (one)", selects by position unless a choice is literally "2".
        bool literal = false;
        for (const auto& c : choices) {
          for (const auto& p : c.phrases) literal = literal || (p.size() == 1 && p[0] == w);
        }
        if (!literal) return n - 1;
      }
    }
  }
  std::optional<std::size_t> best;
  std::size_t best_len = 0;
  bool tie = false;
  for (std::size_t c = 0; c < choices.size(); ++c) {
    std::size_t len = 0;
    for (const auto& p : choices[c].phrases) {
      if (p.size() > len && phrase_in(words, p)) len = p.size();
    }
    if (len == 0) continue;
    if (len > best_len) {
      best = c;
      best_len = len;
      tie = false;
    } else if (len == best_len) {
      tie = true;
    }
  }
  if (tie) return std::nullopt;
  return best;
}

std::optional<std::string> parse_answer(const step_def& step, std::string_view text, const answer_context& ctx) {
  switch (step.expect) {
    case expect_kind::choice: {
      const auto c = match_choice(step.choices, text);
      if (!c) return std::nullopt;
      return step.choices[*c].value;
    }
    case expect_kind::yes_no: {
      const auto yn = parse_yes_no(text);
      if (!yn) return std::nullopt;
      return std::string(*yn == yes_no::yes ? "yes" : "no");
    }
    case expect_kind::number: {
      const auto v = parse_number(text, ctx.locale);
      if (!v || *v < step.min || *v > step.max) return std::nullopt;
      if (step.integer && *v != std::floor(*v)) return std::nullopt;
      return format_number(*v);
    }
    case expect_kind::date: {
      const auto d = parse_date(text, ctx.locale, ctx.today, step.dates);
      if (!d) return std::nullopt;
      return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d->year()), static_cast<unsigned>(d->month()),
                         static_cast<unsigned>(d->day()));
    }
    case expect_kind::text: {
      const auto first = text.find_first_not_of(" \t\r\n");
      if (first == std::string_view::npos) return std::nullopt;
      const auto last = text.find_last_not_of(" \t\r\n");
      const auto trimmed = text.substr(first, last - first + 1);
      if (trimmed.size() > step.max_length || trimmed.size() > ctx.max_value_bytes) return std::nullopt;
      if (step.pattern) {
        try {
          if (!std::regex_match(trimmed.begin(), trimmed.end(), *step.pattern)) return std::nullopt;
        } catch (const std::regex_error&) {
          return std::nullopt;  // the library gave up on this input (complexity or stack)
        }
      }
      return std::string(trimmed);
    }
  }
  return std::nullopt;
}

}  // namespace parley::assistant::detail
