// Each login method end to end over HTTP: the bot's calls with client credentials, the phone's
// answers through its own JSON API, and BankX's clock moved by the test instead of sleeping.
#include "bankx_client.hpp"

#include <parley/core/testing/log_capture.hpp>

namespace bankx::test {
namespace {

struct HttpLogin : ::testing::Test, bankx_server {};

TEST_F(HttpLogin, PushApprovedOnThePhone) {
  auto started = start("anna.schmidt", "push");
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.raw.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(started.raw.header("cache-control"), "no-store");
  const auto token = started.str("pollingToken");
  EXPECT_EQ(token.substr(0, 4), "bxp_");
  EXPECT_EQ(started.num("interval"), 5);
  EXPECT_EQ(started.num("expiresIn"), 180);
  EXPECT_FALSE(started.body.as_object().contains("otpSentTo"));

  clock.advance(5s);
  auto polled = poll(token);
  EXPECT_EQ(polled.status, 200);
  EXPECT_EQ(polled.str("status"), "pending");
  EXPECT_EQ(polled.num("interval"), 5);

  const auto session = phone_session("anna.schmidt");
  auto list = requests(session);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("method").as_string(), "push");
  const std::string id(list[0].at("id").as_string());
  EXPECT_EQ(phone("POST", "/requests/" + id + "/approve", session).status, 204);
  auto twice = phone("POST", "/requests/" + id + "/approve", session);
  EXPECT_EQ(twice.status, 409) << "a decided request cannot be decided again";
  EXPECT_EQ(twice.error_code(), "login_not_pending");
  EXPECT_TRUE(requests(session).empty()) << "nor is it shown";

  clock.advance(5s);
  polled = poll(token);
  ASSERT_EQ(polled.str("status"), "approved");
  EXPECT_EQ(polled.str("tokenType"), "Bearer");
  EXPECT_EQ(polled.num("expiresIn"), 600);
  const auto access = polled.str("accessToken");
  EXPECT_EQ(access.substr(0, 4), "bxa_");
  EXPECT_FALSE(polled.body.as_object().contains("interval"));
  EXPECT_EQ(accounts_get("/accounts", access).status, 200);

  clock.advance(5s);
  EXPECT_EQ(poll(token).str("status"), "expired") << "the token was handed out once";
}

TEST_F(HttpLogin, PushDeniedOnThePhone) {
  const auto token = start("eva.nowak", "push").str("pollingToken");
  const auto session = phone_session("eva.nowak");
  auto list = requests(session);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(phone("POST", "/requests/" + std::string(list[0].at("id").as_string()) + "/deny", session).status, 204);
  clock.advance(5s);
  auto polled = poll(token);
  EXPECT_EQ(polled.str("status"), "denied");
  EXPECT_FALSE(polled.body.as_object().contains("accessToken"));
}

TEST_F(HttpLogin, PushTimesOut) {
  const auto token = start("anna.schmidt", "push").str("pollingToken");
  clock.advance(100s);
  EXPECT_EQ(poll(token).str("status"), "pending");
  clock.advance(80s);
  EXPECT_EQ(poll(token).str("status"), "expired");
  EXPECT_TRUE(requests(phone_session("anna.schmidt")).empty());
}

TEST_F(HttpLogin, PollingTooFastGetsSlowDown) {
  const auto token = start("anna.schmidt", "push").str("pollingToken");
  clock.advance(2s);
  auto polled = poll(token);
  EXPECT_EQ(polled.status, 200);
  EXPECT_EQ(polled.str("status"), "slow_down");
  EXPECT_EQ(polled.num("interval"), 10);
  clock.advance(10s);
  EXPECT_EQ(poll(token).str("status"), "pending");
}

TEST_F(HttpLogin, UssdAnsweredWithOne) {
  const auto token = start("ben.meyer", "ussd").str("pollingToken");
  const auto session = phone_session("ben.meyer");
  auto list = requests(session);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("method").as_string(), "ussd");
  const std::string path = "/requests/" + std::string(list[0].at("id").as_string()) + "/ussd";
  const json::value three{{"input", "3"}};
  EXPECT_EQ(phone("POST", path, session, &three).status, 400);
  const json::value one{{"input", "1"}};
  auto answer = phone("POST", path, session, &one);
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answer.str("reply").find("accepted"), std::string::npos);
  clock.advance(5s);
  EXPECT_EQ(poll(token).str("status"), "approved");
}

TEST_F(HttpLogin, SmsCodeWrongThenRight) {
  auto started = start("anna.schmidt", "otp_sms");
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.str("otpSentTo"), "+44*******123");
  EXPECT_EQ(started.num("otpLength"), 6);
  const auto token = started.str("pollingToken");
  auto state = phone("GET", "/state", phone_session("anna.schmidt"));
  const auto& sms = state.body.at("sms").as_array();
  ASSERT_EQ(sms.size(), 1u);
  const std::string text(sms[0].at("text").as_string());
  const std::string code = text.substr(7, 6);
  ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos) << text;

  auto wrong = verify(token, code == "000000" ? "111111" : "000000");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.error_code(), "invalid_otp");
  EXPECT_EQ(wrong.body.at("error").at("attemptsLeft").as_int64(), 2);

  auto right = verify(token, code);
  EXPECT_EQ(right.status, 200);
  EXPECT_EQ(right.str("status"), "approved");
  EXPECT_EQ(accounts_get("/accounts", right.str("accessToken")).status, 200);
}

TEST_F(HttpLogin, EmailCodeTooManyWrongMeansDenied) {
  const auto token = start("david.okafor", "otp_email").str("pollingToken");
  auto state = phone("GET", "/state", phone_session("david.okafor"));
  const auto& mail = state.body.at("mail").as_array();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].at("subject").as_string(), "Your BankX login code");
  const std::string code = std::string(mail[0].at("text").as_string()).substr(7, 6);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  EXPECT_EQ(verify(token, wrong).body.at("error").at("attemptsLeft").as_int64(), 2);
  EXPECT_EQ(verify(token, wrong).body.at("error").at("attemptsLeft").as_int64(), 1);
  EXPECT_EQ(verify(token, wrong).body.at("error").at("attemptsLeft").as_int64(), 0);
  auto late = verify(token, code);
  EXPECT_EQ(late.status, 200);
  EXPECT_EQ(late.str("status"), "denied");
  clock.advance(5s);
  EXPECT_EQ(poll(token).str("status"), "denied");
}

TEST_F(HttpLogin, TotpWithTheAuthenticatorOnThePhone) {
  const auto session = phone_session("eva.nowak");
  auto state = phone("GET", "/state", session);
  const auto& auth = state.body.at("authenticator").as_object();
  EXPECT_EQ(auth.at("status").as_string(), "active");
  EXPECT_EQ(auth.at("otpauthUri").as_string().subview().substr(0, 21), "otpauth://totp/BankX:");
  const std::string code(auth.at("currentCode").as_string());
  auto started = start("eva.nowak", "totp");
  EXPECT_EQ(started.num("otpLength"), 6);
  EXPECT_FALSE(started.body.as_object().contains("otpSentTo"));
  auto ok = verify(started.str("pollingToken"), code);
  EXPECT_EQ(ok.str("status"), "approved");
  auto replay = verify(start("eva.nowak", "totp").str("pollingToken"), code);
  EXPECT_EQ(replay.error_code(), "invalid_otp") << "a used TOTP code cannot be reused";
}

TEST_F(HttpLogin, TotpEnrolmentOnThePhoneThenLogin) {
  const auto session = phone_session("anna.schmidt");
  auto enrolled = phone("POST", "/authenticator/enrol", session);
  ASSERT_EQ(enrolled.status, 200);
  EXPECT_EQ(enrolled.str("status"), "pending");
  EXPECT_EQ(enrolled.str("secret").size(), 32u);
  const json::value wrong{{"code", enrolled.str("currentCode") == "000000" ? "111111" : "000000"}};
  EXPECT_EQ(phone("POST", "/authenticator/confirm", session, &wrong).error_code(), "invalid_otp");
  const json::value right{{"code", enrolled.str("currentCode")}};
  EXPECT_EQ(phone("POST", "/authenticator/confirm", session, &right).str("status"), "active");
  // Anna has not enrolled TOTP as a login method: the bank still answers as for anyone else, and
  // the login can never succeed (no enumeration of which methods a customer has).
  auto started = start("anna.schmidt", "totp");
  EXPECT_EQ(started.status, 200);
  clock.advance(30s);
  const auto code = phone("GET", "/state", session).body.at("authenticator").at("currentCode").as_string();
  EXPECT_EQ(verify(started.str("pollingToken"), code).error_code(), "invalid_otp");
}

TEST_F(HttpLogin, LogoutRevokesTheAccessToken) {
  const auto access = log_in("anna.schmidt");
  ASSERT_EQ(accounts_get("/accounts", access).status, 200);
  auto out = login_api("logout", json::object{{"accessToken", access}});
  EXPECT_EQ(out.status, 204);
  auto after = accounts_get("/accounts", access);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.error_code(), "invalid_token");
  EXPECT_EQ(login_api("logout", json::object{{"accessToken", access}}).status, 204) << "idempotent";
}

TEST_F(HttpLogin, UnknownCustomersCannotBeToldApart) {
  for (const char* method : {"push", "ussd", "otp_sms", "otp_email", "totp"}) {
    auto known = start("carla.rossi", method);
    auto unknown = start("no.such.customer", method);
    EXPECT_EQ(known.status, unknown.status) << method;
    std::vector<std::string> known_keys, unknown_keys;
    for (const auto& m : known.body.as_object()) known_keys.emplace_back(m.key());
    for (const auto& m : unknown.body.as_object()) unknown_keys.emplace_back(m.key());
    EXPECT_EQ(known_keys, unknown_keys) << method;
    EXPECT_EQ(known.str("pollingToken").size(), unknown.str("pollingToken").size());
    EXPECT_EQ(known.raw.body.size() - known.str("otpSentTo").size() - known.str("pollingToken").size(),
              unknown.raw.body.size() - unknown.str("otpSentTo").size() - unknown.str("pollingToken").size())
        << method;
    clock.advance(5s);
    EXPECT_EQ(poll(known.str("pollingToken")).raw.body, poll(unknown.str("pollingToken")).raw.body) << method;
    clock.advance(130s);  // stay under the per-identifier start limit
  }
}

TEST_F(HttpLogin, NothingSecretInTheLog) {
  parley::core::testing::log_capture logs;
  auto started = start("carla.rossi", "otp_sms");
  auto state = phone("GET", "/state", phone_session("carla.rossi"));
  const std::string code = std::string(state.body.at("sms").at(0).at("text").as_string()).substr(7, 6);
  const auto access = verify(started.str("pollingToken"), code).str("accessToken");
  ASSERT_FALSE(access.empty());
  EXPECT_EQ(accounts_get("/accounts", access).status, 200);
  for (const auto& secret : {started.str("pollingToken"), access, code, std::string(client_secret)}) {
    EXPECT_FALSE(logs.contains(secret)) << secret;
  }
  EXPECT_TRUE(logs.contains(token_log_id(started.str("pollingToken"))));
}

}  // namespace
}  // namespace bankx::test
