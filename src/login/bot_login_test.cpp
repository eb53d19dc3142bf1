// The bot's seams backed by the login flow: start_login completes when the login ends, with the
// assistant's statuses; the token source answers from the vault.
#include "test_support.hpp"

#include <parley/bot/error.hpp>
#include <parley/login/bot_login.hpp>

#include <gmock/gmock.h>

namespace parley::login {
namespace {

using namespace test;
using assistant::action_status;

class bot_login_test : public ::testing::Test {
 protected:
  bot_login_test() {
    f = std::make_unique<flow>(io, clock, options{});
    f->add_tenant(std::make_unique<api_client>(tenant(), http, sealer));  // push, otp_sms, totp
    adapter = std::make_unique<bot_login>(*f);
  }

  std::future<assistant::action_result> begin(std::map<std::string, std::string> args, bool with_say = false) {
    bot::login_request req;
    req.conversation = conv;
    req.action_id = "a7";
    req.arguments = std::move(args);
    if (with_say) req.say = [this](bot::login_prompt p) { prompts.push_back(std::move(p)); };
    auto fut = boost::asio::co_spawn(io, adapter->start_login(std::move(req)), boost::asio::use_future);
    drain(io);
    return fut;
  }
  void advance(std::chrono::seconds d) {
    clock.advance(d);
    f->wake();
    drain(io);
  }
  static bool ready(std::future<assistant::action_result>& fut) { return fut.wait_for(0s) == std::future_status::ready; }

  boost::asio::io_context io;
  core::testing::fake_clock clock;
  crypto::secret_sealer sealer = *crypto::secret_sealer::create();
  net::testing::fake_http_client http;
  std::vector<bot::login_prompt> prompts;  // outlives the flow and the adapter
  std::unique_ptr<flow> f;
  std::unique_ptr<bot_login> adapter;
  bot::conversation_ref conv{"bankx", "bot-1", "conv-9", "dl_user"};

  bool consume(std::string text) { return run(io, adapter->consume(conv, std::move(text))); }
};

TEST_F(bot_login_test, asks_for_the_customer_id_and_the_method_then_prompts_for_the_code_as_a_secret) {
  auto fut = begin({}, true);
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_THAT(prompts[0].text, ::testing::HasSubstr("customer ID"));
  EXPECT_FALSE(prompts[0].expects_secret);
  EXPECT_TRUE(consume(" anna.schmidt "));
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_THAT(prompts[1].choices, ::testing::ElementsAre("Approve in the app", "Code by SMS", "Authenticator app code"));
  http.respond(started(5, 180, true));
  EXPECT_TRUE(consume("Code by SMS"));
  const auto body = body_of(http.requests().front());
  EXPECT_EQ(body.at("customerId"), "anna.schmidt");
  EXPECT_EQ(body.at("method"), "otp_sms");
  ASSERT_EQ(prompts.size(), 4u);
  EXPECT_TRUE(prompts[2].awaits_code) << "the channel's guard is told a code comes";
  EXPECT_TRUE(prompts[2].text.empty());
  EXPECT_EQ(prompts[3].text, "I've sent a 6-digit code to +44*******123. Please type it here.");
  EXPECT_TRUE(prompts[3].expects_secret);

  EXPECT_TRUE(consume("hello"));  // not a code: said again, nothing sent
  ASSERT_EQ(prompts.size(), 5u);
  EXPECT_TRUE(prompts[4].expects_secret);
  EXPECT_EQ(http.requests().size(), 1u);

  http.respond(json_response(400, json::object{{"error", json::object{{"code", "invalid_otp"}, {"message", "x"}, {"attemptsLeft", 2}}}}));
  EXPECT_TRUE(consume("111 111"));
  ASSERT_EQ(prompts.size(), 6u);
  EXPECT_THAT(prompts[5].text, ::testing::HasSubstr("2 attempt(s) left"));
  EXPECT_FALSE(ready(fut));

  http.respond(approved());
  EXPECT_TRUE(consume("492816"));
  EXPECT_EQ(body_of(http.requests().back()).at("otp"), "492816");
  drain(io);
  ASSERT_TRUE(ready(fut));
  EXPECT_EQ(fut.get().status, action_status::ok);
  EXPECT_TRUE(adapter->logged_in(conv));
  EXPECT_FALSE(consume("492816")) << "no login runs: the assistant gets the message";
}

TEST_F(bot_login_test, a_code_login_announces_the_code_before_the_bank_is_asked_to_send_it) {
  // Issue 14: the channel must mask a code the user types even before the code prompt is stored,
  // so the executor says "a code comes" before it calls /startLogin (which sends the SMS).
  std::vector<std::size_t> requests_when_told;
  bot::login_request req;
  req.conversation = conv;
  req.action_id = "a7";
  req.arguments = {{"customer_id", "anna.schmidt"}, {"method", "totp"}};
  req.say = [&](bot::login_prompt p) {
    requests_when_told.push_back(http.requests().size());
    prompts.push_back(std::move(p));
  };
  http.respond(started(5, 180, true));
  auto fut = boost::asio::co_spawn(io, adapter->start_login(std::move(req)), boost::asio::use_future);
  drain(io);
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_TRUE(prompts[0].awaits_code);
  EXPECT_EQ(requests_when_told[0], 0u) << "told before /startLogin";
  EXPECT_TRUE(prompts[1].expects_secret);
  EXPECT_EQ(requests_when_told[1], 1u);
  // A push login sends no code: no announcement.
  EXPECT_TRUE(consume("cancel"));
  drain(io);
  ASSERT_TRUE(ready(fut));
  prompts.clear();
  http.respond(started());
  auto push = begin({{"customer_id", "anna.schmidt"}, {"method", "push"}}, true);
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_FALSE(prompts[0].awaits_code);
  EXPECT_TRUE(consume("cancel"));
  drain(io);
}

TEST_F(bot_login_test, push_says_what_to_do_and_leaves_other_messages_to_the_assistant) {
  http.respond(started());
  auto fut = begin({{"customer_id", "anna.schmidt"}, {"method", "push"}}, true);
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_THAT(prompts[0].text, ::testing::HasSubstr("approve"));
  EXPECT_FALSE(consume("what are your opening hours?"));
  EXPECT_TRUE(consume("Cancel"));
  drain(io);
  ASSERT_TRUE(ready(fut));
  EXPECT_EQ(fut.get().reason, "login_cancelled");
  EXPECT_FALSE(f->in_progress(bot_login::key_of(conv)));
}

TEST_F(bot_login_test, cancel_while_a_question_waits) {
  auto fut = begin({}, true);
  EXPECT_TRUE(consume("cancel"));
  drain(io);
  ASSERT_TRUE(ready(fut));
  EXPECT_EQ(fut.get().reason, "login_cancelled");
  EXPECT_TRUE(http.requests().empty());
}

TEST_F(bot_login_test, completes_ok_when_the_phone_approves_and_the_user_is_logged_in) {
  http.respond(started());
  auto fut = begin({{"customer_id", "  anna.schmidt "}});
  EXPECT_FALSE(ready(fut)) << "the action lasts as long as the login";
  EXPECT_FALSE(adapter->logged_in(conv));
  http.respond(approved());
  advance(5s);
  ASSERT_TRUE(ready(fut));
  const auto r = fut.get();
  EXPECT_EQ(r.action_id, "a7");
  EXPECT_EQ(r.status, action_status::ok);
  EXPECT_TRUE(adapter->logged_in(conv));
  const auto body = body_of(http.requests().front());
  EXPECT_EQ(body.at("customerId"), "anna.schmidt");
  EXPECT_EQ(body.at("method"), "push") << "the tenant's first method by default";

  auto token = run(io, adapter->token(conv));
  ASSERT_TRUE(token);
  EXPECT_EQ(token->reveal(), access_token);
  http.respond(json_response(200, json::object{}));
  net::client_request req;
  req.url = "/accounts";
  ASSERT_TRUE(run(io, adapter->send_with_token(conv, std::move(req))));
  EXPECT_EQ(http.requests().back().headers.get("Authorization").value_or(""), "Bearer " + std::string(access_token));
  EXPECT_TRUE(http.requests().back().sensitive);

  // A 401: the token is wiped and the bot hears "not logged in".
  http.respond(json_response(401, json::object{}));
  auto refused = run(io, adapter->send_with_token(conv, net::client_request{}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), bot::errc::not_logged_in);
  EXPECT_FALSE(adapter->logged_in(conv));
}

TEST_F(bot_login_test, logout_revokes_and_wipes) {
  http.respond(started());
  auto fut = begin({{"customer_id", "anna.schmidt"}});
  http.respond(approved());
  advance(5s);
  ASSERT_TRUE(ready(fut));
  net::client_response gone;
  gone.status = 204;
  http.respond(gone);
  ASSERT_TRUE(run(io, adapter->logout(conv)));
  EXPECT_EQ(body_of(http.requests().back()).at("accessToken").as_string(), access_token);
  EXPECT_FALSE(adapter->logged_in(conv));
  auto again = run(io, adapter->logout(conv));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), bot::errc::not_logged_in);
}

TEST_F(bot_login_test, an_otp_login_completes_when_the_code_is_verified) {
  http.respond(started(5, 180, true));
  auto fut = begin({{"customer_id", "anna.schmidt"}, {"method", "otp_sms"}});
  EXPECT_EQ(body_of(http.requests().front()).at("method"), "otp_sms");
  http.respond(approved());
  auto v = run(io, f->verify_otp(bot_login::key_of(conv), core::secret_string("123456")));
  ASSERT_TRUE(v);
  drain(io);
  ASSERT_TRUE(ready(fut));
  EXPECT_EQ(fut.get().status, action_status::ok);
}

TEST_F(bot_login_test, denied_and_expired_map_to_the_assistant_statuses) {
  http.respond(started());
  auto denied = begin({{"customer_id", "anna.schmidt"}});
  http.respond(status("denied"));
  advance(5s);
  ASSERT_TRUE(ready(denied));
  EXPECT_EQ(denied.get().status, action_status::denied);

  http.respond(started(5, 6));
  auto expired = begin({{"customer_id", "anna.schmidt"}});
  http.respond(status("pending"));
  advance(5s);
  advance(1s);
  ASSERT_TRUE(ready(expired));
  EXPECT_EQ(expired.get().status, action_status::timeout);
  EXPECT_FALSE(adapter->logged_in(conv));
}

TEST_F(bot_login_test, refuses_without_a_customer_id_or_with_a_method_not_offered) {
  auto none = begin({});
  ASSERT_TRUE(ready(none));
  auto r = none.get();
  EXPECT_EQ(r.status, action_status::failed);
  EXPECT_EQ(r.reason, "customer_id_missing");
  auto ussd = begin({{"customer_id", "ben.meyer"}, {"method", "ussd"}});
  ASSERT_TRUE(ready(ussd));
  EXPECT_EQ(ussd.get().reason, "method_not_offered");
  EXPECT_TRUE(http.requests().empty());
  bot::conversation_ref other{"no-such-tenant", "b", "c", "u"};
  bot::login_request req;
  req.conversation = other;
  req.action_id = "x";
  req.arguments = {{"customer_id", "anna.schmidt"}};
  EXPECT_EQ(run(io, adapter->start_login(req)).reason, "login_unavailable");
}

TEST_F(bot_login_test, forget_cancels_and_revokes_and_shutdown_releases_a_waiting_action) {
  http.respond(started());
  auto first = begin({{"customer_id", "anna.schmidt"}});
  http.respond(approved());
  advance(5s);
  ASSERT_TRUE(ready(first));
  net::client_response gone;
  gone.status = 204;
  http.respond(gone);
  adapter->forget(conv);
  drain(io);
  EXPECT_EQ(http.requests().back().url, "http://127.0.0.1:9/api/v1/logout");
  EXPECT_FALSE(adapter->logged_in(conv));
  auto token = run(io, adapter->token(conv));
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error(), errc::not_logged_in);

  http.respond(started());
  auto waiting = begin({{"customer_id", "anna.schmidt"}});
  EXPECT_FALSE(ready(waiting));
  f->shutdown();
  drain(io);
  ASSERT_TRUE(ready(waiting));
  EXPECT_EQ(waiting.get().reason, "login_cancelled");
}

}  // namespace
}  // namespace parley::login
