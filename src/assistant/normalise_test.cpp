#include "normalise.hpp"

#include <gtest/gtest.h>

namespace parley::assistant::detail {
namespace {

TEST(Normalise, LowerCasesAndDropsPunctuation) {
  EXPECT_EQ(normalise("Hello, World!!! What's UP?"), "hello world what is up");
  EXPECT_EQ(normalise("  e-mail / phone:  "), "e mail phone");
  EXPECT_EQ(normalise(""), "");
  EXPECT_EQ(normalise("?!..."), "");
}

TEST(Normalise, FoldsAccentsToAscii) {
  EXPECT_EQ(normalise("Café Crème"), "cafe creme");
  EXPECT_EQ(normalise("Straße Œuvre Ærø Łódź"), "strasse oeuvre aero lodz");
  EXPECT_EQ(normalise("ÀÉÎÕÜ àéîõü ñ ç"), "aeiou aeiou n c");
  // Decomposed accents (e + combining acute) fold the same way.
  EXPECT_EQ(normalise("cafe\xcc\x81"), "cafe");
}

TEST(Normalise, ExpandsContractions) {
  EXPECT_EQ(normalise("I can't log in"), "i can not log in");
  EXPECT_EQ(normalise("I won't, you're, we've, I'll, she'd, I'm"), "i will not you are we have i will she would i am");
  EXPECT_EQ(normalise("doesn't isn't"), "does not is not");
  EXPECT_EQ(normalise("what's where's it's"), "what is where is it is");
  EXPECT_EQ(normalise("the card's PIN"), "the card pin");
  // Typed without the apostrophe.
  EXPECT_EQ(normalise("dont cant im whats"), "do not can not i am what is");
  // Curly apostrophes, as phones type them.
  EXPECT_EQ(normalise("I don\xe2\x80\x99t know"), "i do not know");
  EXPECT_EQ(normalise("'quoted'"), "quoted");
}

TEST(Normalise, KeepsDigitsAndForeignLettersAsWords) {
  EXPECT_EQ(normalise("send 100 EUR"), "send 100 eur");
  EXPECT_EQ(normalise("\xd0\xba\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0 ok"), "\xd0\xba\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0 ok");
  // Emoji and symbols separate words.
  EXPECT_EQ(normalise("hi\xf0\x9f\x98\x80there \xe2\x82\xac"
                      "20"),
            "hi there 20");
}

TEST(Normalise, SurvivesInvalidUtf8) {
  EXPECT_EQ(normalise("ab\xff\xfe"
                      "cd"),
            "ab cd");
  EXPECT_EQ(normalise("\xc3"), "");
  EXPECT_EQ(normalise("x\xe2\x82"), "x");
  EXPECT_EQ(normalise("\xc0\xaf"), "");  // overlong '/'
  EXPECT_EQ(normalise("a\xed\xa0\x80"
                      "b"),
            "a b");  // a surrogate
}

TEST(Normalise, SanitisesUtf8) {
  EXPECT_EQ(sanitise_utf8("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(sanitise_utf8("a\xff"
                          "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(sanitise_utf8("\xc0\xaf"), "\xef\xbf\xbd");  // one overlong sequence
  EXPECT_EQ(sanitise_utf8("\xef\xbf\xbd"), "\xef\xbf\xbd");
  EXPECT_EQ(sanitise_utf8(""), "");
}

TEST(Normalise, CutsVeryLongWords) {
  const auto t = tokenise(std::string(100000, 'a') + " card");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].size(), max_word_bytes);
  EXPECT_EQ(t[1], "card");
}

TEST(Normalise, StopsAfterMaxTokens) {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "word ";
  EXPECT_EQ(tokenise(many, 64).size(), 64u);
  EXPECT_EQ(tokenise("a b c", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(tokenise("don't", 1), (std::vector<std::string>{"do"}));
}

TEST(Normalise, OneEditApart) {
  EXPECT_TRUE(one_edit_apart("balance", "balanse"));    // substitution
  EXPECT_TRUE(one_edit_apart("password", "pasword"));   // deletion
  EXPECT_TRUE(one_edit_apart("card", "cardd"));         // insertion
  EXPECT_TRUE(one_edit_apart("transfer", "tranfser"));  // transposition
  EXPECT_FALSE(one_edit_apart("card", "card"));
  EXPECT_FALSE(one_edit_apart("card", "cart1"));
  EXPECT_FALSE(one_edit_apart("balance", "bal"));
  EXPECT_FALSE(one_edit_apart("abcd", "badc"));
}

}  // namespace
}  // namespace parley::assistant::detail
