// The Login API's state machine on a fake clock: statuses, polling speed, expiry, codes, limits,
// tokens, and no user enumeration.
#include "test_support.hpp"

#include <bankx/totp.hpp>

#include <parley/core/testing/log_capture.hpp>

#include <gtest/gtest.h>

namespace bankx {
namespace {

using namespace std::chrono_literals;
using test::fixture;

struct Login : ::testing::Test, fixture {
  poll_result poll_after(std::string_view token, std::chrono::milliseconds wait) {
    clock.advance(wait);
    auto r = b->logins().poll(token);
    EXPECT_TRUE(r);
    return r ? *r : poll_result{};
  }
};

TEST_F(Login, PushPendingUntilApprovedThenTheTokenOnce) {
  start_result started;
  const auto token = start("anna.schmidt", login_method::push, &started);
  EXPECT_EQ(started.interval, 5s);
  EXPECT_EQ(started.expires_in, 180s);
  EXPECT_EQ(started.otp_length, 0);
  EXPECT_TRUE(started.otp_sent_to.empty());
  EXPECT_EQ(poll_after(token, 5s).status, login_status::pending);
  EXPECT_EQ(poll_after(token, 5s).status, login_status::pending);
  ASSERT_TRUE(b->logins().decide("anna.schmidt", pending_id("anna.schmidt"), true));
  const auto approved = poll_after(token, 5s);
  ASSERT_EQ(approved.status, login_status::approved);
  ASSERT_TRUE(approved.access);
  EXPECT_EQ(approved.access->expires_in, 600s);
  EXPECT_EQ(b->access_tokens().validate(approved.access->token).value(), "anna.schmidt");
  EXPECT_EQ(poll_after(token, 5s).status, login_status::expired) << "the polling token is spent";
  EXPECT_TRUE(b->logins().pending_requests("anna.schmidt").empty());
}

TEST_F(Login, PushDeniedStaysDenied) {
  const auto token = start("anna.schmidt", login_method::push);
  ASSERT_TRUE(b->logins().decide("anna.schmidt", pending_id("anna.schmidt"), false));
  EXPECT_EQ(poll_after(token, 5s).status, login_status::denied);
  EXPECT_EQ(poll_after(token, 5s).status, login_status::denied);
  EXPECT_EQ(b->access_tokens().size(), 0u);
}

TEST_F(Login, UssdIsDecidedOnThePhoneToo) {
  const auto token = start("ben.meyer", login_method::ussd);
  const auto requests = b->logins().pending_requests("ben.meyer");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, login_method::ussd);
  ASSERT_TRUE(b->logins().decide("ben.meyer", requests[0].id, true));
  EXPECT_EQ(poll_after(token, 5s).status, login_status::approved);
}

TEST_F(Login, ExpiresAtItsLifetimeWithTheFakeClock) {
  const auto token = start("anna.schmidt", login_method::push);
  const auto id = pending_id("anna.schmidt");
  clock.advance(179s);
  EXPECT_EQ(b->logins().poll(token)->status, login_status::pending);
  clock.advance(1s);
  EXPECT_EQ(b->logins().poll(token)->status, login_status::expired);
  EXPECT_TRUE(b->logins().pending_requests("anna.schmidt").empty());
  EXPECT_EQ(b->logins().decide("anna.schmidt", id, true).error(), errc::not_found) << "gone after expiry";
}

TEST_F(Login, AnApprovalAfterExpiryIsRefused) {
  const auto token = start("anna.schmidt", login_method::push);
  const auto id = pending_id("anna.schmidt");
  clock.advance(181s);
  const auto r = b->logins().decide("anna.schmidt", id, true);
  EXPECT_FALSE(r);
  EXPECT_EQ(b->logins().poll(token)->status, login_status::expired);
}

TEST_F(Login, PollingTooFastGetsSlowDownAndTheIntervalGrows) {
  const auto token = start("anna.schmidt", login_method::push);
  auto r = poll_after(token, 1s);
  EXPECT_EQ(r.status, login_status::slow_down) << "the first poll also waits an interval";
  EXPECT_EQ(r.interval, 10s);
  r = poll_after(token, 5s);
  EXPECT_EQ(r.status, login_status::slow_down) << "5 s is now too fast";
  EXPECT_EQ(r.interval, 15s);
  r = poll_after(token, 15s);
  EXPECT_EQ(r.status, login_status::pending);
  EXPECT_EQ(r.interval, 15s) << "the interval stays grown (RFC 8628 §3.5)";
  EXPECT_EQ(poll_after(token, 14600ms).status, login_status::pending) << "500 ms of jitter is allowed";
  EXPECT_EQ(poll_after(token, 14400ms).status, login_status::slow_down);
}

TEST_F(Login, TheIntervalStopsGrowingAtItsMaximum) {
  const auto token = start("anna.schmidt", login_method::push);
  poll_result r;
  for (int i = 0; i < 20; ++i) r = poll_after(token, 1s);
  EXPECT_EQ(r.status, login_status::slow_down);
  EXPECT_EQ(r.interval, 60s);
}

TEST_F(Login, AHammeringPollerCannotFloodTheLog) {
  const auto token = start("anna.schmidt", login_method::push);
  parley::core::testing::log_capture logs;
  for (int i = 0; i < 100; ++i) (void)poll_after(token, 100ms);
  std::size_t lines = 0;
  for (const auto& line : logs.lines()) lines += line.find("slow_down") != std::string::npos ? 1 : 0;
  EXPECT_EQ(lines, 11u) << "one line per growth 5 s -> 60 s, then silence at info level";
}

TEST_F(Login, ADecidedLoginIsAnsweredEvenWhenPolledTooFast) {
  const auto token = start("anna.schmidt", login_method::push);
  ASSERT_TRUE(b->logins().decide("anna.schmidt", pending_id("anna.schmidt"), true));
  EXPECT_EQ(poll_after(token, 1s).status, login_status::approved);
}

TEST_F(Login, SmsCodeRightApproves) {
  start_result started;
  const auto token = start("anna.schmidt", login_method::otp_sms, &started);
  EXPECT_EQ(started.otp_sent_to, "+44*******123");
  EXPECT_EQ(started.otp_length, 6);
  const auto msgs = b->messages().messages("anna.schmidt");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].channel, outbox_message::kind::sms);
  EXPECT_EQ(msgs[0].to, "+447700900123");
  EXPECT_EQ(poll_after(token, 5s).status, login_status::pending);
  auto r = b->logins().verify_otp(token, last_code("anna.schmidt"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, login_status::approved);
  ASSERT_TRUE(r->access);
  EXPECT_EQ(b->access_tokens().validate(r->access->token).value(), "anna.schmidt");
  EXPECT_EQ(poll_after(token, 5s).status, login_status::expired) << "spent";
}

TEST_F(Login, MailCodeGoesToTheMailOutbox) {
  start_result started;
  const auto token = start("david.okafor", login_method::otp_email, &started);
  EXPECT_EQ(started.otp_sent_to, "d***@mail.example");
  const auto msgs = b->messages().messages("david.okafor");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].channel, outbox_message::kind::email);
  EXPECT_EQ(msgs[0].to, "david.okafor@mail.example");
  EXPECT_EQ(b->logins().verify_otp(token, last_code("david.okafor"))->status, login_status::approved);
}

TEST_F(Login, WrongCodesCountDownThenTheLoginIsDenied) {
  const auto token = start("carla.rossi", login_method::otp_sms);
  const auto right = last_code("carla.rossi");
  const std::string wrong = right == "000000" ? "111111" : "000000";
  refusal d;
  EXPECT_EQ(b->logins().verify_otp(token, wrong, &d).error(), errc::invalid_otp);
  EXPECT_EQ(d.attempts_left, 2);
  EXPECT_EQ(b->logins().verify_otp(token, wrong, &d).error(), errc::invalid_otp);
  EXPECT_EQ(d.attempts_left, 1);
  EXPECT_EQ(b->logins().verify_otp(token, wrong, &d).error(), errc::invalid_otp);
  EXPECT_EQ(d.attempts_left, 0);
  EXPECT_EQ(b->logins().verify_otp(token, right)->status, login_status::denied) << "the right code is too late";
  EXPECT_EQ(poll_after(token, 5s).status, login_status::denied);
  EXPECT_EQ(b->access_tokens().size(), 0u);
}

TEST_F(Login, MalformedCodesAreNotAttempts) {
  const auto token = start("carla.rossi", login_method::otp_sms);
  for (const char* bad : {"12345", "1234567", "12a456", ""}) {
    EXPECT_EQ(b->logins().verify_otp(token, bad).error(), errc::invalid_request) << bad;
  }
  EXPECT_EQ(b->logins().verify_otp(token, last_code("carla.rossi"))->status, login_status::approved);
}

TEST_F(Login, CodeAttemptsAreLimitedPerCustomerAcrossLogins) {
  // 10 attempts per hour per customer identifier, whichever login they come through.
  std::vector<std::pair<std::string, std::string>> logins;  // polling token, a wrong code for it
  for (int i = 0; i < 4; ++i) {
    const auto token = start("carla.rossi", login_method::otp_sms);
    logins.emplace_back(token, last_code("carla.rossi") == "000000" ? "111111" : "000000");
  }
  int refused = 0;
  for (const auto& [token, wrong] : logins) {
    for (int k = 0; k < 3; ++k) {
      refusal d;
      const auto r = b->logins().verify_otp(token, wrong, &d);
      if (!r && r.error() == errc::too_many_attempts) {
        ++refused;
        EXPECT_GT(d.retry_after, 0s);
      }
    }
  }
  EXPECT_EQ(refused, 2) << "12 attempts, 10 allowed";
  const auto token = start("carla.rossi", login_method::otp_sms);
  EXPECT_EQ(b->logins().verify_otp(token, last_code("carla.rossi")).error(), errc::too_many_attempts)
      << "even the right code waits";
  clock.advance(361s);  // one attempt's worth of refill (3600 s / 10)
  const auto later = start("carla.rossi", login_method::otp_sms);
  EXPECT_EQ(b->logins().verify_otp(later, last_code("carla.rossi"))->status, login_status::approved);
}

TEST_F(Login, StartsAreLimitedPerCustomerIdentifier) {
  for (int i = 0; i < 5; ++i) start("anna.schmidt", login_method::push);
  refusal d;
  EXPECT_EQ(b->logins().start({"anna.schmidt", login_method::push, "c"}, &d).error(), errc::too_many_requests);
  EXPECT_GT(d.retry_after, 0s);
  EXPECT_EQ(b->logins().start({"nobody.here", login_method::push, "c"}).has_value(), true) << "per identifier";
  for (int i = 0; i < 5; ++i) start("nobody.there", login_method::push);
  EXPECT_EQ(b->logins().start({"nobody.there", login_method::push, "c"}).error(), errc::too_many_requests)
      << "unknown identifiers are limited the same way";
}

TEST_F(Login, TotpLoginWithTheAuthenticatorAndNoReplay) {
  start_result started;
  const auto token = start("eva.nowak", login_method::totp, &started);
  EXPECT_EQ(started.otp_length, 6);
  EXPECT_TRUE(started.otp_sent_to.empty());
  const auto code = b->authenticators().view("eva.nowak").current_code;
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(b->logins().verify_otp(token, code)->status, login_status::approved);
  const auto second = start("eva.nowak", login_method::totp);
  refusal d;
  EXPECT_EQ(b->logins().verify_otp(second, code, &d).error(), errc::invalid_otp) << "a used code is used up";
  clock.advance(30s);
  EXPECT_EQ(b->logins().verify_otp(second, b->authenticators().view("eva.nowak").current_code)->status,
            login_status::approved);
}

TEST_F(Login, VerifyOtpOnAPushLoginIsRefused) {
  const auto token = start("anna.schmidt", login_method::push);
  EXPECT_EQ(b->logins().verify_otp(token, "123456").error(), errc::otp_not_expected);
}

TEST_F(Login, LogoutRevokesTheAccessToken) {
  const auto token = start("anna.schmidt", login_method::push);
  ASSERT_TRUE(b->logins().decide("anna.schmidt", pending_id("anna.schmidt"), true));
  const auto access = poll_after(token, 5s).access->token;
  ASSERT_TRUE(b->access_tokens().validate(access));
  b->logins().logout(access);
  EXPECT_EQ(b->access_tokens().validate(access).error(), errc::invalid_token);
  b->logins().logout(access);  // again, and unknown tokens: no effect, no error
  b->logins().logout("bxa_nonsense");
}

TEST_F(Login, AccessTokensExpire) {
  const auto token = start("anna.schmidt", login_method::push);
  ASSERT_TRUE(b->logins().decide("anna.schmidt", pending_id("anna.schmidt"), true));
  const auto access = poll_after(token, 5s).access->token;
  clock.advance(599s);
  EXPECT_TRUE(b->access_tokens().validate(access));
  clock.advance(1s);
  EXPECT_EQ(b->access_tokens().validate(access).error(), errc::invalid_token);
}

TEST_F(Login, PollingTokensAreSinglePurpose) {
  const auto token = start("anna.schmidt", login_method::push);
  EXPECT_EQ(b->access_tokens().validate(token).error(), errc::invalid_token) << "not an access token";
  ASSERT_TRUE(b->logins().decide("anna.schmidt", pending_id("anna.schmidt"), true));
  const auto access = poll_after(token, 5s).access->token;
  EXPECT_EQ(poll_after(access, 5s).status, login_status::expired) << "an access token is not a polling token";
  EXPECT_EQ(poll_after("bxp_short", 5s).status, login_status::expired);
}

TEST_F(Login, AnotherCustomersPhoneCannotDecide) {
  const auto token = start("anna.schmidt", login_method::push);
  const auto id = pending_id("anna.schmidt");
  EXPECT_EQ(b->logins().decide("ben.meyer", id, true).error(), errc::not_found);
  EXPECT_EQ(poll_after(token, 5s).status, login_status::pending);
}

// --- no user enumeration ---

TEST_F(Login, UnknownCustomersLookExactlyLikeKnownOnes) {
  for (auto m : {login_method::push, login_method::ussd, login_method::otp_sms, login_method::otp_email,
                 login_method::totp}) {
    start_result known, unknown;
    const auto k = start("anna.schmidt", m, &known);
    const auto u = start("zed.unknown", m, &unknown);
    EXPECT_EQ(known.polling_token.size(), unknown.polling_token.size());
    EXPECT_EQ(known.polling_token.substr(0, 4), unknown.polling_token.substr(0, 4));
    EXPECT_EQ(known.interval, unknown.interval);
    EXPECT_EQ(known.expires_in, unknown.expires_in);
    EXPECT_EQ(known.otp_length, unknown.otp_length);
    EXPECT_EQ(known.otp_sent_to.empty(), unknown.otp_sent_to.empty()) << to_string(m);
    EXPECT_EQ(known.otp_sent_to.size(), unknown.otp_sent_to.size());
    const auto known_status = poll_after(k, 5s).status;
    EXPECT_EQ(known_status, poll_after(u, 0s).status);
  }
}

TEST_F(Login, UnknownCustomersGetAStableHintAndNoMessage) {
  start_result a, b2;
  start("zed.unknown", login_method::otp_sms, &a);
  start("zed.unknown", login_method::otp_sms, &b2);
  EXPECT_EQ(a.otp_sent_to, b2.otp_sent_to) << "asking twice cannot tell a fake hint from a real one";
  EXPECT_EQ(a.otp_sent_to.substr(0, 10), "+44*******");
  start_result mail;
  start("zed.unknown", login_method::otp_email, &mail);
  EXPECT_EQ(mail.otp_sent_to, "z***@mail.example");
  EXPECT_TRUE(b->messages().messages("zed.unknown").empty());
}

TEST_F(Login, AnUnknownCustomersLoginEndsDeniedOrExpiredAndNeverApproved) {
  const auto otp = start("zed.unknown", login_method::otp_sms);
  refusal d;
  for (int i = 3; i > 0; --i) {
    EXPECT_EQ(b->logins().verify_otp(otp, "123456", &d).error(), errc::invalid_otp);
    EXPECT_EQ(d.attempts_left, i - 1);
  }
  EXPECT_EQ(poll_after(otp, 5s).status, login_status::denied);

  const auto push = start("zed.unknown", login_method::push);
  EXPECT_TRUE(b->logins().pending_requests("zed.unknown").empty());
  EXPECT_EQ(poll_after(push, 179s).status, login_status::pending);
  EXPECT_EQ(poll_after(push, 1s).status, login_status::expired);
}

TEST_F(Login, AMethodTheCustomerHasNotEnrolledBehavesLikeAnUnknownCustomer) {
  start_result started;
  const auto token = start("ben.meyer", login_method::otp_sms, &started);  // Ben only has USSD
  EXPECT_EQ(started.otp_sent_to.substr(0, 10), "+44*******");
  EXPECT_TRUE(b->messages().messages("ben.meyer").empty());
  EXPECT_TRUE(b->logins().pending_requests("ben.meyer").empty());
  EXPECT_EQ(b->logins().verify_otp(token, "123456").error(), errc::invalid_otp);
}

// --- what is logged ---

TEST_F(Login, LogsNeitherTokensNorCodesNorWhetherTheCustomerExists) {
  parley::core::testing::log_capture logs;
  start_result started;
  const auto token = start("carla.rossi", login_method::otp_sms, &started);
  const auto code = last_code("carla.rossi");
  const auto access = b->logins().verify_otp(token, code)->access->token;
  const auto unknown = start("zed.unknown", login_method::push);
  b->logins().logout(access);
  EXPECT_TRUE(logs.contains(token_log_id(token))) << "the login id is logged";
  for (const auto& secret : {token, access, code, unknown}) EXPECT_FALSE(logs.contains(secret)) << secret;
  EXPECT_FALSE(logs.contains("zed.unknown"));
  EXPECT_FALSE(logs.contains("+447700900789"));
}

TEST_F(Login, CapacityIsBounded) {
  auto o = test::test_options();
  o.max_pending_logins = 2;
  fixture small(o);
  ASSERT_TRUE(small.b->logins().start({"a", login_method::push, "c"}));
  ASSERT_TRUE(small.b->logins().start({"b", login_method::push, "c"}));
  EXPECT_EQ(small.b->logins().start({"c", login_method::push, "c"}).error(), errc::temporarily_unavailable);
  small.clock.advance(181s);
  EXPECT_TRUE(small.b->logins().start({"c", login_method::push, "c"})) << "expired logins are purged";
}

}  // namespace
}  // namespace bankx
