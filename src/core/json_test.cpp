#include <parley/core/json.hpp>

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(Json, ParsesObjects) {
  auto v = parse_json_object(R"({"a":1,"b":{"c":[true,null,"x"]},"d":1.5})");
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(get_int(*v, "a"), 1);
  ASSERT_TRUE(get_object(*v, "b"));
  EXPECT_EQ(get_array(*get_object(*v, "b"), "c")->size(), 3u);
  EXPECT_FALSE(get_string(*v, "a"));
}

TEST(Json, RefusesDuplicateMembersAtAnyDepth) {
  EXPECT_EQ(parse_json(R"({"a":1,"a":2})").error(), errc::duplicate_key);
  EXPECT_EQ(parse_json(R"({"x":{"alg":"RS256","alg":"none"}})").error(), errc::duplicate_key);
  // Same name in sibling objects is fine.
  EXPECT_TRUE(parse_json(R"([{"a":1},{"a":2}])"));
}

TEST(Json, DuplicateDetectionScalesToLargeObjects) {
  std::string doc = "{";
  for (int i = 0; i < 5000; ++i) doc += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  doc += "\"k17\":0}";
  EXPECT_EQ(parse_json(doc, {.max_bytes = 1 << 20}).error(), errc::duplicate_key);
}

TEST(Json, RefusesTrailingDataCommentsAndBadUtf8) {
  EXPECT_EQ(parse_json(R"({"a":1} x)").error(), errc::parse_error);
  EXPECT_EQ(parse_json(R"({"a":1,})").error(), errc::parse_error);
  EXPECT_EQ(parse_json("{/*c*/\"a\":1}").error(), errc::parse_error);
  EXPECT_EQ(parse_json("\"\xff\"").error(), errc::parse_error);
  EXPECT_EQ(parse_json("").error(), errc::parse_error);
  EXPECT_EQ(parse_json("{\"a\":").error(), errc::parse_error);
}

TEST(Json, EnforcesLimits) {
  EXPECT_EQ(parse_json(std::string(100, ' '), {.max_bytes = 10}).error(), errc::too_large);
  EXPECT_EQ(parse_json(std::string(40, '[') + std::string(40, ']')).error(), errc::parse_error);
  EXPECT_TRUE(parse_json(std::string(20, '[') + std::string(20, ']')));
}

// Found by the json fuzz target: 1e400 parsed as infinity, which serialises as "Infinity".
TEST(Json, RefusesNumbersOutOfRange) {
  EXPECT_EQ(parse_json("1e400").error(), errc::parse_error);
  EXPECT_EQ(parse_json(R"({"value":-1e400})").error(), errc::parse_error);
  EXPECT_TRUE(parse_json("1.7e308"));
  EXPECT_TRUE(parse_json("1e-400"));  // underflows to zero: still a number
}

TEST(Json, ObjectRequired) { EXPECT_FALSE(parse_json_object("[1]")); }

}  // namespace
}  // namespace parley::core
