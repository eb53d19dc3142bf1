// The bot's in-process door (ADR 0007): bot::service::receive_in_process() and replies through a
// channel_link. The same turn, replies and statuses as POST /api/messages, under the same limits,
// without the JWT and without any HTTP call (no JWKS, no Connector token, no Connector POST).
#include "test_support.hpp"

#include <parley/core/log.hpp>
#include <parley/core/log_format.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>

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

// ADR 0027/0028: the channel's traceparent crosses the in-process seam. The turn's JSON log lines
// carry its trace id with the conversation and tenant ids as fields, and the turn's call to the
// client API ([bot.api], here the balance at the bank) carries the traceparent itself.
TEST(in_process, the_turn_joins_the_channels_trace_in_its_log_lines_and_its_api_calls) {
  const auto file = std::filesystem::temp_directory_path() / ("parley_bot_trace_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(file);
  ASSERT_FALSE(core::init_logging({.level = "debug", .file = file.string()}));
  ASSERT_FALSE(core::set_log_format(core::log_format::json));
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  std::mutex m;
  std::vector<std::string> seen;  // the traceparent of each call to the bank's /accounts
  {
    harness h({.real_login = true, .in_process = true});
    h.login().log_in("conv-1", "t");
    h.http().on(bank_url + "/accounts", [&](const net::client_request& r) {
      std::lock_guard lock(m);
      seen.emplace_back(r.headers.get("traceparent").value_or(""));
      return json_answer(200, json::object{{"accounts", json::array{json::object{
                                                             {"name", "Current account"}, {"balance", "2431.67"},
                                                             {"currency", "EUR"}}}}});
    });
    EXPECT_EQ(h.run(h.bot().receive_in_process(
                  json::serialize(harness::activity("message", "what is my balance")), traceparent)),
              200);
    h.wait_idle();
  }
  core::logger("bot")->flush();
  ASSERT_FALSE(core::init_logging({}));  // stderr and text again for the other tests
  {
    std::lock_guard lock(m);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], traceparent);
  }
  std::ifstream in(file);
  int traced = 0;
  for (std::string line; std::getline(in, line);) {
    EXPECT_EQ(line.find("what is my balance"), std::string::npos) << line;
    EXPECT_EQ(line.find("2431.67"), std::string::npos) << line;
    const auto o = boost::json::parse(line).as_object();
    if (std::string_view(o.at("msg").as_string()).find("conv-1") == std::string_view::npos) continue;
    // Every line that names the conversation has it (and its tenant and trace) as fields.
    EXPECT_EQ(o.contains("conversation") ? o.at("conversation").as_string() : "", "conv-1") << line;
    EXPECT_EQ(o.contains("tenant") ? o.at("tenant").as_string() : "", "bankx") << line;
    if (o.contains("trace_id") && o.at("trace_id").as_string() == "4bf92f3577b34da6a3ce929d0e0e4736") ++traced;
  }
  std::filesystem::remove(file);
  EXPECT_GE(traced, 2) << "the turn's and the call_api's lines carry the channel's trace id";
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
