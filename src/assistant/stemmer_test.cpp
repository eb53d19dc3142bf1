#include "stemmer.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace parley::assistant::detail {
namespace {

// Pairs from Porter's paper (1980) and from his published voc.txt/output.txt.
TEST(PorterStemmer, PublishedExamples) {
  const std::pair<const char*, const char*> cases[] = {
      {"caresses", "caress"},
      {"ponies", "poni"},
      {"ties", "ti"},
      {"caress", "caress"},
      {"cats", "cat"},
      {"feed", "feed"},
      {"agreed", "agre"},
      {"plastered", "plaster"},
      {"bled", "bled"},
      {"motoring", "motor"},
      {"sing", "sing"},
      {"conflated", "conflat"},
      {"troubled", "troubl"},
      {"sized", "size"},
      {"hopping", "hop"},
      {"tanned", "tan"},
      {"falling", "fall"},
      {"hissing", "hiss"},
      {"fizzed", "fizz"},
      {"failing", "fail"},
      {"filing", "file"},
      {"happy", "happi"},
      {"sky", "sky"},
      {"relational", "relat"},
      {"conditional", "condit"},
      {"rational", "ration"},
      {"valenci", "valenc"},
      {"hesitanci", "hesit"},
      {"digitizer", "digit"},
      {"conformabli", "conform"},
      {"radicalli", "radic"},
      {"differentli", "differ"},
      {"vileli", "vile"},
      {"analogousli", "analog"},
      {"vietnamization", "vietnam"},
      {"predication", "predic"},
      {"operator", "oper"},
      {"feudalism", "feudal"},
      {"decisiveness", "decis"},
      {"hopefulness", "hope"},
      {"callousness", "callous"},
      {"formaliti", "formal"},
      {"sensitiviti", "sensit"},
      {"sensibiliti", "sensibl"},
      {"triplicate", "triplic"},
      {"formative", "form"},
      {"formalize", "formal"},
      {"electriciti", "electr"},
      {"electrical", "electr"},
      {"hopeful", "hope"},
      {"goodness", "good"},
      {"revival", "reviv"},
      {"allowance", "allow"},
      {"inference", "infer"},
      {"airliner", "airlin"},
      {"gyroscopic", "gyroscop"},
      {"adjustable", "adjust"},
      {"defensible", "defens"},
      {"irritant", "irrit"},
      {"replacement", "replac"},
      {"adjustment", "adjust"},
      {"dependent", "depend"},
      {"adoption", "adopt"},
      {"homologou", "homolog"},
      {"communism", "commun"},
      {"activate", "activ"},
      {"angulariti", "angular"},
      {"homologous", "homolog"},
      {"effective", "effect"},
      {"bowdlerize", "bowdler"},
      {"probate", "probat"},
      {"rate", "rate"},
      {"cease", "ceas"},
      {"controll", "control"},
      {"roll", "roll"},
      {"generalizations", "gener"},
      {"oscillators", "oscil"},
  };
  for (const auto& [word, stem] : cases) EXPECT_EQ(porter_stem(word), stem) << word;
}

TEST(PorterStemmer, BankingInflectionsShareAStem) {
  EXPECT_EQ(porter_stem("blocking"), porter_stem("block"));
  EXPECT_EQ(porter_stem("blocked"), porter_stem("blocks"));
  EXPECT_EQ(porter_stem("transfers"), porter_stem("transferring"));
  EXPECT_EQ(porter_stem("fees"), porter_stem("fee"));
  EXPECT_EQ(porter_stem("branches"), porter_stem("branch"));
  EXPECT_EQ(porter_stem("opening"), porter_stem("open"));
}

TEST(PorterStemmer, LeavesShortAndNonAlphabeticWordsAlone) {
  EXPECT_EQ(porter_stem("is"), "is");
  EXPECT_EQ(porter_stem("a"), "a");
  EXPECT_EQ(porter_stem(""), "");
  EXPECT_EQ(porter_stem("100"), "100");
  EXPECT_EQ(porter_stem("5th"), "5th");
  EXPECT_EQ(porter_stem("\xd0\xba\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0"), "\xd0\xba\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0");
}

}  // namespace
}  // namespace parley::assistant::detail
