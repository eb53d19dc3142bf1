#include "activities.hpp"

#include <gtest/gtest.h>

namespace loadgen {
namespace {

const clock::time_point t0{};

TEST(activities, an_activity_set_gives_the_others_messages_and_the_watermark) {
  std::vector<bot_message> inbox;
  std::string watermark = "3";
  const std::string set = R"({"activities":[
      {"type":"message","id":"c|4","from":{"id":"dl_u"},"text":"hello"},
      {"type":"typing","from":{"id":"bot"}},
      {"type":"message","id":"c|5","from":{"id":"bot"},"replyToId":"c|4","text":"hello"},
      42],
    "watermark":"5"})";
  ASSERT_TRUE(take_activity_set(set, "dl_u", t0, inbox, watermark));
  ASSERT_EQ(inbox.size(), 1u);  // not our own echo, not typing
  EXPECT_EQ(inbox[0].reply_to, "c|4");
  EXPECT_EQ(inbox[0].text, "hello");
  EXPECT_EQ(watermark, "5");
  // The peer (offline-directline) numbers its watermark; an empty one keeps the last.
  ASSERT_TRUE(take_activity_set(R"({"activities":[],"watermark":7})", "dl_u", t0, inbox, watermark));
  EXPECT_EQ(watermark, "7");
  ASSERT_TRUE(take_activity_set(R"({"activities":[],"watermark":""})", "dl_u", t0, inbox, watermark));
  EXPECT_EQ(watermark, "7");
}

TEST(activities, anything_but_an_activity_set_is_refused_and_changes_nothing) {
  std::vector<bot_message> inbox;
  std::string watermark = "1";
  for (const char* bad :
       {"", "[]", "{}", R"({"activities":{}})", R"({"watermark":"9"})", "{\"activities\":[", "\"text\""}) {
    EXPECT_FALSE(take_activity_set(bad, "u", t0, inbox, watermark)) << bad;
  }
  EXPECT_TRUE(inbox.empty());
  EXPECT_EQ(watermark, "1");
}

TEST(activities, the_reply_is_found_by_reply_to_id_or_else_by_its_text) {
  const auto t1 = t0 + std::chrono::milliseconds(1), t2 = t0 + std::chrono::milliseconds(2);
  std::vector<bot_message> inbox{{t1, "c|1", "message 0 0"}, {t2, "c|2", "message 0 1"}};
  auto r = find_reply(inbox, "c|2", "message 0 1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at, t2);
  EXPECT_TRUE(r->text_matches);
  EXPECT_FALSE(find_reply(inbox, "c|3", "message 0 2"));  // not arrived yet
  // Without replyToId, the echoed text identifies it.
  std::vector<bot_message> bare{{t1, "", "message 0 0"}, {t2, "", "message 0 1"}};
  ASSERT_TRUE(find_reply(bare, "c|2", "message 0 1"));
  EXPECT_EQ(find_reply(bare, "c|2", "message 0 1")->at, t2);
  // The reply to our activity with another text is a wrong answer.
  std::vector<bot_message> wrong{{t1, "c|2", "something else"}};
  r = find_reply(wrong, "c|2", "message 0 1");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->text_matches);
}

}  // namespace
}  // namespace loadgen
