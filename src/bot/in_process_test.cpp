// The bot's in-process door (ADR 0007): bot::service::receive_in_process() and replies through a
// channel_link. The same turn, replies and statuses as POST /api/messages, under the same limits,
// without the JWT and without any HTTP call (no JWKS, no Connector token, no Connector POST).
#include "test_support.hpp"

namespace parley::bot::test {
namespace {

int receive(harness& h, std::string json) { return h.run(h.bot().receive_in_process(std::move(json))); }

TEST(in_process, a_message_runs_the_turn_and_the_replies_go_through_the_link_only) {
  harness h({.in_process = true});
  const auto a = harness::activity("message", "what are your opening hours");
  EXPECT_EQ(receive(h, json::serialize(a)), 200);
  const auto sent = h.link().all();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].bot_id, "bankx-assistant");
  EXPECT_EQ(sent[0].conversation_id, "conv-1");
  EXPECT_EQ(sent[0].reply_to_id, "conv-1|000001");
  const auto reply = *core::parse_json_object(sent[0].json);
  EXPECT_EQ(reply.at("type"), "message");
  EXPECT_EQ(reply.at("textFormat"), "markdown");
  bool monday = false;
  for (const auto& s : sent) monday |= s.json.find("Monday") != std::string::npos;
  EXPECT_TRUE(monday);
  EXPECT_TRUE(h.http().requests().empty()) << "no JWKS, token or Connector call";
}

TEST(in_process, the_link_carries_what_the_connector_would_have_posted) {
  harness over_http;
  harness in_process({.in_process = true});
  const auto a = harness::activity("message", "what are your opening hours");
  ASSERT_EQ(over_http.deliver(a).status, 200);
  ASSERT_EQ(receive(in_process, json::serialize(a)), 200);
  const auto posted = over_http.posted_activities();
  const auto sent = in_process.link().all();
  ASSERT_EQ(sent.size(), posted.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(*core::parse_json_object(sent[i].json), posted[i].activity) << i;
  }
}

TEST(in_process, malformed_too_large_or_non_strict_activities_are_refused_as_by_the_route) {
  harness h({.in_process = true});
  EXPECT_EQ(receive(h, R"({"text":"no type"})"), 400);
  EXPECT_EQ(receive(h, "not json"), 400);
  EXPECT_EQ(receive(h, R"({"type":"message","type":"event"})"), 400);  // duplicate member
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_EQ(receive(h, R"({"type":"message","value":)" + deep + "}"), 400);
  auto big = harness::activity("message", std::string(300 * 1024, 'a'));
  EXPECT_EQ(receive(h, json::serialize(big)), 413);
  EXPECT_TRUE(h.link().all().empty());
}

TEST(in_process, a_refused_reply_fails_the_turn_as_a_connector_error_does) {
  harness h({.in_process = true});
  h.link().refuse = true;
  EXPECT_EQ(receive(h, json::serialize(harness::activity("message", "what are your opening hours"))), 500);
  harness over_http;
  over_http.connector_status() = 403;
  EXPECT_EQ(over_http.deliver(harness::activity("message", "what are your opening hours")).status, 500);
}

TEST(in_process, the_http_route_is_closed_whatever_the_credentials) {
  // Issue 14: a bot reached in-process takes activities only from its process's channel.
  harness h({.in_process = true});
  EXPECT_EQ(h.deliver(harness::activity("message", "hi"), std::string{}).status, 403);
  EXPECT_EQ(h.deliver(harness::activity("message", "hi"), h.channel_token({}, &h.other_key())).status, 403);
  EXPECT_EQ(h.deliver(harness::activity("message", "hi")).status, 403) << "even a valid channel token";
  harness anonymous({.anonymous = true, .in_process = true});
  EXPECT_EQ(anonymous.deliver(harness::activity("message", "hi"), std::string{}).status, 403);
  EXPECT_TRUE(h.link().all().empty());
  EXPECT_TRUE(anonymous.link().all().empty());
}

}  // namespace
}  // namespace parley::bot::test
