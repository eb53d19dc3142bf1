#include <parley/assistant/matcher.hpp>

#include <gtest/gtest.h>

namespace parley::assistant {
namespace {

std::vector<intent_examples> banking() {
  return {
      {"opening_hours", {"what are your opening hours", "when are you open", "what time do you close"}},
      {"lost_card", {"I lost my card", "my card was stolen", "block my card"}},
      {"card_fees", {"what are the card fees", "how much does a credit card cost"}},
      {"balance", {"what is my balance", "how much money do I have"}},
      {"greeting", {"hello", "hi there", "good morning"}},
  };
}

std::string best(const intent_matcher& m, std::string_view text) {
  const auto r = m.match(text);
  if (r.kind != match_kind::match) return r.kind == match_kind::none ? "none" : "ambiguous";
  return std::to_string(*r.intent);
}

TEST(Matcher, MatchesExamplesAndTheirVariants) {
  const intent_matcher m(banking());
  EXPECT_EQ(best(m, "What are your opening hours?"), "0");
  EXPECT_EQ(best(m, "WHEN ARE YOU OPEN"), "0");
  EXPECT_EQ(best(m, "I lost my card"), "1");
  EXPECT_EQ(best(m, "hello"), "4");
  const auto r = m.match("what is my balance");
  EXPECT_EQ(r.kind, match_kind::match);
  EXPECT_GT(r.score, 0.95);
}

TEST(Matcher, StemmingCoversInflections) {
  const intent_matcher m(banking());
  // "blocking"/"cards" are not in any example; their stems are.
  EXPECT_EQ(best(m, "blocking my cards"), "1");
  EXPECT_EQ(best(m, "my cards were stolen"), "1");
}

TEST(Matcher, ToleratesOneTypoPerWord) {
  const intent_matcher m(banking());
  EXPECT_EQ(best(m, "what is my balanse"), "3");         // substitution
  EXPECT_EQ(best(m, "wat are your openin hours"), "0");  // deletions
  EXPECT_EQ(best(m, "my card was stolne"), "1");         // transposition
  // Words under five letters are not corrected: "lots" is not "lost".
  EXPECT_EQ(best(m, "lots"), "none");
  // A typo scores less than the correct spelling.
  EXPECT_LT(m.match("what is my balanse").score, m.match("what is my balance").score);
  // Two edits away is not a typo of a known word.
  EXPECT_NE(best(m, "blnse"), "3");
}

TEST(Matcher, BelowThresholdIsNoMatch) {
  const intent_matcher m(banking());
  EXPECT_EQ(best(m, "what's the weather like in Paris tomorrow"), "none");
  EXPECT_EQ(best(m, "tell me a joke"), "none");
  EXPECT_EQ(best(m, ""), "none");
  EXPECT_EQ(best(m, "?!"), "none");
  EXPECT_EQ(best(m, "zzzz qqqq"), "none");
  // The score is still reported, for logs and tuning.
  const auto r = m.match("what's the weather like in Paris tomorrow");
  EXPECT_EQ(r.kind, match_kind::none);
  EXPECT_LT(r.score, m.options().threshold);
}

TEST(Matcher, ThresholdIsConfigurable) {
  matcher_options strict;
  strict.threshold = 0.99;
  const intent_matcher m(banking(), strict);
  EXPECT_EQ(best(m, "what is my balance"), "3");  // exact: still matches
  EXPECT_EQ(best(m, "balance"), "none");          // partial: no longer enough
  matcher_options loose;
  loose.threshold = 0.2;
  EXPECT_EQ(best(intent_matcher(banking(), loose), "balance"), "3");
}

TEST(Matcher, CloseTopTwoIsAmbiguous) {
  const intent_matcher m({
      {"card_fees", {"card fees"}},
      {"transfer_fees", {"transfer fees"}},
      {"account_fees", {"account fees"}},
  });
  const auto r = m.match("fees");
  EXPECT_EQ(r.kind, match_kind::ambiguous);
  ASSERT_TRUE(r.intent && r.runner_up);
  EXPECT_NE(*r.intent, *r.runner_up);
  EXPECT_EQ(m.match("card fees").kind, match_kind::match);
  // With no margin, the best one simply wins.
  matcher_options no_margin;
  no_margin.margin = 0;
  no_margin.threshold = 0.3;
  EXPECT_EQ(intent_matcher({{"a", {"card fees"}}, {"b", {"transfer fees"}}}, no_margin).match("fees").kind,
            match_kind::match);
}

TEST(Matcher, IsDeterministic) {
  const intent_matcher a(banking());
  const intent_matcher b(banking());
  for (const char* text : {"fees", "card", "what is my balanse", "hello there", "my card", "xyz"}) {
    const auto ra = a.match(text);
    const auto rb = b.match(text);
    EXPECT_EQ(ra.kind, rb.kind) << text;
    EXPECT_EQ(ra.intent, rb.intent) << text;
    EXPECT_EQ(ra.score, rb.score) << text;
    EXPECT_EQ(ra.runner_up, rb.runner_up) << text;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(a.match(text).score, ra.score);
  }
  // Equal scores: the intent defined first wins.
  const intent_matcher tie({{"first", {"same words"}}, {"second", {"words same"}}}, {0.5, 0.0});
  EXPECT_EQ(tie.match("same words").intent, 0u);
}

TEST(Matcher, HandlesHostileInput) {
  const intent_matcher m(banking());
  std::string huge(1 << 20, 'a');
  EXPECT_EQ(m.match(huge).kind, match_kind::none);
  std::string words;
  for (int i = 0; i < 10000; ++i) words += "card ";
  EXPECT_NO_THROW((void)m.match(words));
  EXPECT_EQ(m.match(std::string("\0\xff\xfe", 3)).kind, match_kind::none);
  const intent_matcher empty({});
  EXPECT_EQ(empty.match("hello").kind, match_kind::none);
  EXPECT_TRUE(empty.scores("hello").empty());
}

TEST(Matcher, CanonicalFormIsNormalisedAndStemmed) {
  EXPECT_EQ(intent_matcher::canonical("Blocking my Cards!"), "block my card");
  EXPECT_EQ(intent_matcher::canonical("I can't"), intent_matcher::canonical("i cannot"));
  EXPECT_EQ(intent_matcher::canonical("..."), "");
}

}  // namespace
}  // namespace parley::assistant
