// The channel's delivery to its bot, over both paths (docs/adr/0007-in-process-delivery.md):
// HTTP (POST /api/messages with a signed JWT, replies through the Connector API) and in-process
// (endpoint "in-process": the channel's in_process_bot seam and service::receive_from_bot). Every
// test runs on both and expects the same statuses, ids, shapes and stored activities; the
// in-process run also proves that no HTTP request carried the activity either way.
#include "channel_fixture.hpp"
#include "ws_client.hpp"

#include <parley/channel/error.hpp>

namespace parley::channel::test {
namespace {

using net::method;

std::string token_of(const json::object& o) { return std::string(o.at("token").as_string()); }
std::string id_of(const json::object& o) { return std::string(o.at("conversationId").as_string()); }
std::string conv_path(const std::string& id, const std::string& rest = {}) {
  return "/v3/directline/conversations/" + id + rest;
}

json::object message(std::string text, std::string client_id) {
  return json::object{{"type", "message"},
                      {"text", std::move(text)},
                      {"from", {{"id", "someone-else"}}},
                      {"channelData", {{"clientActivityID", std::move(client_id)}}}};
}

// The message activities the bot received, in order (the conversationUpdate, delivered in the
// background, may come before or after them).
std::vector<json::object> messages_received(harness& h) {
  std::vector<json::object> out;
  for (const auto& in : h.bot().received()) {
    if (in.activity.contains("type") && in.activity.at("type") == "message") out.push_back(in.activity);
  }
  return out;
}

json::array poll_until(harness& h, const std::string& id, const std::string& token, std::size_t n) {
  json::array activities;
  for (int i = 0; i < 200; ++i) {
    auto r = h.get(conv_path(id, "/activities?watermark="), token);
    EXPECT_EQ(r.status, 200) << r.body;
    activities = r.json().at("activities").as_array();
    if (activities.size() >= n) break;
    std::this_thread::sleep_for(20ms);
  }
  return activities;
}

// Members whose values differ between two runs by construction (random ids, clock), removed so
// that two conversations can be compared member by member.
json::value without_run_values(json::value v, const std::string& conv, const std::string& user) {
  std::string text = json::serialize(v);
  for (const auto* needle : {&conv, &user}) {
    for (auto at = text.find(*needle); at != std::string::npos; at = text.find(*needle, at)) {
      text.replace(at, needle->size(), "X");
    }
  }
  auto out = *core::parse_json(text, {.max_bytes = 1 << 20, .max_depth = 64});
  if (auto* o = out.if_object()) {
    o->erase("timestamp");
    o->erase("serviceUrl");  // the listener's port
  }
  return out;
}

class channel_delivery : public ::testing::TestWithParam<bool> {
 protected:
  [[nodiscard]] static harness::settings with_path(harness::settings st = {}) {
    st.in_process = GetParam();
    return st;
  }
  // The delivery did not go over HTTP in-process, and did over HTTP otherwise.
  static void expect_path(const harness& h) {
    const auto to_bot = h.requests_served("bot", "/api/messages");
    const auto replies = h.requests_served("channel", "/v3/conversations/{id}/activities/{activityId}");
    if (GetParam()) {
      EXPECT_EQ(to_bot, 0u);
      EXPECT_EQ(replies, 0u);
      EXPECT_GT(h.in_process().delivered(), 0);
    } else {
      EXPECT_GT(to_bot, 0u);
      EXPECT_GT(replies, 0u);
      EXPECT_EQ(h.in_process().delivered(), 0);
    }
  }
};

std::string path_name(const ::testing::TestParamInfo<bool>& p) { return p.param ? "in_process" : "http"; }
INSTANTIATE_TEST_SUITE_P(paths, channel_delivery, ::testing::Values(false, true), path_name);

TEST_P(channel_delivery, echo_and_reply_with_the_same_ids_shapes_and_order) {
  harness h(with_path());
  auto started = h.post("/v3/directline/tokens/generate", secret_a, json::object{});
  ASSERT_EQ(started.status, 200);
  const auto g = started.json();
  ASSERT_EQ(h.call(method::post, "/v3/directline/conversations", token_of(g)).status, 201);
  ASSERT_TRUE(h.bot().wait_for(1));
  const auto update = h.bot().received()[0];
  EXPECT_EQ(update.activity.at("type"), "conversationUpdate");
  // A JWT over HTTP; nothing in-process (same trust domain).
  EXPECT_EQ(update.authorization.starts_with("Bearer "), !GetParam());
  EXPECT_EQ(update.authorization.empty(), GetParam());
  EXPECT_EQ(std::string(update.activity.at("serviceUrl").as_string()), h.base_url() + "/");

  auto posted = h.post(conv_path(id_of(g), "/activities"), token_of(g), message("hello", "c-1"));
  ASSERT_EQ(posted.status, 200) << posted.body;
  EXPECT_EQ(posted.json().at("id").as_string(), id_of(g) + "|0000002");
  const auto activities = poll_until(h, id_of(g), token_of(g), 2);
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[1].at("text"), "echo: hello");
  EXPECT_EQ(activities[1].at("replyToId"), posted.json().at("id"));
  EXPECT_EQ(activities[1].at("from").at("id"), "bankx-assistant");
  EXPECT_EQ(activities[1].at("id").as_string(), id_of(g) + "|0000003");
  // The bot got exactly what is stored (the channel's id, timestamp, from, conversation).
  ASSERT_TRUE(h.bot().wait_for(2));
  const auto got = h.bot().received()[1].activity;
  EXPECT_EQ(json::serialize(got), json::serialize(activities[0]));
  expect_path(h);
}

// The two paths give the bot the same activities and the client the same conversation.
TEST(channel_delivery_paths, the_bot_and_the_client_see_the_same_json_on_both_paths) {
  std::vector<std::vector<json::value>> runs;
  for (const bool in_process : {false, true}) {
    harness::settings st;
    st.in_process = in_process;
    harness h(st);
    auto g = h.post("/v3/directline/tokens/generate", secret_a, json::object{{"user", {{"id", "dl_same"}}}}).json();
    ASSERT_EQ(h.call(method::post, "/v3/directline/conversations", token_of(g)).status, 201);
    ASSERT_TRUE(h.bot().wait_for(1));
    ASSERT_EQ(h.post(conv_path(id_of(g), "/activities"), token_of(g), message("one", "c-1")).status, 200);
    ASSERT_EQ(h.post(conv_path(id_of(g), "/activities"), token_of(g), message("two", "c-2")).status, 200);
    ASSERT_TRUE(h.bot().wait_for(3));
    std::vector<json::value> seen;
    for (const auto& r : h.bot().received()) seen.push_back(without_run_values(r.activity, id_of(g), "dl_same"));
    for (const auto& a : poll_until(h, id_of(g), token_of(g), 4)) seen.push_back(without_run_values(a, id_of(g), "dl_same"));
    runs.push_back(std::move(seen));
  }
  ASSERT_EQ(runs[0].size(), 7u);  // 3 received by the bot, 4 polled
  ASSERT_EQ(runs[1].size(), runs[0].size());
  for (std::size_t i = 0; i < runs[0].size(); ++i) {
    EXPECT_EQ(json::serialize(runs[1][i]), json::serialize(runs[0][i])) << "activity " << i;
  }
}

TEST_P(channel_delivery, bot_timeout_is_504_and_late_replies_still_arrive) {
  harness::settings st;
  st.bot_timeout = 500ms;
  harness h(with_path(st));
  const auto conv = h.start_conversation();
  h.bot().set_mode(test_bot::mode::late);
  const auto start = std::chrono::steady_clock::now();
  auto r = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("slow", "c-1"));
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.code(), "BotError");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
  const auto activities = poll_until(h, id_of(conv), token_of(conv), 2);
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[1].at("text"), "echo: slow");
  h.bot().set_mode(test_bot::mode::echo);
  EXPECT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("fast", "c-2")).status, 200);
}

TEST_P(channel_delivery, a_failing_bot_is_502_a_hanging_one_504_and_the_conversation_goes_on) {
  harness::settings st;
  st.bot_timeout = 400ms;
  harness h(with_path(st));
  const auto conv = h.start_conversation();
  h.bot().set_mode(test_bot::mode::fail);
  auto failed = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("a", "c-a"));
  EXPECT_EQ(failed.status, 502);
  EXPECT_EQ(failed.code(), "BotRejectedActivity");
  h.bot().set_mode(test_bot::mode::hang);
  auto hung = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("b", "c-b"));
  EXPECT_EQ(hung.status, 504);
  EXPECT_EQ(hung.code(), "BotError");
  EXPECT_EQ(poll_until(h, id_of(conv), token_of(conv), 2).size(), 2u);
  h.bot().set_mode(test_bot::mode::echo);
  EXPECT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("c", "c-c")).status, 200);
}

TEST_P(channel_delivery, a_retried_send_is_stored_once_and_delivered_again) {
  harness h(with_path());
  const auto conv = h.start_conversation();
  h.bot().set_mode(test_bot::mode::fail);
  EXPECT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("hi", "same")).status, 502);
  h.bot().set_mode(test_bot::mode::echo);
  auto retry = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("hi", "same"));
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.json().at("id").as_string(), id_of(conv) + "|0000002");
  const auto activities = poll_until(h, id_of(conv), token_of(conv), 2);
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[1].at("text"), "echo: hi");
  ASSERT_TRUE(h.bot().wait_for(3));  // conversationUpdate, the first try, the retry
  // The conversationUpdate goes in the background: it may reach the bot before or after the messages.
  const auto got = messages_received(h);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].at("id"), retry.json().at("id"));
}

TEST_P(channel_delivery, the_credential_guard_masks_for_storage_and_delivers_an_expected_secret_as_typed) {
  harness h(with_path());
  const auto conv = h.start_conversation();
  // A card number typed out of turn: masked for the bot, the store and the stream; a warning.
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("4111 1111 1111 1111", "c-1")).status,
            200);
  ASSERT_TRUE(h.bot().wait_for(2));
  const std::string to_bot(messages_received(h).at(0).at("text").as_string());
  EXPECT_EQ(to_bot.find("4111 1111"), std::string::npos) << to_bot;
  // The bot's reply flagged expectsSecret: the next message reaches the bot as typed, stored masked.
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("ask for a code", "c-2")).status, 200);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("482913", "c-3")).status, 200);
  ASSERT_TRUE(h.bot().wait_for(4));
  EXPECT_EQ(messages_received(h).at(2).at("text"), "482913");
  // What the user sent is stored masked (the test bot's own echo of the code is the bot's business).
  for (const auto& a : poll_until(h, id_of(conv), token_of(conv), 7)) {
    const auto* text = a.as_object().if_contains("text");
    if (a.at("from").at("role") == "user" && text && text->is_string()) {
      EXPECT_EQ(std::string(text->get_string()).find("4111 1111"), std::string::npos);
      EXPECT_EQ(std::string(text->get_string()).find("482913"), std::string::npos);
    }
  }
}

TEST_P(channel_delivery, every_client_controlled_string_is_guarded_before_storage) {
  harness h(with_path());
  const auto conv = h.start_conversation();
  // An event and a postBack carry credentials outside `text`: the bot, the store and the poll see
  // them masked, and the channel warns the user.
  json::object event{{"type", "event"},
                     {"name", "form/submit"},
                     {"from", {{"id", "x"}, {"name", "password: hunter2"}}},  // a client's name is dropped
                     {"value", {{"card", "4111 1111 1111 1111"}, {"cvc", "cvc 123"}, {"note", "password: hunter2"}}}};
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), event).status, 200);
  json::object post_back = message("", "c-2");
  post_back.erase("text");
  post_back["value"] = {{"iban", "DE89 3704 0044 0532 0130 00"}};
  post_back["attachments"] = json::array{{{"contentType", "application/json"}, {"content", {{"note", "pin: 4821"}}}}};
  post_back["channelData"].as_object()["messageBack"] = {{"displayText", "5500-0055-5555-5559"}};
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), post_back).status, 200);
  ASSERT_TRUE(h.bot().wait_for(3));
  const auto stored = json::serialize(poll_until(h, id_of(conv), token_of(conv), 4));
  std::string delivered;
  for (const auto& in : h.bot().received()) delivered += json::serialize(in.activity);
  for (const char* secret : {"hunter2", "4111 1111", "cvc 123", "3704 0044", "4821", "5500-0055"}) {
    EXPECT_EQ(stored.find(secret), std::string::npos) << secret << " stored: " << stored;
    EXPECT_EQ(delivered.find(secret), std::string::npos) << secret << " delivered: " << delivered;
  }
  EXPECT_NE(stored.find("For your security I hid what looked like"), std::string::npos);
  for (const char* kind : {R"("password")", R"("card_number")", R"("security_code")"}) {
    EXPECT_NE(stored.find(kind), std::string::npos) << kind << " not among the masked kinds: " << stored;
  }
}

TEST_P(channel_delivery, bare_codes_are_secrets_while_a_login_waits_for_one) {
  harness h(with_path());
  const auto conv = h.start_conversation();
  // The bot says a code comes (the login executor's typing activity flagged awaitsCode), before
  // any prompt: from then on every bare code is stored masked and delivered as typed.
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("await a code", "c-1")).status, 200);
  h.bot().set_mode(test_bot::mode::quiet);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("492 816", "c-2")).status, 200);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("135790", "c-3")).status, 200);
  ASSERT_TRUE(h.bot().wait_for(4));
  const auto got = messages_received(h);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].at("text"), "492 816");
  EXPECT_EQ(got[2].at("text"), "135790") << "not a one-shot: the login still waits";
  // A bot message without a flag ends the wait: a number is a number again.
  h.bot().set_mode(test_bot::mode::echo);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("thanks", "c-4")).status, 200);
  h.bot().set_mode(test_bot::mode::quiet);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("246810", "c-5")).status, 200);
  const auto activities = poll_until(h, id_of(conv), token_of(conv), 6);
  std::vector<std::string> user_texts;
  for (const auto& a : activities) {
    if (a.at("from").at("role") == "user") user_texts.emplace_back(a.at("text").as_string());
  }
  EXPECT_EQ(user_texts, (std::vector<std::string>{"await a code", "[secret: 7 characters]", "[secret: 6 characters]",
                                                  "thanks", "246810"}));
  EXPECT_EQ(json::serialize(activities).find("For your security"), std::string::npos) << "asked for: no warning";

  // A login that never says it ended stops the masking after code_wait_limit (15 minutes).
  h.bot().set_mode(test_bot::mode::echo);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("await a code", "c-6")).status, 200);
  h.bot().set_mode(test_bot::mode::quiet);
  h.clock().advance(16min);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("112233", "c-7")).status, 200);
  const auto later = poll_until(h, id_of(conv), token_of(conv), 8);
  ASSERT_GE(later.size(), 8u);
  EXPECT_EQ(later.back().at("text"), "112233");
}

TEST_P(channel_delivery, replies_reach_the_stream_live) {
  harness h(with_path());
  const auto conv = h.start_conversation();
  const std::string url(conv.at("streamUrl").as_string());
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), url.substr(url.find('/', 5))), 101);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("live", "c-1")).status, 200);
  std::vector<std::string> texts;
  while (texts.size() < 2) {
    auto m = ws.read(5s);
    if (!m) break;
    if (m->text.empty()) continue;
    auto set = core::parse_json_object(m->text);
    ASSERT_TRUE(set);
    for (const auto& a : set->at("activities").as_array()) texts.emplace_back(a.at("text").as_string());
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"live", "echo: live"}));
}

// ---- the in-process door itself ----

TEST(channel_in_process, receive_from_bot_keeps_the_connector_routes_limits_and_ownership) {
  harness::settings st;
  st.in_process = true;
  harness h(st);
  const auto conv = h.start_conversation();
  auto send = [&](std::string bot, std::string conversation, std::string body) {
    return asio::co_spawn(h.io(), h.channel().receive_from_bot(std::move(bot), std::move(conversation), "", std::move(body)),
                          asio::use_future)
        .get();
  };
  const std::string ok = R"({"type":"message","text":"proactive"})";
  auto sent = send("bankx-assistant", id_of(conv), ok);
  ASSERT_TRUE(sent) << sent.error().message();
  EXPECT_EQ(*sent, id_of(conv) + "|0000002");
  // Only a bot registered as in-process may use this door (other-bot is an HTTP bot).
  EXPECT_EQ(send("other-bot", id_of(conv), ok).error(), make_error_code(errc::bad_credentials));
  EXPECT_EQ(send("nobody", id_of(conv), ok).error(), make_error_code(errc::bad_credentials));
  EXPECT_EQ(send("bankx-assistant", "no-such-conversation", ok).error(), make_error_code(errc::not_found));
  EXPECT_EQ(send("bankx-assistant", id_of(conv), "{\"type\":").error(), make_error_code(errc::bad_syntax));
  EXPECT_EQ(send("bankx-assistant", id_of(conv), R"({"type":"message","type":"x"})").error(),
            make_error_code(errc::bad_syntax));  // strict: duplicate members
  std::string deep(70, '[');
  deep += std::string(70, ']');
  EXPECT_EQ(send("bankx-assistant", id_of(conv), "{\"v\":" + deep + "}").error(), make_error_code(errc::bad_syntax));
  std::string huge = R"({"type":"message","text":")" + std::string(300 * 1024, 'a') + "\"}";
  EXPECT_EQ(send("bankx-assistant", id_of(conv), huge).error(), make_error_code(errc::too_large));
  // `from` is the bot, whatever the bot wrote.
  ASSERT_TRUE(send("bankx-assistant", id_of(conv), R"({"type":"message","text":"x","from":{"id":"dl_user","role":"user"}})"));
  const auto activities = poll_until(h, id_of(conv), token_of(conv), 2);
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[0].at("text"), "proactive");
  EXPECT_EQ(activities[1].at("from").at("id"), "bankx-assistant");
  EXPECT_EQ(activities[1].at("from").at("role"), "bot");
}

}  // namespace
}  // namespace parley::channel::test
