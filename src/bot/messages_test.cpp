#include "service_state.hpp"
#include "test_support.hpp"

#include <parley/assistant/state.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

namespace parley::bot {
struct service_test_access {
  static state_ptr get(service& s) { return s.state_; }
};
}  // namespace parley::bot

namespace parley::bot::test {
namespace {

bool any_contains(const std::vector<std::string>& texts, std::string_view needle) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

// ---- the channel's JWT ----

TEST(messages, a_genuine_channel_token_is_accepted_and_replies_go_out_before_the_answer) {
  harness h;
  auto r = h.deliver(harness::activity("message", "what are your opening hours"));
  ASSERT_EQ(r.status, 200) << r.body;
  // The replies were posted (synchronously, before the 200) as replies to the activity.
  auto sent = h.posted_activities();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].url, service_url + "v3/conversations/conv-1/activities/conv-1%7C000001");
  EXPECT_EQ(sent[0].authorization, "Bearer access-1");
  EXPECT_EQ(sent[0].activity.at("type"), "message");
  EXPECT_EQ(sent[0].activity.at("textFormat"), "markdown");
  EXPECT_TRUE(any_contains(h.texts(), "Monday"));
}

TEST(messages, forged_or_mismatched_channel_tokens_are_refused) {
  harness h;
  const auto a = harness::activity("message", "hello");
  const auto now = h.clock().now();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"wrong key", h.channel_token({}, &h.other_key())},
      {"wrong issuer", h.channel_token([](jose::claims& c) { c.set("iss", "https://evil.example"); })},
      {"wrong audience", h.channel_token([](jose::claims& c) { c.set("aud", "another-bot"); })},
      {"array audience", h.channel_token([](jose::claims& c) { c.set("aud", std::vector<std::string>{app_id}); })},
      {"serviceurl mismatch", h.channel_token([](jose::claims& c) { c.set("serviceurl", "https://evil.example/"); })},
      {"serviceurl without slash", h.channel_token([](jose::claims& c) { c.set("serviceurl", channel_url); })},
      {"no serviceurl", h.channel_token([](jose::claims& c) { c.erase("serviceurl"); })},
      {"expired", h.channel_token([now](jose::claims& c) {
         c.set_time("nbf", now - 2h);
         c.set_time("exp", now - 6min);
       })},
      {"not yet valid", h.channel_token([now](jose::claims& c) { c.set_time("nbf", now + 10min); })},
      {"alg none", core::base64url_encode(std::string_view(R"({"alg":"none","typ":"JWT"})")) + "." +
                       core::base64url_encode(json::serialize(json::object{{"iss", channel_url},
                                                                           {"aud", app_id},
                                                                           {"serviceurl", service_url},
                                                                           {"exp", core::unix_seconds(now) + 600}})) +
                       "."},
      {"garbage", "not-a-jwt"},
  };
  for (const auto& [name, token] : cases) {
    auto r = h.deliver(a, token);
    EXPECT_EQ(r.status, 401) << name;
  }
  EXPECT_EQ(h.deliver(a, std::string{}).status, 401) << "no header";
  const auto good = h.channel_token();
  EXPECT_EQ(h.call("/api/messages", a, {{"Authorization", "bearer " + good}}).status, 401) << "lower-case scheme";
  EXPECT_EQ(h.call("/api/messages", a, {{"Authorization", "Bearer  " + good}}).status, 401) << "two spaces";
  EXPECT_EQ(h.call("/api/messages", a, {{"Authorization", good}}).status, 401) << "no scheme";
  // A re-signed copy of a genuine token (same claims, another key) is refused too.
  EXPECT_TRUE(h.posted_activities().empty());
  EXPECT_EQ(h.deliver(a, good).status, 200);
}

TEST(messages, the_key_endorsements_must_name_the_channel_id) {
  harness h;
  auto a = harness::activity("message", "hello");
  a["channelId"] = "emulator";
  EXPECT_EQ(h.deliver(a).status, 401);
  a.erase("channelId");
  EXPECT_EQ(h.deliver(a).status, 401);
  a["channelId"] = "directline";
  EXPECT_EQ(h.deliver(a).status, 200);
}

TEST(messages, the_keys_are_fetched_once_through_the_openid_metadata) {
  harness h;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(h.deliver(harness::activity("message", "hi")).status, 200);
  EXPECT_EQ(h.http().to(channel_url + "/v1/.well-known/openidconfiguration").size(), 1U);
  EXPECT_EQ(h.http().to(channel_url + "/v1/.well-known/keys").size(), 1U);
}

// The channel created the conversation (the bot shares its store): what an anonymous bot needs
// before it takes an unauthenticated activity for it.
void channel_started(harness& h, const std::string& conversation, const std::string& bot = "bankx-assistant") {
  ASSERT_TRUE(h.run(h.store().ensure_tenant("bankx")));
  ASSERT_TRUE(h.run(h.store().create_conversation("bankx", conversation, bot, "dl_user1")));
}

TEST(messages, anonymous_mode_accepts_without_a_token_and_sends_none) {
  harness h({.anonymous = true});
  channel_started(h, "conv-1");
  ASSERT_EQ(h.deliver(harness::activity("message", "hi"), std::string{}).status, 200);
  auto sent = h.posted_activities();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].authorization, "");
  EXPECT_EQ(h.token_fetches().load(), 0);
  // Without a token, replies go only to the configured channel.
  auto elsewhere = harness::activity("message", "hi");
  elsewhere["serviceUrl"] = "https://evil.example/";
  EXPECT_EQ(h.deliver(elsewhere, std::string{}).status, 401);
}

TEST(messages, an_unauthenticated_activity_never_creates_a_conversation_nor_reaches_another_bots) {
  // Issue 14: an anonymous bot took any conversation id, created its row and ran a turn there.
  harness h({.anonymous = true, .real_login = true});
  EXPECT_EQ(h.deliver(harness::activity("message", "hi", "conv-invented"), std::string{}).status, 401);
  EXPECT_EQ(h.run(h.store().get_conversation("bankx", "conv-invented")).error(), store::errc::not_found);
  channel_started(h, "conv-other", "other-bot");
  EXPECT_EQ(h.deliver(harness::activity("message", "hi", "conv-other"), std::string{}).status, 401);
  // Nor can it feed a code into a login that waits for one (test_login takes "4711-code").
  EXPECT_EQ(h.deliver(harness::activity("message", "4711-code", "conv-invented"), std::string{}).status, 401);
  EXPECT_TRUE(h.posted_activities().empty());
}

TEST(messages, an_authenticated_activity_still_registers_a_conversation_of_another_store) {
  harness h;
  ASSERT_EQ(h.deliver(harness::activity("message", "hi", "conv-new")).status, 200);
  EXPECT_TRUE(h.run(h.store().get_conversation("bankx", "conv-new")));
}

TEST(messages, end_of_conversation_ends_the_login_and_the_conversation) {
  harness h({.real_login = true});
  h.login().log_in("conv-1", "bank-token");
  ASSERT_TRUE(h.run(h.store().ensure_tenant("bankx")));
  ASSERT_TRUE(h.run(h.store().create_conversation("bankx", "conv-1", "bankx-assistant", "dl_user1")));
  const conversation_ref ref{"bankx", "bankx-assistant", "conv-1", "dl_user1"};
  ASSERT_TRUE(h.login().logged_in(ref));
  auto end = harness::activity("endOfConversation");
  end["code"] = "userCancelled";
  ASSERT_EQ(h.deliver(end).status, 200);
  EXPECT_FALSE(h.login().logged_in(ref)) << "the user's bank login ended with the conversation";
  EXPECT_EQ(h.run(h.store().get_conversation("bankx", "conv-1"))->state, store::conversation_state::ended);
  EXPECT_TRUE(h.posted_activities().empty()) << "nothing to say to a page that is gone";
}

TEST(messages, malformed_activities_are_400) {
  harness h;
  EXPECT_EQ(h.deliver(json::object{{"text", "no type"}}).status, 400);
  auto a = harness::activity("message", "x");
  a.erase("serviceUrl");
  EXPECT_EQ(h.deliver(a).status, 400);
}

// ---- turns ----

TEST(turns, welcome_once_on_conversation_update_even_when_delivered_concurrently) {
  harness h;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (h.deliver(harness::activity("conversationUpdate")).status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  const auto texts = h.texts();
  EXPECT_EQ(std::count_if(texts.begin(), texts.end(),
                          [](const std::string& t) { return t.find("BankX Assistant") != std::string::npos; }),
            1)
      << "the etag discipline lets exactly one of the concurrent turns welcome the user";
}

TEST(turns, concurrent_messages_of_one_conversation_each_run_on_the_latest_state) {
  harness h;
  ASSERT_EQ(h.deliver(harness::activity("conversationUpdate")).status, 200);
  // Four unmatched messages at once: each turn must see the misses of the others, so the count
  // reaches 4 (three misses trigger the consultant offer in the BankX assistant).
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&h, i] { h.deliver(harness::activity("message", "zzqx blorp " + std::to_string(i))); });
  }
  for (auto& t : threads) t.join();
  auto stored = h.run(h.store().get_bot_state("bankx", "conv-1"));
  ASSERT_TRUE(stored && *stored);
  auto st = assistant::state_from_json((*stored)->data);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->misses >= 3 || st->flow == "offer_consultant") << (*stored)->data;
  EXPECT_TRUE(any_contains(h.texts(), "consultant"));
}

TEST(turns, an_etag_conflict_reruns_the_whole_step_on_the_fresh_state) {
  harness h;
  ASSERT_EQ(h.deliver(harness::activity("conversationUpdate")).status, 200);
  auto st = service_test_access::get(h.bot());
  const auto ref = st->ref("conv-1", "dl_user1");
  int calls = 0;
  std::vector<bool> saw_welcomed;
  const engine_step step = [&](const assistant::dialog_state& d) {
    saw_welcomed.push_back(d.welcomed);
    if (calls++ == 0) {
      // Another turn of the conversation stores its state between our read and our write.
      auto fresh = d;
      fresh.misses = 42;
      auto cur = asio::co_spawn(h.io(), h.store().get_bot_state("bankx", "conv-1"), asio::use_future).get();
      auto put =
          asio::co_spawn(h.io(), h.store().put_bot_state("bankx", "conv-1", assistant::to_json(fresh), (*cur)->etag),
                         asio::use_future)
              .get();
      EXPECT_TRUE(put);
    }
    assistant::turn_result r;
    r.state = d;
    r.state.action_seq = d.misses;  // proves which state the step ran on
    return r;
  };
  auto r = h.run(transact(st, ref, step));
  ASSERT_TRUE(r);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r->state.action_seq, 42) << "the second run saw the other turn's state";
}

TEST(turns, a_conversation_that_keeps_changing_gives_up_with_state_conflict) {
  harness h({.tweak = [](options& o) { o.max_etag_retries = 2; }});
  ASSERT_EQ(h.deliver(harness::activity("conversationUpdate")).status, 200);
  auto st = service_test_access::get(h.bot());
  int calls = 0;
  const engine_step step = [&](const assistant::dialog_state& d) {
    ++calls;
    auto cur = asio::co_spawn(h.io(), h.store().get_bot_state("bankx", "conv-1"), asio::use_future).get();
    (void)asio::co_spawn(h.io(), h.store().put_bot_state("bankx", "conv-1", (*cur)->data, (*cur)->etag),
                         asio::use_future)
        .get();
    assistant::turn_result r;
    r.state = d;
    return r;
  };
  auto r = h.run(transact(st, st->ref("conv-1", "dl_user1"), step));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::state_conflict));
  EXPECT_EQ(calls, 3);
}

// ---- actions ----

TEST(actions, lost_card_flow_blocks_the_card_through_the_client_api_when_logged_in) {
  harness h({.real_login = true});
  h.login().log_in("conv-1", "bank-access-token");
  h.http().on(bank_url + "/cards/block", [](const net::client_request& r) {
    auto body = core::parse_json_object(r.body);
    EXPECT_TRUE(body);
    EXPECT_EQ(body->at("card"), "debit");
    EXPECT_EQ(body->at("lastSeen"), "today");
    EXPECT_EQ(r.headers.get("Authorization").value_or(""), "Bearer bank-access-token");
    return json_answer(201, json::object{{"reference", "BX-CB-1234"}, {"alreadyBlocked", false}});
  });
  for (const auto* text : {"I lost my card", "debit", "today", "yes"}) {
    ASSERT_EQ(h.deliver(harness::activity("message", text)).status, 200) << text;
  }
  h.wait_idle();
  EXPECT_EQ(h.http().to(bank_url + "/cards/block").size(), 1U);
  EXPECT_TRUE(any_contains(h.texts(), "BX-CB-1234"));
  // A typing indicator went out before the slow action; the result came as a proactive message.
  bool typing = false;
  bool proactive = false;
  for (const auto& p : h.posted_activities()) {
    if (p.activity.at("type") == "typing") typing = true;
    if (p.activity.contains("text") && p.activity.at("text").as_string().find("BX-CB-1234") != json::string::npos) {
      proactive = p.url == service_url + "v3/conversations/conv-1/activities";
    }
  }
  EXPECT_TRUE(typing);
  EXPECT_TRUE(proactive);
}

TEST(actions, call_api_without_login_fails_honestly) {
  harness h;  // unavailable_login: nobody is logged in
  for (const auto* text : {"I lost my card", "credit", "yesterday", "yes"})
    h.deliver(harness::activity("message", text));
  h.wait_idle();
  EXPECT_TRUE(h.http().to(bank_url).empty());
  EXPECT_TRUE(any_contains(h.texts(), "couldn't block the card"));
}

TEST(actions, denied_by_the_bank_is_reported_as_denied) {
  harness h({.real_login = true});
  h.login().log_in("conv-1", "t");
  h.http().on(bank_url + "/cards/block", [](const net::client_request&) {
    return json_answer(422, json::object{{"error", json::object{{"code", "no_such_card"}, {"message", "m"}}}});
  });
  for (const auto* text : {"I lost my card", "credit", "today", "yes"}) h.deliver(harness::activity("message", text));
  h.wait_idle();
  EXPECT_FALSE(any_contains(h.texts(), "is blocked"));
}

TEST(actions, start_login_without_a_login_component_says_login_failed) {
  harness h;
  h.deliver(harness::activity("message", "what is my balance"));
  h.wait_idle();
  EXPECT_TRUE(any_contains(h.texts(), "login did not work")) << h.texts().size() << " messages";
  EXPECT_TRUE(h.http().to(bank_url).empty());
}

TEST(actions, login_then_balance_through_the_seams) {
  harness h({.real_login = true});
  h.http().on(bank_url + "/accounts", [](const net::client_request& r) {
    EXPECT_EQ(r.headers.get("Authorization").value_or(""), "Bearer bank-token-after-login");
    return json_answer(
        200, json::object{
                 {"accounts",
                  json::array{json::object{{"name", "Current account"}, {"balance", "2431.67"}, {"currency", "EUR"}},
                              json::object{{"name", "Savings"}, {"balance", "12500.00"}, {"currency", "EUR"}}}}});
  });
  h.deliver(harness::activity("message", "what is my balance"));
  h.wait_idle();
  EXPECT_TRUE(any_contains(h.texts(), "2431.67 EUR"));
  EXPECT_TRUE(any_contains(h.texts(), "12500.00 EUR"));
  // The login executor's prompt went out as a proactive message with its buttons.
  bool prompted = false;
  for (const auto& p : h.posted_activities()) {
    if (p.activity.contains("text") && p.activity.at("text") == "Which login method?") {
      prompted = p.activity.at("suggestedActions").at("actions").as_array().size() == 2 &&
                 p.url == service_url + "v3/conversations/conv-1/activities";
    }
  }
  EXPECT_TRUE(prompted);
}

TEST(actions, a_message_the_login_takes_never_reaches_the_assistant) {
  harness h({.real_login = true});
  ASSERT_EQ(h.deliver(harness::activity("message", "4711-code")).status, 200);
  EXPECT_TRUE(h.posted_activities().empty());
  auto state = h.run(h.store().get_bot_state("bankx", "conv-1"));
  EXPECT_TRUE(!state || !*state) << "no turn ran";
}

TEST(actions, logout_goes_through_the_login_seam) {
  harness h({.real_login = true});
  h.login().log_in("conv-1", "t");
  client_api api({}, h.http(), h.login());
  assistant::action a;
  a.id = "a1";
  a.kind = assistant::action_kind::call_api;
  a.operation = "logout";
  const conversation_ref ref{"bankx", "bankx-assistant", "conv-1", "dl_user1"};
  auto first = h.run(api.call(a, ref));
  EXPECT_EQ(first.status, assistant::action_status::ok);
  EXPECT_FALSE(h.login().logged_in(ref));
  auto second = h.run(api.call(a, ref));
  EXPECT_EQ(second.status, assistant::action_status::failed);
  EXPECT_EQ(second.reason, "not_logged_in");
}

TEST(actions, handoff_sends_handoff_initiate_with_the_routing_context) {
  harness h;
  h.deliver(harness::activity("message", "talk to a consultant"));
  h.wait_idle();
  const json::object* initiate = nullptr;
  const auto posted = h.posted_activities();
  for (const auto& p : posted) {
    if (p.activity.contains("name") && p.activity.at("name") == "handoff.initiate") initiate = &p.activity;
  }
  ASSERT_NE(initiate, nullptr) << "the assistant hands off as a botbuilder bot does";
  EXPECT_EQ(initiate->at("type"), "event");
  EXPECT_EQ(initiate->at("value").at("reason"), "user_request");
  EXPECT_EQ(initiate->at("value").at("failedIntent"), "handoff");  // the flow it was emitted in
  EXPECT_EQ(initiate->at("value").at("priority").as_int64(), 0);
  // The channel records the state; the bot only says what its definition says next.
  EXPECT_TRUE(any_contains(h.texts(), "A consultant will join"));
}

TEST(actions, handoff_status_failed_is_explained_and_completed_resumes_the_named_intent) {
  harness h;
  auto failed = harness::activity("event");
  failed["name"] = "handoff.status";
  failed["value"] = json::object{{"state", "failed"}, {"message", "Our consultants are available from 8:00."}};
  ASSERT_EQ(h.deliver(failed).status, 200);
  h.wait_idle();
  EXPECT_TRUE(any_contains(h.texts(), "no consultant can take your conversation right now"));
  EXPECT_TRUE(any_contains(h.texts(), "Our consultants are available from 8:00."));
  h.clear_posted();
  auto accepted = failed;
  accepted["value"] = json::object{{"state", "accepted"}};
  ASSERT_EQ(h.deliver(accepted).status, 200);
  h.wait_idle();
  EXPECT_TRUE(h.texts().empty()) << "accepted: the widget shows who joined, the bot says nothing";
  auto completed = failed;
  completed["value"] = json::object{{"state", "completed"}, {"resumeIntent", "opening_hours"}};
  ASSERT_EQ(h.deliver(completed).status, 200);
  h.wait_idle();
  const auto texts = h.texts();
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts.front(), "You're back with the assistant.");
  EXPECT_TRUE(any_contains(texts, "Monday")) << "the opening_hours intent ran after the hand-back";
}

TEST(actions, end_conversation_sends_end_of_conversation_and_ends_the_conversation) {
  const auto file = std::filesystem::temp_directory_path() / ("parley-bot-bye-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file);
    out << R"([assistant]
name = "Bye"
version = 1

[fallback]
say = "?"

[[intents]]
id = "bye"
examples = ["goodbye", "bye", "end the chat"]
flow = "bye"

[[flows]]
id = "bye"

[[flows.steps]]
id = "end"
type = "action"
action = "end_conversation"

[[flows.steps]]
id = "done"
type = "say"
say = "Goodbye!"
)";
  }
  {
    harness h({.tweak = [&file](options& o) { o.assistant = file.string(); }});
    ASSERT_EQ(h.deliver(harness::activity("message", "goodbye")).status, 200);
    h.wait_idle();
    bool ended = false;
    for (const auto& p : h.posted_activities()) {
      if (p.activity.at("type") == "endOfConversation") {
        ended = true;
        EXPECT_EQ(p.url, service_url + "v3/conversations/conv-1/activities");
      }
    }
    EXPECT_TRUE(ended);
    auto c = h.run(h.store().get_conversation("bankx", "conv-1"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->state, store::conversation_state::ended);
  }
  std::filesystem::remove(file);
}

TEST(options, the_bot_section_is_read_strictly) {
  const auto secret_file = std::filesystem::temp_directory_path() / ("parley-bot-secret-" + std::to_string(::getpid()));
  {
    std::ofstream out(secret_file);
    out << "a-channel-secret-of-enough-length-0123456789\n";
  }
  std::filesystem::permissions(secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto good = core::config::parse(R"([bot]
id = "bankx-assistant"
tenant = "bankx"
assistant = "a.toml"
channel_url = "https://chat.bank.example/"
channel_secret = { file = ")" + secret_file.string() +
                                      R"(" }
origins = ["https://www.bank.example"]
app_id = "app"
app_password = { env = "BOT_PW" }
[bot.api]
base_url = "https://api.bank.example/v1"
[[bot.api.operations]]
name = "block_card"
method = "POST"
path = "/cards/{card}/block"
body = ["lastSeen=when"]
requires_login = true
[[bot.api.operations.results]]
name = "reference"
from = "reference"
)",
                                  {{"BOT_PW", "pw-0123456789"}});
  auto o = parse_options(good->section("bot"));
  EXPECT_TRUE(good->ok()) << (good->errors().empty() ? "" : good->errors().front());
  EXPECT_EQ(o.channel_url, "https://chat.bank.example");
  EXPECT_EQ(o.channel_public_url, "https://chat.bank.example/v3/directline");
  EXPECT_EQ(o.openid_metadata_url, "https://chat.bank.example/v1/.well-known/openidconfiguration");
  EXPECT_EQ(o.token_endpoint, "https://chat.bank.example/botframework.com/oauth2/v2.0/token");
  ASSERT_EQ(o.api.operations.size(), 1U);
  EXPECT_EQ(o.api.operations[0].body.at("lastSeen"), "when");
  EXPECT_TRUE(o.api.operations[0].requires_login);
  ASSERT_TRUE(o.channel_secret);

  auto bad = core::config::parse(R"([bot]
id = "bad id!"
tenant = "bankx"
channel_url = "http://chat.bank.example"
channel_secret = "inline-secret"
origins = ["https://www.bank.example/path"]
turn_budget = "30s"
unknown_key = 1
)",
                                 {});
  (void)parse_options(bad->section("bot"));
  const auto errors = bad->errors();
  auto has = [&](std::string_view needle) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("bot.id"));
  EXPECT_TRUE(has("bot.assistant"));
  EXPECT_TRUE(has("bot.channel_url")) << "plain http off loopback";
  EXPECT_TRUE(has("bot.channel_secret")) << "inline secrets are refused";
  EXPECT_TRUE(has("bot.origins"));
  EXPECT_TRUE(has("bot.turn_budget"));
  EXPECT_TRUE(has("bot.unknown_key"));
  EXPECT_TRUE(has("bot.app_id")) << "anonymous only with a loopback channel";
  std::filesystem::remove(secret_file);
}

TEST(actions, connector_token_is_cached_and_refreshed_early) {
  harness h;
  h.set_token_lifetime(std::chrono::seconds{3600});
  h.deliver(harness::activity("message", "opening hours"));
  h.deliver(harness::activity("message", "opening hours"));
  EXPECT_EQ(h.token_fetches().load(), 1);
  h.clock().advance(std::chrono::minutes{54});
  h.deliver(harness::activity("message", "opening hours"));
  EXPECT_EQ(h.token_fetches().load(), 1) << "still 6 minutes to go";
  h.clock().advance(std::chrono::minutes{2});
  h.deliver(harness::activity("message", "opening hours"));
  EXPECT_EQ(h.token_fetches().load(), 2) << "refreshed 5 minutes before expiry";
  auto form = h.http().to(channel_url + "/botframework.com/oauth2/v2.0/token").back().body;
  EXPECT_NE(form.find("grant_type=client_credentials"), std::string::npos);
  EXPECT_NE(form.find("client_id=app-bankx"), std::string::npos);
  EXPECT_NE(form.find("scope=http%3A%2F%2F127.0.0.1%3A9401%2F.default"), std::string::npos);
}

TEST(actions, a_401_from_the_connector_fetches_a_new_token_once) {
  harness h;
  h.deliver(harness::activity("message", "opening hours"));
  EXPECT_EQ(h.token_fetches().load(), 1);
  h.connector_status() = 401;
  h.deliver(harness::activity("message", "opening hours"));
  EXPECT_EQ(h.token_fetches().load(), 2);
}

}  // namespace
}  // namespace parley::bot::test

namespace parley::bot::test {
namespace {

// A reply the channel's load balancer answered 502 or 503 (a channel node lost mid-request) is sent
// again, with the same x-ms-client-request-id so that the channel stores it once; a refusal is not.
TEST(connector, a_reply_cut_by_a_lost_channel_node_is_sent_again_with_the_same_request_id) {
  harness h;
  std::mutex m;
  std::vector<std::string> ids;
  std::atomic<int> answers{0};
  h.http().on(service_url + "v3/conversations/", [&](const net::client_request& r) {
    std::lock_guard lock(m);
    ids.emplace_back(r.headers.get("x-ms-client-request-id").value_or(""));
    const int n = answers++;
    return json_answer(n == 0 ? 502 : n == 1 ? 503 : 200, json::object{{"id", "x"}});
  });
  ASSERT_EQ(h.deliver(harness::activity("message", "what are your opening hours")).status, 200);
  std::lock_guard lock(m);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_FALSE(ids[0].empty());
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(ids[2], ids[0]);
}

TEST(connector, a_reply_the_channel_refuses_is_not_sent_again) {
  harness h;
  std::mutex m;
  std::vector<std::string> ids;
  h.http().on(service_url + "v3/conversations/", [&](const net::client_request& r) {
    std::lock_guard lock(m);
    ids.emplace_back(r.headers.get("x-ms-client-request-id").value_or(""));
    return json_answer(400, json::object{{"error", json::object{{"code", "BadArgument"}}}});
  });
  (void)h.deliver(harness::activity("message", "what are your opening hours"));
  std::lock_guard lock(m);
  ASSERT_FALSE(ids.empty());
  std::set<std::string> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), ids.size()) << "a refused reply was sent again";
}

}  // namespace
}  // namespace parley::bot::test
