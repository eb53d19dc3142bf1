#include "template.hpp"

#include <gtest/gtest.h>

#include <map>

namespace parley::assistant::detail {
namespace {

std::string render(std::string_view text, const std::map<std::string, dialog_value, std::less<>>& values) {
  std::string err;
  auto t = text_template::parse(text, err);
  EXPECT_TRUE(t) << err;
  if (!t) return {};
  return t->render([&](std::string_view name) -> const dialog_value* {
    const auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  });
}

TEST(Template, InsertsValues) {
  EXPECT_EQ(render("Your balance is {balance}.", {{"balance", std::string("€1,250.00")}}),
            "Your balance is €1,250.00.");
  EXPECT_EQ(render("{a}{b}", {{"a", std::string("x")}, {"b", std::string("y")}}), "xy");
  EXPECT_EQ(render("missing: {nothing}!", {}), "missing: !");
  EXPECT_EQ(render("no placeholders", {}), "no placeholders");
}

TEST(Template, LiteralBraces) {
  EXPECT_EQ(render("{{not a placeholder}} {x}", {{"x", std::string("1")}}), "{not a placeholder} 1");
}

TEST(Template, RejectsBadSyntax) {
  std::string err;
  EXPECT_FALSE(text_template::parse("Hello {name", err));
  EXPECT_NE(err.find("unclosed"), std::string::npos);
  EXPECT_FALSE(text_template::parse("Hello name}", err));
  EXPECT_NE(err.find("unmatched"), std::string::npos);
  EXPECT_FALSE(text_template::parse("Hello {Name}", err));
  EXPECT_FALSE(text_template::parse("Hello {}", err));
  EXPECT_FALSE(text_template::parse("Hello {a b}", err));
}

TEST(Template, ListsNames) {
  std::string err;
  auto t = text_template::parse("{a} and {b_2} and {a}", err);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->names(), (std::vector<std::string>{"a", "b_2", "a"}));
}

TEST(Template, EscapesValuesForMarkdown) {
  // A user or a back end cannot inject emphasis, links, images, HTML or code.
  EXPECT_EQ(render("You said: {text}", {{"text", std::string("**bold** [x](http://evil) <b>_i_ `c` ~s~ | t")}}),
            "You said: \\*\\*bold\\*\\* \\[x\\](http://evil) \\<b\\>\\_i\\_ \\`c\\` \\~s\\~ \\| t");
  // ... nor start a block: newlines flatten, a leading marker is escaped.
  EXPECT_EQ(render("{text}", {{"text", std::string("# Title\n- item\n> quote")}}), "\\# Title - item \\> quote");
  EXPECT_EQ(render("{text}", {{"text", std::string("1. first")}}), "1\\. first");
  EXPECT_EQ(render("{text}", {{"text", std::string("- x")}}), "\\- x");
  EXPECT_EQ(render("{text}", {{"text", std::string("---")}}), "\\---");
  EXPECT_EQ(render("{text}", {{"text", std::string("\\")}}), "\\\\");
  // Numbers are not list markers.
  EXPECT_EQ(render("{text}", {{"text", std::string("-5")}}), "-5");
  EXPECT_EQ(render("{text}", {{"text", std::string("250.5")}}), "250.5");
  EXPECT_EQ(render("{text}", {{"text", std::string("BX-2026-0042")}}), "BX-2026-0042");
  // Ordinary text is unchanged.
  EXPECT_EQ(render("{text}", {{"text", std::string("Hello, world! It's 10:30 (CET).")}}),
            "Hello, world! It's 10:30 (CET).");
}

TEST(Template, RendersListsAsBullets) {
  EXPECT_EQ(render("Latest:\n\n{tx}", {{"tx", std::vector<std::string>{"Coffee -€3", "Salary *+€2000*"}}}),
            "Latest:\n\n- Coffee -€3\n- Salary \\*+€2000\\*");
  EXPECT_EQ(render("[{tx}]", {{"tx", std::vector<std::string>{}}}), "[]");
}

}  // namespace
}  // namespace parley::assistant::detail
