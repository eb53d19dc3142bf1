#include "uri.hpp"

#include <gtest/gtest.h>

namespace parley::net::detail {
namespace {

TEST(uri, percent_decode) {
  EXPECT_EQ(percent_decode("a%20b%2fc", false), "a b/c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%C3%A9", false), "\xC3\xA9");
  EXPECT_EQ(percent_decode("", false), "");
}

TEST(uri, percent_decode_refuses_malformed_escapes_and_nul) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%g0", false));
  EXPECT_FALSE(percent_decode("a%00", false));
  EXPECT_FALSE(percent_decode(std::string_view("a\0b", 3), false));
}

TEST(uri, parse_query) {
  param_list q;
  ASSERT_TRUE(parse_query("t=abc&watermark=&x=a+b%26c&&flag&t=second", q));
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q.get("t"), "abc");  // first wins in get()
  EXPECT_EQ(q.get("watermark"), "");
  EXPECT_EQ(q.get("x"), "a b&c");
  EXPECT_EQ(q.get("flag"), "");
  EXPECT_FALSE(q.get("missing"));
}

TEST(uri, parse_query_refuses_bad_escapes) {
  param_list q;
  EXPECT_FALSE(parse_query("a=%zz", q));
}

TEST(uri, split_target) {
  auto p = split_target("/a/b?x=1?y");
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_EQ(p.query, "x=1?y");
  p = split_target("/plain");
  EXPECT_EQ(p.path, "/plain");
  EXPECT_EQ(p.query, "");
}

TEST(uri, percent_encode_round_trips) {
  const std::string raw = "a b&c=d/é~_.-";
  EXPECT_EQ(percent_encode(raw, true), "a+b%26c%3Dd%2F%C3%A9~_.-");
  EXPECT_EQ(percent_encode(raw, false), "a%20b%26c%3Dd%2F%C3%A9~_.-");
  EXPECT_EQ(percent_decode(percent_encode(raw, true), true), raw);
}

}  // namespace
}  // namespace parley::net::detail
