// The robustness suite against `parley demo`: body and JSON bombs, numbers that are not finite
// (issue 21, 4), and the activity limits the channel enforces for its bot (issue 21, 5).
#include "demo.hpp"

#include <parley/core/json.hpp>

namespace parley::robustness {
namespace {

namespace json = boost::json;

std::string message_with(const std::string& members) {
  return R"({"type":"message","from":{"id":"x"},)" + members + "}";
}

// Issue 21, 4: 1e309, -1e999999 or a 100 000-digit integer were stored and broadcast as the bare
// token Infinity, after which every poll of the conversation was not JSON.
TEST_F(demo_test, NumbersThatAreNotFiniteAreRefusedAndNothingWritesNonJson) {
  auto c = start_conversation(demo());
  ASSERT_FALSE(c.id.empty());
  for (const std::string& bad : std::vector<std::string>{R"("value":1e309)", R"("value":-1e999999)",
                                                        R"("channelData":{"n":[1,2,1E400]})",
                                                        R"("value":)" + std::string(100'000, '9')}) {
    const auto r = post_activity(demo(), c, message_with(R"("text":"hi",)" + bad));
    EXPECT_EQ(r.status, 400) << bad.substr(0, 40);
    EXPECT_EQ(error_message(r).find("Infinity"), std::string::npos);
  }
  // A large finite number is fine and comes back as JSON.
  EXPECT_EQ(post_activity(demo(), c, message_with(R"("text":"hi","value":1e308)")).status, 200);
  const auto page = poll_raw(demo(), c);
  ASSERT_FALSE(page.empty());
  EXPECT_TRUE(core::parse_json(page, {.max_bytes = 4 << 20, .max_depth = 64})) << page.substr(0, 400);
  EXPECT_EQ(page.find("Infinity"), std::string::npos);
}

// Bombs: nesting, huge strings, many members, a body over the limit, a Content-Length that lies.
TEST_F(demo_test, JsonAndBodyBombsGetClearErrors) {
  auto c = start_conversation(demo());
  ASSERT_FALSE(c.id.empty());
  const auto deep = std::string(10'000, '[') + std::string(10'000, ']');
  auto r = post_activity(demo(), c, message_with(R"("value":)" + deep));
  EXPECT_EQ(r.status, 400);
  std::string members;
  for (int i = 0; i < 40'000; ++i) members += "\"k" + std::to_string(i) + "\":1,";
  r = post_activity(demo(), c, message_with(R"("channelData":{)" + members + R"("end":1})"));
  EXPECT_EQ(r.status, 413);
  r = post_activity(demo(), c, message_with(R"("text":")" + std::string(2 << 20, 'a') + "\""));
  EXPECT_EQ(r.status, 413);
  r = post_activity(demo(), c, message_with(R"("text":"\ud800")"));  // a lone surrogate: invalid
  EXPECT_LT(r.status, 500);
  // Content-Length larger than what is sent: the body timeout, not a hang (checked with a short
  // wait: the answer is the 408 after the body timeout, or nothing yet; never a crash).
  attack_socket s(demo().channel(), "127.0.0.11");
  ASSERT_TRUE(s.send("POST /v3/directline/conversations/" + c.id + "/activities HTTP/1.1\r\nHost: a\r\n" +
                     auth(c.token) + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"));
  s.shutdown_write();
  EXPECT_TRUE(s.wait_closed(5s));
}

// Issue 21, 5: the channel stored what its bot then refused (text over 16 KB, a ~33 KB value): the
// user got 502 BotRejectedActivity, the activity was stored and streamed anyway, and a client
// retrying on 5xx stored it twice. The channel's limits are the bot's: at the limit the bot
// answers; over it the channel answers 413 before storing anything.
TEST_F(demo_test, ActivityLimitsAreEnforcedBeforeStoringAndMatchTheBot) {
  auto c = start_conversation(demo());
  ASSERT_FALSE(c.id.empty());
  // The conversation's last watermark: it moves when anything is stored.
  const auto stored = [&] { return stored_watermark(demo(), c); };
  const auto before = stored();
  // text: 16 KiB.
  auto r = post_activity(demo(), c, message_with(R"("text":")" + std::string(16 * 1024, 'a') + "\""));
  EXPECT_EQ(r.status, 200) << json::serialize(r.body);
  const auto after_ok = stored();
  EXPECT_GT(after_ok, before);
  r = post_activity(demo(), c, message_with(R"("text":")" + std::string(16 * 1024 + 1, 'a') + "\""));
  EXPECT_EQ(r.status, 413) << json::serialize(r.body);
  EXPECT_NE(error_message(r).find("text"), std::string::npos) << json::serialize(r.body);
  EXPECT_EQ(stored(), after_ok) << "an activity over the limit was stored";
  // value: 16 KiB serialised ("..." is the string's length + 2).
  r = post_activity(demo(), c, message_with(R"("text":"v","value":")" + std::string(16 * 1024 - 2, 'b') + "\""));
  EXPECT_EQ(r.status, 200) << json::serialize(r.body);
  const auto after_value = stored();
  r = post_activity(demo(), c, message_with(R"("text":"v","value":")" + std::string(16 * 1024 - 1, 'b') + "\""));
  EXPECT_EQ(r.status, 413) << json::serialize(r.body);
  EXPECT_NE(error_message(r).find("value"), std::string::npos) << json::serialize(r.body);
  EXPECT_EQ(stored(), after_value);
  // Escapes count as the bot counts them: serialised.
  std::string escaped;
  for (int i = 0; i < 2731; ++i) escaped += "\\u0001";  // 6 bytes each once serialised
  r = post_activity(demo(), c, message_with(R"("text":"v","value":")" + escaped + "\""));
  EXPECT_EQ(r.status, 413) << json::serialize(r.body);
  // Nesting: 32 levels (the bot's) pass, 33 do not.
  const auto nested = [](int depth) {  // the activity is level 1, "value" holds the rest
    return std::string(static_cast<std::size_t>(depth - 1), '[') +
           std::string(static_cast<std::size_t>(depth - 1), ']');
  };
  r = post_activity(demo(), c, message_with(R"("text":"d","value":)" + nested(32)));
  EXPECT_EQ(r.status, 200) << json::serialize(r.body);
  r = post_activity(demo(), c, message_with(R"("text":"d","value":)" + nested(33)));
  EXPECT_EQ(r.status, 400) << json::serialize(r.body);
  // locale and localTimestamp: 64 bytes (the bot refuses longer).
  r = post_activity(demo(), c, message_with(R"("text":"l","locale":")" + std::string(64, 'l') + "\""));
  EXPECT_EQ(r.status, 200) << json::serialize(r.body);
  r = post_activity(demo(), c, message_with(R"("text":"l","locale":")" + std::string(65, 'l') + "\""));
  EXPECT_EQ(r.status, 413) << json::serialize(r.body);
  // The whole activity as stored and delivered (256 KiB, with the id and timestamp the channel
  // adds). Calibrated on a small activity read back from the store; the channel counts the id at
  // its longest (20 digits of sequence, the stored one has 7), hence 13 bytes of margin.
  constexpr std::size_t limit = 256 * 1024;
  const auto with_filler = [&](std::size_t n, char fill) {
    return message_with(R"("text":"f","channelData":{"filler":")" + std::string(n, fill) + "\"}");
  };
  ASSERT_EQ(post_activity(demo(), c, with_filler(1000, 'q')).status, 200);
  const auto page = poll_raw(demo(), c);  // the first page holds it: every activity so far is small but 3
  std::size_t stored_size = 0;
  const auto parsed = core::parse_json(page, {.max_bytes = 4 << 20, .max_depth = 64});
  ASSERT_TRUE(parsed) << page.substr(0, 400);
  for (const auto& a : parsed->at("activities").as_array()) {
    const auto* cd = a.as_object().if_contains("channelData");
    if (cd && cd->is_object() && cd->as_object().contains("filler") &&
        cd->as_object().at("filler").as_string().size() == 1000) {
      stored_size = json::serialize(a).size();
    }
  }
  ASSERT_GT(stored_size, 1000u) << page.substr(0, 2000);
  const std::size_t exact = limit - 13 - (stored_size - 1000);
  const auto before_total = stored();
  r = post_activity(demo(), c, with_filler(exact, 'g'));
  EXPECT_EQ(r.status, 200) << json::serialize(r.body);
  const auto after_total = stored();
  EXPECT_GT(after_total, before_total);
  r = post_activity(demo(), c, with_filler(exact + 1, 'h'));
  EXPECT_EQ(r.status, 413) << json::serialize(r.body);
  EXPECT_EQ(stored(), after_total);
}

}  // namespace
}  // namespace parley::robustness
