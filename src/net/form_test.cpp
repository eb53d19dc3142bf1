#include <parley/net/form.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(form, decodes_pairs_strictly) {
  auto f = parse_form("logout_token=eyJ.a%2Bb.c&x=two+words&empty=&flag");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->get("logout_token"), "eyJ.a+b.c");
  EXPECT_EQ(f->get("x"), "two words");
  EXPECT_EQ(f->get("empty"), "");
  EXPECT_EQ(f->get("flag"), "");
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("a=%00"));
  EXPECT_EQ(parse_form("a=1&b=2&c=3", 2).error(), errc::payload_too_large);
}

TEST(form, recognises_the_content_type) {
  request r;
  r.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_TRUE(is_form(r));
  request j;
  j.headers.add("Content-Type", "application/json");
  EXPECT_FALSE(is_form(j));
  EXPECT_FALSE(is_form(request{}));
}

}  // namespace
}  // namespace parley::net
