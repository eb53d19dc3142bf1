#include "slots.hpp"

#include "normalise.hpp"
#include "stemmer.hpp"
#include "template.hpp"

#include <gtest/gtest.h>

#include <random>

namespace parley::assistant::detail {
namespace {

using namespace std::chrono;

constexpr sys_days today = sys_days{year{2026} / March / 15};

std::string date(std::string_view text, date_range range = date_range::any, std::string_view locale = "en-GB") {
  const auto d = parse_date(text, locale, today, range);
  if (!d) return "none";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d->year()), static_cast<unsigned>(d->month()),
                static_cast<unsigned>(d->day()));
  return buf;
}

TEST(Slots, YesNo) {
  for (const char* yes : {"yes", "Yes please", "yeah", "sure!", "OK", "go ahead", "correct", "do it", "y"}) {
    EXPECT_EQ(parse_yes_no(yes), yes_no::yes) << yes;
  }
  for (const char* no : {"no", "No thanks", "nope", "not now", "don't", "please don't", "that's not right", "n"}) {
    EXPECT_EQ(parse_yes_no(no), yes_no::no) << no;
  }
  for (const char* neither : {"", "maybe", "what are your opening hours", "blue"}) {
    EXPECT_FALSE(parse_yes_no(neither)) << neither;
  }
}

TEST(Slots, Numbers) {
  EXPECT_EQ(parse_number("250", "en-GB"), 250);
  EXPECT_EQ(parse_number("send 1,250.50 please", "en-GB"), 1250.5);
  EXPECT_EQ(parse_number("€20", "en-GB"), 20);
  EXPECT_EQ(parse_number("20 EUR", "en-GB"), 20);
  EXPECT_EQ(parse_number("100.", "en-GB"), 100);
  EXPECT_EQ(parse_number("1,000,000", "en-GB"), 1000000);
  EXPECT_EQ(parse_number("12,5", "en-GB"), 12.5);  // not a thousands group
  EXPECT_EQ(parse_number("-5", "en-GB"), -5);
  // Locales with a decimal comma.
  EXPECT_EQ(parse_number("12,50", "de-DE"), 12.5);
  EXPECT_EQ(parse_number("1.250,50", "de-DE"), 1250.5);
  EXPECT_EQ(parse_number("1.000", "de-CH"), 1000);
  EXPECT_EQ(parse_number("1,000", "fr-FR"), 1);
  // Nothing, several, or not an amount.
  EXPECT_FALSE(parse_number("a hundred", "en-GB"));
  EXPECT_FALSE(parse_number("between 10 and 20", "en-GB"));
  EXPECT_FALSE(parse_number("the 3rd", "en-GB"));
  EXPECT_FALSE(parse_number("1,2,3", "en-GB"));
  EXPECT_FALSE(parse_number("99999999999999999999999", "en-GB"));
  EXPECT_EQ(format_number(1000), "1000");
  EXPECT_EQ(format_number(12.5), "12.5");
  EXPECT_EQ(format_number(0.01), "0.01");
}

TEST(Slots, Dates) {
  EXPECT_EQ(date("today"), "2026-03-15");
  EXPECT_EQ(date("it was yesterday"), "2026-03-14");
  EXPECT_EQ(date("the day before yesterday"), "2026-03-13");
  EXPECT_EQ(date("tomorrow"), "2026-03-16");
  EXPECT_EQ(date("2026-02-28"), "2026-02-28");
  EXPECT_EQ(date("on 5/3/2026"), "2026-03-05");
  EXPECT_EQ(date("5/3/2026", date_range::any, "en-US"), "2026-05-03");
  EXPECT_EQ(date("05.03.26"), "2026-03-05");
  EXPECT_EQ(date("5 March"), "2026-03-05");
  EXPECT_EQ(date("the 5th of March 2025"), "2025-03-05");
  EXPECT_EQ(date("March 5th"), "2026-03-05");
  EXPECT_EQ(date("sept 1"), "2026-09-01");
  // Without a year, the range picks it.
  EXPECT_EQ(date("1 December", date_range::past), "2025-12-01");
  EXPECT_EQ(date("1 February", date_range::future), "2027-02-01");
  // Out of range or impossible.
  EXPECT_EQ(date("tomorrow", date_range::past), "none");
  EXPECT_EQ(date("yesterday", date_range::future), "none");
  EXPECT_EQ(date("2026-02-30"), "none");
  EXPECT_EQ(date("31/4/2026"), "none");
  EXPECT_EQ(date("whenever"), "none");
  EXPECT_EQ(date("may I ask something"), "none");
}

std::vector<choice_def> cards() {
  auto phrases = [](std::initializer_list<const char*> list) {
    std::vector<std::vector<std::string>> out;
    for (const char* p : list) {
      std::vector<std::string> words;
      for (const auto& w : tokenise(p)) words.push_back(porter_stem(w));
      out.push_back(words);
    }
    return out;
  };
  return {{"debit", "Debit card", phrases({"debit", "debit card", "bank card"})},
          {"credit", "Credit card", phrases({"credit", "credit card", "visa"})}};
}

TEST(Slots, Choices) {
  const auto c = cards();
  EXPECT_EQ(match_choice(c, "Debit card"), 0u);
  EXPECT_EQ(match_choice(c, "it's my VISA"), 1u);
  EXPECT_EQ(match_choice(c, "the bank card please"), 0u);
  EXPECT_EQ(match_choice(c, "credt"), 1u);  // one typo
  EXPECT_EQ(match_choice(c, "2"), 1u);      // by position
  EXPECT_EQ(match_choice(c, "the first one"), 0u);
  EXPECT_FALSE(match_choice(c, "both, debit and credit"));  // a tie
  EXPECT_FALSE(match_choice(c, "my library card"));
  EXPECT_FALSE(match_choice(c, "3"));
  EXPECT_FALSE(match_choice(c, ""));
}

TEST(Slots, TextWithPattern) {
  step_def step;
  step.kind = step_kind::ask;
  step.expect = expect_kind::text;
  step.max_length = 10;
  step.pattern.emplace("[0-9]{6}", std::regex::ECMAScript | std::regex_constants::__polynomial);
  const answer_context ctx{"en-GB", today, 512};
  EXPECT_EQ(parse_answer(step, "  123456 ", ctx), "123456");
  EXPECT_FALSE(parse_answer(step, "12345", ctx));
  EXPECT_FALSE(parse_answer(step, "1234567", ctx));
  EXPECT_FALSE(parse_answer(step, "   ", ctx));
  EXPECT_FALSE(parse_answer(step, std::string(11, '1'), ctx));
}

TEST(Slots, NumberRangeAndInteger) {
  step_def step;
  step.kind = step_kind::ask;
  step.expect = expect_kind::number;
  step.min = 1;
  step.max = 100;
  step.integer = true;
  const answer_context ctx{"en-GB", today, 512};
  EXPECT_EQ(parse_answer(step, "42", ctx), "42");
  EXPECT_FALSE(parse_answer(step, "0", ctx));
  EXPECT_FALSE(parse_answer(step, "101", ctx));
  EXPECT_FALSE(parse_answer(step, "4.5", ctx));
}

TEST(Slots, PolynomialRegexSurvivesHostileInput) {
  // (a+)+b backtracks exponentially in a depth-first engine; the breadth-first one is linear.
  step_def step;
  step.kind = step_kind::ask;
  step.expect = expect_kind::text;
  step.max_length = 1000;
  step.pattern.emplace("(a+)+b", std::regex::ECMAScript | std::regex_constants::__polynomial);
  const answer_context ctx{"en-GB", today, 1000};
  // A depth-first engine would not return before the test's timeout.
  EXPECT_FALSE(parse_answer(step, std::string(900, 'a'), ctx));
  EXPECT_EQ(parse_answer(step, std::string(900, 'a') + "b", ctx), std::string(900, 'a') + "b");
}

}  // namespace
}  // namespace parley::assistant::detail

namespace parley::assistant::detail {
namespace {

// Every parser of user text, on random bytes and on random mixes of meaningful pieces: no
// crash, no exception, no hang. Fixed seed, so a failure is reproducible.
TEST(Robustness, ParsersSurviveRandomInput) {
  std::mt19937 gen(2026);
  const char* pieces[] = {
      "1", ",", ".", "/", "-",  "2026", "march", "yes", "no",   "don't", "'", "\xe2\x82\xac", "\xc3", "\xff",
      " ", "{", "}", "*", "\n", "31",   "the",   "of",  "card", "visa",  "0", "99999999999"};
  const auto c = cards();
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int n = static_cast<int>(gen() % 24);
    for (int k = 0; k < n; ++k) {
      if (gen() % 3 == 0) {
        s += static_cast<char>(gen() % 256);
      } else {
        s += pieces[gen() % std::size(pieces)];
      }
    }
    (void)tokenise(s);
    (void)parse_yes_no(s);
    (void)parse_number(s, i % 2 ? "en-US" : "de-DE");
    (void)parse_date(s, "en-US", today, date_range::any);
    (void)match_choice(c, s);
    (void)sanitise_utf8(s);
    (void)escape_markdown(s);
    std::string err;
    (void)text_template::parse(s, err);
  }
  SUCCEED();
}

}  // namespace
}  // namespace parley::assistant::detail
