// The polling flow on a fake clock and a scripted Login API: interval, slow_down, expiry, the
// outcomes, codes, one login per conversation, cancel, logout, 401, shutdown, and log hygiene.
#include "test_support.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/log_format.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/login/flow.hpp>
#include <parley/net/metrics.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/json/parse.hpp>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>

#include <vector>

namespace parley::login {
namespace {

using namespace test;

class flow_test : public ::testing::Test {
 protected:
  flow_test() {
    options o;
    o.idle_timeout = 15min;
    f = std::make_unique<flow>(io, clock, o);
    f->add_tenant(std::make_unique<api_client>(tenant(), http, sealer));
  }

  result<start_info> start(method m = method::push) {
    return run(io, f->start(key, "anna.schmidt", m, [this](const conversation_key& k, outcome o) {
      EXPECT_EQ(k, key);
      outcomes.push_back(o);
    }));
  }
  /// Moves the fake clock and lets the pollers react.
  void advance(std::chrono::milliseconds d) {
    clock.advance(d);
    f->wake();
    drain(io);
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& r : http.requests()) out.push_back(r.url.substr(r.url.rfind('/')));
    return out;
  }
  std::size_t polls() const {
    std::size_t n = 0;
    for (const auto& p : paths()) n += p == "/pollLogin";
    return n;
  }

  boost::asio::io_context io;
  core::testing::fake_clock clock;
  crypto::secret_sealer sealer = *crypto::secret_sealer::create();
  net::testing::fake_http_client http;
  conversation_key key{"bankx", "conv-1"};
  std::vector<outcome> outcomes;  // before f: the flow reports `cancelled` when it is destroyed
  std::unique_ptr<flow> f;
};

TEST_F(flow_test, start_sends_start_login_with_client_credentials) {
  http.respond(started());
  auto info = start();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->expires_in, 180s);
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url, "http://127.0.0.1:9/api/v1/startLogin");
  EXPECT_TRUE(reqs[0].sensitive);
  EXPECT_EQ(reqs[0].headers.get("Authorization").value_or(""),
            "Basic " + core::base64_encode(crypto::as_bytes("parley:" + std::string(client_secret))));
  auto body = body_of(reqs[0]);
  EXPECT_EQ(body.at("customerId"), "anna.schmidt");
  EXPECT_EQ(body.at("method"), "push");
  // The conversation reference is a hash and a serial, not our conversation id.
  EXPECT_THAT(std::string(body.at("conversationRef").as_string()), ::testing::MatchesRegex("^[0-9a-f]{16}:[0-9]+$"));
  EXPECT_TRUE(f->in_progress(key));
}

TEST_F(flow_test, waits_the_interval_before_the_first_poll_and_between_polls) {
  http.respond(started(5));
  ASSERT_TRUE(start());
  advance(4900ms);
  EXPECT_EQ(polls(), 0u);
  http.respond(status("pending", 5));
  advance(100ms);
  EXPECT_EQ(polls(), 1u);
  advance(4s);
  EXPECT_EQ(polls(), 1u);
  http.respond(status("pending", 5));
  advance(1s);
  EXPECT_EQ(polls(), 2u);
  EXPECT_EQ(body_of(http.requests().back()).at("pollingToken").as_string(), polling_token);
}

TEST_F(flow_test, a_larger_interval_from_the_bank_is_honoured) {
  http.respond(started(5));
  ASSERT_TRUE(start());
  http.respond(status("pending", 8));
  advance(5s);
  ASSERT_EQ(polls(), 1u);
  advance(7s);
  EXPECT_EQ(polls(), 1u);
  http.respond(status("pending", 8));
  advance(1s);
  EXPECT_EQ(polls(), 2u);
}

TEST_F(flow_test, slow_down_adds_five_seconds_for_this_and_every_later_poll) {
  http.respond(started(5));
  ASSERT_TRUE(start());
  http.respond(status("slow_down"));  // no interval in the answer: +5 s on our side
  advance(5s);
  ASSERT_EQ(polls(), 1u);
  advance(9s);
  EXPECT_EQ(polls(), 1u);
  http.respond(status("pending"));
  advance(1s);
  EXPECT_EQ(polls(), 2u);
  advance(9s);  // still 10 s between polls
  EXPECT_EQ(polls(), 2u);
  http.respond(status("slow_down", 15));
  advance(1s);
  EXPECT_EQ(polls(), 3u);
  advance(14s);  // now 15 s
  EXPECT_EQ(polls(), 3u);
  http.respond(status("pending"));
  advance(1s);
  EXPECT_EQ(polls(), 4u);
}

TEST_F(flow_test, stops_at_expires_in_and_reports_expired) {
  http.respond(started(5, 12));
  ASSERT_TRUE(start());
  http.respond(status("pending"));
  advance(5s);
  http.respond(status("pending"));
  advance(5s);
  EXPECT_EQ(polls(), 2u);
  EXPECT_TRUE(outcomes.empty());
  advance(2s);  // t = 12 s: the login is over, no third poll
  EXPECT_EQ(polls(), 2u);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::expired));
  EXPECT_FALSE(f->in_progress(key));
  advance(60s);
  EXPECT_EQ(polls(), 2u);
}

TEST_F(flow_test, max_login_time_caps_a_long_expires_in) {
  auto t = tenant("capped");
  t.max_login_time = 30s;
  f->add_tenant(std::make_unique<api_client>(std::move(t), http, sealer));
  http.respond(started(5, 3600));
  auto info = run(io, f->start({"capped", "c"}, "anna.schmidt", method::push, [](auto&, auto) {}));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->expires_in, 30s);
}

TEST_F(flow_test, approved_puts_the_sealed_token_in_the_vault_and_calls_the_api_with_it) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved(600));
  advance(5s);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::approved));
  EXPECT_TRUE(f->logged_in(key));
  EXPECT_FALSE(f->in_progress(key));
  advance(30s);
  EXPECT_EQ(polls(), 1u);  // polling stopped

  http.respond(json_response(200, json::object{{"accounts", json::array{}}}));
  net::client_request req;
  req.url = "/accounts";
  auto res = run(io, f->call_api(key, std::move(req)));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const auto sent = http.requests().back();
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/api/v1/accounts");
  EXPECT_EQ(sent.headers.get("Authorization").value_or(""), "Bearer " + std::string(access_token));
  EXPECT_TRUE(sent.sensitive);
}

TEST_F(flow_test, the_token_expires_with_the_bank_token) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved(60));
  advance(5s);
  ASSERT_TRUE(f->logged_in(key));
  clock.advance(60s);
  EXPECT_FALSE(f->logged_in(key));
  auto res = run(io, f->call_api(key, net::client_request{}));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), errc::not_logged_in);
}

TEST_F(flow_test, a_401_from_the_bank_wipes_the_token) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved());
  advance(5s);
  http.respond(json_response(401, json::object{{"error", json::object{{"code", "invalid_token"}, {"message", "x"}}}}));
  auto res = run(io, f->call_api(key, net::client_request{}));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), errc::token_rejected);
  EXPECT_FALSE(f->logged_in(key));
  EXPECT_EQ(f->vault().size(), 0u);
}

TEST_F(flow_test, denied_ends_the_login) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(status("denied"));
  advance(5s);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::denied));
  EXPECT_FALSE(f->logged_in(key));
  EXPECT_FALSE(f->in_progress(key));
}

TEST_F(flow_test, transport_errors_are_retried_until_expiry_and_a_401_fails_the_login) {
  http.respond(started(5, 60));
  ASSERT_TRUE(start());
  http.fail(net::errc::timeout);
  advance(5s);
  http.respond(status("pending"));
  advance(5s);
  EXPECT_EQ(polls(), 2u);
  EXPECT_TRUE(outcomes.empty());
  http.respond(json_response(401, json::object{{"error", json::object{{"code", "invalid_client"}, {"message", "x"}}}}));
  advance(5s);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::failed));
}

TEST_F(flow_test, one_login_per_conversation) {
  http.respond(started());
  ASSERT_TRUE(start());
  auto again = start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::login_in_progress);
  EXPECT_EQ(http.requests().size(), 1u);
  // Another conversation may log in meanwhile.
  http.respond(started());
  EXPECT_TRUE(run(io, f->start({"bankx", "conv-2"}, "ben.meyer", method::push, [](auto&, auto) {})));
  EXPECT_EQ(f->logins(), 2u);
}

TEST_F(flow_test, a_failed_start_frees_the_conversation) {
  net::client_response busy = json_response(429, json::object{{"error", json::object{{"code", "too_many_requests"}, {"message", "x"}}}});
  busy.headers.set("Retry-After", "120");
  http.respond(busy);
  auto r = start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::rate_limited);
  EXPECT_FALSE(f->in_progress(key));
  http.respond(started());
  EXPECT_TRUE(start());
}

// parley_login_outcomes_total{tenant, outcome}: one count per login's end, and start_failed when
// the bank refused to start one.
TEST_F(flow_test, outcomes_are_counted_per_tenant) {
  net::metrics_registry metrics;
  f->count_outcomes(metrics);
  const auto count = [&](const char* o) {
    return metrics.counter_for("parley_login_outcomes_total", "", {{"tenant", "bankx"}, {"outcome", o}}).value();
  };
  http.respond(json_response(429, json::object{{"error", json::object{{"code", "too_many_requests"}, {"message", "x"}}}}));
  ASSERT_FALSE(start());
  EXPECT_EQ(count("start_failed"), 1u);
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(status("denied"));
  advance(5s);
  EXPECT_EQ(count("denied"), 1u);
  http.respond(started());
  ASSERT_TRUE(start());
  EXPECT_TRUE(f->cancel(key));
  EXPECT_EQ(count("cancelled"), 1u);
  http.respond(started());
  ASSERT_TRUE(start());
  f->shutdown();
  EXPECT_EQ(count("cancelled"), 2u);
  EXPECT_EQ(count("approved"), 0u);
  f.reset();  // before the registry it counts in
}

TEST_F(flow_test, cancel_stops_polling_and_reports_cancelled_once) {
  http.respond(started());
  ASSERT_TRUE(start());
  EXPECT_TRUE(f->cancel(key));
  EXPECT_FALSE(f->cancel(key));
  advance(60s);
  EXPECT_EQ(polls(), 0u);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::cancelled));
  EXPECT_FALSE(f->in_progress(key));
}

TEST_F(flow_test, otp_right_code_logs_in_and_reports_approved_once) {
  http.respond(started(5, 180, true));
  auto info = start(method::otp_sms);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->otp_sent_to.value_or(""), "+44*******123");
  EXPECT_EQ(info->otp_length.value_or(0), 6);
  http.respond(json_response(400, json::object{{"error", json::object{{"code", "invalid_otp"}, {"message", "wrong code"}, {"attemptsLeft", 2}}}}));
  auto wrong = run(io, f->verify_otp(key, core::secret_string("111111")));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, login_status::wrong_code);
  EXPECT_EQ(wrong->attempts_left, 2);
  EXPECT_TRUE(f->in_progress(key));
  http.respond(approved());
  auto right = run(io, f->verify_otp(key, core::secret_string("492816")));
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, login_status::approved);
  EXPECT_TRUE(f->logged_in(key));
  EXPECT_FALSE(f->in_progress(key));
  const auto body = body_of(http.requests().back());
  EXPECT_EQ(body.at("otp"), "492816");
  advance(60s);
  EXPECT_EQ(polls(), 0u);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::approved));
}

TEST_F(flow_test, otp_last_wrong_code_denies_and_push_takes_no_code) {
  http.respond(started(5, 180, true));
  ASSERT_TRUE(start(method::totp));
  http.respond(json_response(400, json::object{{"error", json::object{{"code", "invalid_otp"}, {"message", "x"}, {"attemptsLeft", 0}}}}));
  auto last = run(io, f->verify_otp(key, core::secret_string("111111")));
  ASSERT_TRUE(last);
  EXPECT_EQ(last->status, login_status::denied);
  EXPECT_FALSE(f->in_progress(key));
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::denied));

  http.respond(started());
  ASSERT_TRUE(start(method::push));
  auto code = run(io, f->verify_otp(key, core::secret_string("123456")));
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error(), errc::otp_not_expected);
  auto letters = run(io, f->verify_otp({"bankx", "none"}, core::secret_string("123456")));
  ASSERT_FALSE(letters);
  EXPECT_EQ(letters.error(), errc::no_login);
}

TEST_F(flow_test, otp_that_is_not_digits_is_never_sent) {
  http.respond(started(5, 180, true));
  ASSERT_TRUE(start(method::otp_sms));
  const auto before = http.requests().size();
  auto r = run(io, f->verify_otp(key, core::secret_string("12ab56")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_request);
  EXPECT_EQ(http.requests().size(), before);
}

TEST_F(flow_test, logout_revokes_at_the_bank_and_wipes_the_token) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved());
  advance(5s);
  ASSERT_TRUE(f->logged_in(key));
  net::client_response done;
  done.status = 204;
  http.respond(done);
  auto r = run(io, f->logout(key));
  ASSERT_TRUE(r);
  const auto sent = http.requests().back();
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/api/v1/logout");
  EXPECT_EQ(body_of(sent).at("accessToken").as_string(), access_token);
  EXPECT_TRUE(sent.sensitive);
  EXPECT_FALSE(f->logged_in(key));
  auto again = run(io, f->logout(key));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::not_logged_in);
}

TEST_F(flow_test, logout_wipes_the_token_even_when_the_bank_is_down) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved());
  advance(5s);
  http.fail(net::errc::connect_failed);
  auto r = run(io, f->logout(key));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bank_unavailable);
  EXPECT_FALSE(f->logged_in(key));
}

TEST_F(flow_test, end_of_conversation_cancels_and_logs_out) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved());
  advance(5s);
  net::client_response done;
  done.status = 204;
  http.respond(done);
  run(io, f->end_conversation(key));
  EXPECT_EQ(paths().back(), "/logout");
  EXPECT_FALSE(f->logged_in(key));
}

TEST_F(flow_test, shutdown_stops_polling_and_wipes_the_vault) {
  http.respond(started());
  ASSERT_TRUE(start());
  http.respond(approved());
  advance(5s);
  http.respond(started());
  std::vector<outcome> second;
  ASSERT_TRUE(run(io, f->start({"bankx", "conv-2"}, "ben.meyer", method::push,
                                [&second](auto&, outcome o) { second.push_back(o); })));
  f->shutdown();
  drain(io);
  EXPECT_THAT(outcomes, ::testing::ElementsAre(outcome::approved)) << "the ended login is not reported again";
  EXPECT_EQ(f->vault().size(), 0u);
  EXPECT_EQ(f->logins(), 0u);
  EXPECT_THAT(second, ::testing::ElementsAre(outcome::cancelled)) << "a waiting caller is released";
  const auto before = polls();
  advance(60s);
  EXPECT_EQ(polls(), before);
  auto r = start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::shutting_down);
}

// W3C traceparent: the login's calls to the bank (start, polls, codes) carry the traceparent of
// the request that led to it, and its JSON log lines the conversation, tenant and trace id as
// fields; never a token, code, customer id or secret, and the conversation id only in its field
// (the text names the login by its conversationRef, as the bank's log does).
TEST_F(flow_test, the_login_carries_its_trace_to_the_bank_and_into_json_log_lines) {
  const auto file = std::filesystem::temp_directory_path() / ("parley_flow_trace_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(file);
  ASSERT_FALSE(core::init_logging({.level = "info", .file = file.string()}));
  ASSERT_FALSE(core::set_log_format(core::log_format::json));
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  http.respond(started(5, 180, true));
  ASSERT_TRUE(run(io, f->start(key, "anna.schmidt", method::otp_sms, [](auto&, auto) {}, traceparent)));
  http.respond(status("pending"));
  advance(5s);
  http.respond(approved());
  ASSERT_TRUE(run(io, f->verify_otp(key, core::secret_string("246802"))));
  // Without a caller's trace (in-process), a login starts its own: valid, and new each time.
  http.respond(started());
  ASSERT_TRUE(run(io, f->start({"bankx", "conv-2"}, "ben.meyer", method::push, [](auto&, auto) {})));
  core::logger("login")->flush();
  ASSERT_FALSE(core::init_logging({}));  // stderr and text again for the other tests

  const auto sent = http.requests();
  ASSERT_EQ(sent.size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(sent[i].headers.get("traceparent"), traceparent) << sent[i].url;
  const auto own = net::parse_traceparent(std::string(sent[3].headers.get("traceparent").value_or("")));
  ASSERT_TRUE(own);
  EXPECT_NE(own->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");

  std::ifstream in(file);
  std::vector<boost::json::object> lines;
  for (std::string line; std::getline(in, line);) {
    for (const std::string_view needle : {access_token, polling_token, client_secret, std::string_view("246802"),
                                          std::string_view("anna.schmidt"), std::string_view("ben.meyer")}) {
      EXPECT_EQ(line.find(needle), std::string::npos) << needle << " in " << line;
    }
    lines.push_back(boost::json::parse(line).as_object());
    const std::string_view msg = lines.back().at("msg").as_string();
    EXPECT_EQ(msg.find("conv-"), std::string_view::npos) << line;
  }
  std::filesystem::remove(file);
  const auto traced = std::count_if(lines.begin(), lines.end(), [](const boost::json::object& o) {
    return o.contains("trace_id") && o.at("trace_id").as_string() == "4bf92f3577b34da6a3ce929d0e0e4736" &&
           o.at("tenant").as_string() == "bankx" && o.at("conversation").as_string() == "conv-1";
  });
  EXPECT_GE(traced, 2) << "the login's started and outcome lines carry its conversation, trace and tenant";
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const boost::json::object& o) {
    return o.contains("conversation") && o.at("conversation").as_string() == "conv-2" && o.contains("trace_id");
  })) << "a login without a caller's trace has its own, and its conversation";
}

TEST_F(flow_test, no_token_code_or_secret_reaches_a_log_line) {
  core::testing::log_capture logs;
  http.respond(started(5, 180, true));
  ASSERT_TRUE(start(method::otp_sms));
  http.respond(json_response(400, json::object{{"error", json::object{{"code", "invalid_otp"}, {"message", "x"}, {"attemptsLeft", 2}}}}));
  (void)run(io, f->verify_otp(key, core::secret_string("135791")));
  http.respond(approved());
  ASSERT_TRUE(run(io, f->verify_otp(key, core::secret_string("246802"))));
  http.respond(json_response(401, json::object{}));
  (void)run(io, f->call_api(key, net::client_request{}));
  EXPECT_FALSE(logs.lines().empty());
  for (const auto& needle : {std::string(access_token), std::string(polling_token), std::string(client_secret),
                             std::string("135791"), std::string("246802"), std::string("anna.schmidt"),
                             std::string("conv-1")}) {
    EXPECT_FALSE(logs.contains(needle)) << needle;
  }
}

}  // namespace
}  // namespace parley::login
