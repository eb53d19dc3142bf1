#include <parley/core/config.hpp>
#include <parley/core/toml_text.hpp>

#include <gtest/gtest.h>

namespace parley::core {
namespace {

using namespace std::string_literals;

// Each of these aborted toml++ 3.3.0 (an assertion; undefined behaviour with NDEBUG): found by the
// config fuzz target (src/app/fuzz/corpus/config/regress-*).
const std::string crashed_toml[] = {
    "[\fnet]\n",       "[\vnet]\n",           "[\rnet]\n",          "[[\fnet.listeners]]\n",
    "[\xc2\x85net]\n", "[\xe2\x80\xa8net]\n", "[\xe2\x80\xa9net]\n"};

TEST(TomlText, RefusesWhatTomlForbidsBeforeTomlPlusPlusSeesIt) {
  for (const auto& text : crashed_toml) EXPECT_TRUE(toml_character_error(text)) << text;
  EXPECT_EQ(toml_character_error("a = 1\nb = \"x\0\"\n"s), "2:7: a control character (not allowed in TOML)");
  EXPECT_EQ(toml_character_error("a = 1\r\nb = 2\r"), "2:6: a carriage return not followed by a line feed");
  EXPECT_TRUE(toml_character_error("# comment \x7f\n"));
}

// These too (the assistant fuzz target, src/assistant/fuzz/corpus/assistant/regress-comment-in-table-header):
// a table header whose first key starts with neither a bare-key character nor a quote.
const std::string bad_headers[] = {"[#\n", "[ #x]\n", "[[#x]]\n", "[[ #]]\n", "[=]\n", "[.a]\n", "[\t#]\n",
                                   "[\xc3\xa9]\n", "[\n", "[\r\n", "[[\n", "[ \n", "a = 1\n  [ !x]\n",
                                   // and a '}' where an array's value belongs (regress-brace-in-array)
                                   "a = [}\n", "a = [1, }\n", "a = [ # c\r\n }\n", "a = { b = [} ] }\n", "a = [[}\n"};

TEST(TomlText, RefusesATableHeaderThatDoesNotStartWithAKey) {
  for (const auto& text : bad_headers) EXPECT_TRUE(toml_character_error(text)) << text;
  EXPECT_EQ(toml_character_error("a = 1\n\n  [ #x]\n"), "3:5: a table header must start with a key");
  for (const auto& text : bad_headers) {
    auto c = config::parse(text, {}, "parley.toml");
    EXPECT_FALSE(c->ok()) << text;
  }
}

TEST(TomlText, ABracketThatIsNotATableHeaderPasses) {
  // Inside arrays (a nested array may start a line, a comment may follow it), strings and comments.
  const std::string valid[] = {
      "a = [\n[ # the first pair\n1, 2],\n[3]\n]\n",
      "a = { b = [\n] }\n",
      "s = \"\"\"\n[#not a header\n\"\"\"\n[t]\n",
      "s = \'\'\'\n[=\n\'\'\'\n",
      "s = \"\"\"a\"\"\"\"\n[t]\n",
      "s = \"\\\"[\"\n[t]\n",
      "# [#\n[\"quoted key\"]\n[\'literal\'.b]\n[ a . b ]\n[[ arr ]]\n",
      "\"a[\" = 1\n[b]\n",
      "a = [ {b = 1}, {c = [2, 3]} ]\r\n[t]\n",
      "a = [1, \"}\"]\n",
  };
  for (const auto& text : valid) {
    EXPECT_FALSE(toml_character_error(text)) << text;
    EXPECT_TRUE(config::parse(text, {}, "parley.toml")->ok()) << text;
  }
}

TEST(TomlText, AcceptsOrdinaryToml) {
  EXPECT_FALSE(toml_character_error(""));
  EXPECT_FALSE(toml_character_error("[net]\r\nport = 8080\t# tab and CR LF\r\nname = \"Zürich – ok\"\n"));
  EXPECT_FALSE(toml_character_error("s = \"\\u2028 escaped is fine\"\n"));
}

TEST(TomlText, ConfigurationReportsTheCharacterWithItsPlace) {
  for (const auto& text : crashed_toml) {
    auto c = config::parse(text, {}, "parley.toml");
    EXPECT_FALSE(c->ok()) << text;
  }
  auto c = config::parse("[net]\nport = 1\f\n", {}, "parley.toml");
  ASSERT_EQ(c->errors().size(), 1u);
  EXPECT_EQ(c->errors()[0], "parley.toml:2:9: a control character (not allowed in TOML)");
}

TEST(TomlText, AnOverrideWithAControlCharacterIsAPlainString) {
  auto c = config::parse("[net]\n", {{"PARLEY_NET__NAME", "[\fx]"}}, "parley.toml");
  auto net = c->section("net");
  EXPECT_EQ(net.string("name"), "[\fx]");
}

}  // namespace
}  // namespace parley::core
