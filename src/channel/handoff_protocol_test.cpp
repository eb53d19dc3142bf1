#include "handoff_protocol.hpp"

#include "activity.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/json.hpp>

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

namespace json = boost::json;

json::object parse(std::string_view text) {
  return *core::parse_json_object(text);
}

TEST(HandoffProtocol, ReadsTheRoutingContextAndTheTranscript) {
  auto a = parse(R"({"type":"event","name":"handoff.initiate",
    "value":{"reason":"card blocked","failedIntent":"unblock_card","skill":"cards","priority":3,"hubSpecific":{"x":1}},
    "attachments":[{"contentType":"application/json","name":"Transcript",
                    "content":{"activities":[{"type":"message","text":"hi"},{"type":"message","text":"help"}]}}]})");
  ASSERT_TRUE(is_handoff_initiate(a));
  auto c = parse_handoff_initiate(a);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, "card blocked");
  EXPECT_EQ(c->failed_intent, "unblock_card");
  EXPECT_EQ(c->queue, "cards");  // botbuilder-style `skill`
  EXPECT_EQ(c->priority, 3);
  EXPECT_EQ(c->transcript_activities, 2u);
  // `queue` wins over `skill`; no value at all is a plain request to the default queue.
  EXPECT_EQ(parse_handoff_initiate(
                parse(R"({"type":"event","name":"handoff.initiate","value":{"queue":"loans","skill":"x"}})"))
                ->queue,
            "loans");
  auto bare = parse_handoff_initiate(parse(R"({"type":"event","name":"handoff.initiate"})"));
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->queue.empty());
  EXPECT_EQ(bare->priority, 0);
}

TEST(HandoffProtocol, RefusesBadShapesNamingTheMember) {
  for (
      const auto* text : {
          R"({"type":"event","name":"handoff.initiate","value":"please"})",
          R"({"type":"event","name":"handoff.initiate","value":{"priority":10}})",
          R"({"type":"event","name":"handoff.initiate","value":{"priority":"high"}})",
          R"({"type":"event","name":"handoff.initiate","value":{"queue":"Cards Team"}})",
          R"({"type":"event","name":"handoff.initiate","value":{"reason":42}})",
          R"({"type":"event","name":"handoff.initiate","attachments":[{"name":"Transcript","content":{"activities":"no"}}]})",
          R"({"type":"event","name":"handoff.initiate","attachments":[{"name":"Transcript","content":{"activities":[1]}}]})",
      }) {
    std::string problem;
    auto c = parse_handoff_initiate(parse(text), &problem);
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error(), errc::bad_argument);
    EXPECT_TRUE(problem.starts_with("handoff.initiate: ")) << problem;
  }
  std::string long_reason(501, 'r');
  json::object a{{"type", "event"}, {"name", "handoff.initiate"}, {"value", {{"reason", long_reason}}}};
  EXPECT_FALSE(parse_handoff_initiate(a));
}

TEST(HandoffProtocol, OnlyTheExactEventIsAHandoff) {
  EXPECT_FALSE(is_handoff_initiate(parse(R"({"type":"message","name":"handoff.initiate"})")));
  EXPECT_FALSE(is_handoff_initiate(parse(R"({"type":"event","name":"handoff.status"})")));
  EXPECT_FALSE(is_handoff_initiate(parse(R"({"type":"event"})")));
}

TEST(HandoffProtocol, DisplayNamesAreNeverAddresses) {
  EXPECT_TRUE(valid_display_name("Anna"));
  EXPECT_TRUE(valid_display_name("Anna K."));
  EXPECT_FALSE(valid_display_name("anna@bankx.example"));
  EXPECT_FALSE(valid_display_name(""));
  EXPECT_FALSE(valid_display_name("   "));
  EXPECT_FALSE(valid_display_name("Anna\nK"));
  EXPECT_FALSE(valid_display_name(std::string(65, 'a')));
  EXPECT_TRUE(valid_intent_id("balance"));
  EXPECT_FALSE(valid_intent_id("bal ance"));
}

TEST(HandoffProtocol, WidgetEventsAndStatusAreShapedAndKeptFromClients) {
  auto w = widget_handoff_activity({"waiting", {}, 2u, 90});
  EXPECT_EQ(w.at("name"), "parley.handoff");
  EXPECT_EQ(w.at("value").at("state"), "waiting");
  EXPECT_EQ(w.at("value").at("position").as_int64(), 2);
  EXPECT_EQ(w.at("value").at("estimatedWaitSeconds").as_int64(), 90);
  auto joined = widget_handoff_activity({"accepted", "Anna", std::nullopt, std::nullopt});
  EXPECT_EQ(joined.at("value").at("consultant").at("name"), "Anna");
  EXPECT_FALSE(joined.at("value").as_object().contains("position"));
  EXPECT_FALSE(joined.at("value").as_object().contains("transferred"));
  auto took_over = widget_handoff_activity({"accepted", "Bo", std::nullopt, std::nullopt, true});
  EXPECT_EQ(took_over.at("value").at("transferred"), true);

  const activity_context ctx{
      "conv1", {"dl_alice", "", "user"}, {"bankx-assistant", "BankX Assistant", "bot"}, "http://x/"};
  auto st = handoff_status(ctx, "completed", "back to you", "balance");
  EXPECT_EQ(st.at("type"), "event");
  EXPECT_EQ(st.at("name"), "handoff.status");
  EXPECT_EQ(st.at("value").at("state"), "completed");
  EXPECT_EQ(st.at("value").at("message"), "back to you");
  EXPECT_EQ(st.at("value").at("resumeIntent"), "balance");
  EXPECT_EQ(st.at("recipient").at("id"), "bankx-assistant");
  EXPECT_FALSE(delivered_to_clients(handoff_record_type));

  // A client cannot forge the channel's widget event any more than a handoff event.
  for (const auto* text : {R"({"type":"event","name":"parley.handoff","value":{"state":"accepted"}})",
                           R"({"type":"event","name":"handoff.status","value":{"state":"completed"}})"}) {
    auto a = normalize_client_activity(*core::parse_json(text), ctx);
    ASSERT_FALSE(a) << text;
    EXPECT_EQ(a.error(), errc::forbidden_activity);
  }
}

}  // namespace
}  // namespace parley::channel
