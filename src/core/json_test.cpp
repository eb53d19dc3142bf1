#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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
  EXPECT_FALSE(parse_json(std::string(40, '[') + std::string(40, ']')));
  EXPECT_TRUE(parse_json(std::string(20, '[') + std::string(20, ']')));
}

TEST(Json, ObjectRequired) { EXPECT_FALSE(parse_json_object("[1]")); }

// Boost.JSON turns an out-of-range number into an infinite double, which its serialiser writes as
// the bare token Infinity: not JSON, and every later reader of the document fails (issue 21, 4).
TEST(Json, RefusesNumbersThatAreNotFinite) {
  for (const std::string& doc : std::vector<std::string>{"1e309", "-1e309", "-1e999999", "[1E400]", "{\"value\":1e309}",
                                                        std::string(400, '9'), "-" + std::string(100'000, '7'),
                                                        std::string(320, '1') + ".5"}) {
    const auto v = parse_json(doc, {.max_bytes = 1 << 20});
    ASSERT_FALSE(v) << doc.substr(0, 40);
    EXPECT_EQ(v.error(), errc::non_finite_number) << doc.substr(0, 40);
  }
  // Large but finite: kept (as the nearest double, which the serialiser writes as valid JSON).
  for (const std::string& doc :
       std::vector<std::string>{"1e308", "-1.7976931348623157e308", "1e-400", std::string(30, '9'), "-0"}) {
    const auto v = parse_json(doc);
    ASSERT_TRUE(v) << doc;
    const auto text = boost::json::serialize(*v);
    EXPECT_TRUE(parse_json(text)) << doc << " -> " << text;
  }
}

TEST(Json, TooDeepIsToldApart) {
  EXPECT_EQ(parse_json(std::string(40, '[') + std::string(40, ']')).error(), errc::too_deep);
  EXPECT_EQ(parse_json(std::string(20, '[') + std::string(20, ']'), {.max_depth = 10}).error(), errc::too_deep);
  EXPECT_TRUE(parse_json(std::string(10, '[') + std::string(10, ']'), {.max_depth = 10}));
}

// A seeded generator of JSON texts (valid and nearly valid): whatever parse_json accepts, the
// serialiser writes as a text that parse_json accepts again and that means the same value.
class json_generator {
 public:
  explicit json_generator(std::uint64_t seed) : state_(seed) {}

  std::string document(int depth = 0) {
    switch (depth > 6 ? next() % 5 : next() % 8) {
      case 0: return number();
      case 1: return string();
      case 2: return next() % 2 ? "true" : "false";
      case 3: return "null";
      case 4: return number();
      case 5: {
        std::string out = "[";
        for (std::uint64_t i = 0, n = next() % 5; i < n; ++i) out += (i ? "," : "") + document(depth + 1);
        return out + "]";
      }
      default: {
        std::string out = "{";
        for (std::uint64_t i = 0, n = next() % 5; i < n; ++i) {
          out += (i ? "," : "") + string() + ":" + document(depth + 1);
        }
        return out + "}";
      }
    }
  }

  std::string number() {
    std::string out;
    if (next() % 2) out += '-';
    const auto digits = next() % 8 == 0 ? 300 + next() % 400 : 1 + next() % 25;
    out += static_cast<char>('1' + next() % 9);
    for (std::uint64_t i = 1; i < digits; ++i) out += static_cast<char>('0' + next() % 10);
    if (next() % 3 == 0) {
      out += '.';
      for (std::uint64_t i = 0, n = 1 + next() % 20; i < n; ++i) out += static_cast<char>('0' + next() % 10);
    }
    if (next() % 3 == 0) {
      out += next() % 2 ? 'e' : 'E';
      if (next() % 2) out += next() % 2 ? '-' : '+';
      out += std::to_string(next() % 8 == 0 ? next() % 100'000 : next() % 330);
    }
    return out;
  }

  std::string string() {
    static const char* pieces[] = {"a", "Z", " ", "\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00",
                                   "\xc3\xa9", "\xe2\x82\xac", "\\u0000", "\\/", "x"};
    std::string out = "\"";
    for (std::uint64_t i = 0, n = next() % 12; i < n; ++i) out += pieces[next() % std::size(pieces)];
    return out + "\"";
  }

  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  std::uint64_t state_;
};

bool all_finite(const boost::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (!all_finite(e)) return false;
    }
  }
  if (v.is_object()) {
    for (const auto& [k, e] : v.get_object()) {
      if (!all_finite(e)) return false;
    }
  }
  return true;
}

TEST(Json, RoundTripProperty) {
  json_generator gen(0x5DEECE66DULL);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string doc = gen.document();
    const auto v = parse_json(doc, {.max_bytes = 1 << 20});
    if (!v) {
      ++refused;
      continue;
    }
    ++accepted;
    ASSERT_TRUE(all_finite(*v)) << doc;
    const std::string text = boost::json::serialize(*v);
    const auto again = parse_json(text, {.max_bytes = 1 << 20});
    ASSERT_TRUE(again) << "case " << i << ": " << doc.substr(0, 200) << " -> " << text.substr(0, 200);
    EXPECT_EQ(*again, *v) << "case " << i;
    EXPECT_EQ(boost::json::serialize(*again), text) << "case " << i;
  }
  // Both kinds occur (the generator makes out-of-range numbers on purpose).
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace parley::core
