#include <parley/net/cookies.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

header_view with(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  header_view h;
  for (const auto& [n, v] : fields) h.add(n, v);
  return h;
}

TEST(cookies, reads_pairs_of_every_cookie_field_in_order) {
  const auto h = with({{"Cookie", "a=1; b=two"}, {"Accept", "x"}, {"cookie", "c="}});
  const auto all = parse_cookies(h);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[0].value, "1");
  EXPECT_EQ(all[1].name, "b");
  EXPECT_EQ(all[1].value, "two");
  EXPECT_EQ(all[2].name, "c");
  EXPECT_EQ(all[2].value, "");
}

TEST(cookies, skips_malformed_pairs_without_losing_the_others) {
  const auto h =
      with({{"Cookie", "bad name=1; noequals; x=\"q\"; y=a b; z=a\\b; __Host-s=ok; w=a,b; =v; v=\"unterminated"}});
  const auto all = parse_cookies(h);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].name, "x");
  EXPECT_EQ(all[0].value, "\"q\"");  // kept as sent, never unquoted
  EXPECT_EQ(all[1].name, "__Host-s");
  EXPECT_EQ(all[1].value, "ok");
}

TEST(cookies, names_compare_case_sensitively_and_duplicates_are_a_conflict) {
  const auto h = with({{"Cookie", "sid=a; SID=b"}});
  auto one = find_cookie(h, "sid");
  ASSERT_TRUE(one);
  EXPECT_EQ(**one, "a");
  EXPECT_FALSE(*find_cookie(h, "Sid"));
  const auto twice = with({{"Cookie", "sid=a"}, {"Cookie", "sid=b"}});
  auto dup = find_cookie(twice, "sid");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), errc::conflict);
}

TEST(cookies, reading_is_bounded) {
  std::string many;
  for (int i = 0; i < 200; ++i) many += "c" + std::to_string(i) + "=v; ";
  const auto h = with({{"Cookie", many}});
  EXPECT_EQ(parse_cookies(h, {.max_cookies = 10}).size(), 10U);
}

TEST(cookies, formats_a_host_prefixed_session_cookie) {
  set_cookie c;
  c.name = "__Host-parley-desk";
  c.value = "bankx.abc_-";
  auto v = format_set_cookie(c);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "__Host-parley-desk=bankx.abc_-; Path=/; Secure; HttpOnly; SameSite=Strict");
  c.max_age = std::chrono::seconds{0};
  c.value.clear();
  EXPECT_EQ(*format_set_cookie(c), "__Host-parley-desk=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict");
  c.same_site = same_site::lax;
  c.max_age = std::chrono::seconds{600};
  EXPECT_EQ(*format_set_cookie(c), "__Host-parley-desk=; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Lax");
}

TEST(cookies, refuses_what_would_break_the_header_or_a_prefix_rule) {
  set_cookie c;
  c.name = "__Host-x";
  c.value = "v";
  c.secure = false;
  EXPECT_FALSE(format_set_cookie(c));
  c.secure = true;
  c.path = "/desk";
  EXPECT_FALSE(format_set_cookie(c));
  c.path = "/";
  c.domain = "bank.example";
  EXPECT_FALSE(format_set_cookie(c));
  c = set_cookie{};
  c.name = "__Secure-x";
  c.value = "v";
  c.secure = false;
  EXPECT_FALSE(format_set_cookie(c));
  c = set_cookie{};
  c.name = "a";
  for (const char* bad : {"a;b", "a b", "a\"b", "a,b", "a\\b", "a\rb"}) {
    c.value = bad;
    EXPECT_FALSE(format_set_cookie(c)) << bad;
  }
  c.value = "v";
  c.name = "a=b";
  EXPECT_FALSE(format_set_cookie(c));
  c.name = "a";
  c.path = "/x;Domain=evil";
  EXPECT_FALSE(format_set_cookie(c));
  c.path = "/";
  c.domain = "evil;x";
  EXPECT_FALSE(format_set_cookie(c));
  c.domain.clear();
  c.secure = false;
  c.same_site = same_site::none;
  EXPECT_FALSE(format_set_cookie(c));
}

}  // namespace
}  // namespace parley::net
