// The login component against the real BankX back end over HTTP (127.0.0.1, port 0): every method,
// driven through the phone's JSON API, with one fake clock shared by BankX and the flow, so that
// intervals and expiry are exercised without sleeping.
#include "bankx_client.hpp"

#include <parley/core/async.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/login/flow.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <future>

namespace parley::login {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class login_bankx : public ::testing::Test {
 protected:
  explicit login_bankx(bankx::options o = {}) : bank_(std::move(o)) {
    auto http = net::pooled_http_client::create(io_, {});
    EXPECT_TRUE(http);
    http_ = std::move(*http);
    tenant_options t;
    t.tenant = "bankx";
    t.base_url = "http://127.0.0.1:" + std::to_string(bank_.server->port()) + "/api/v1";
    t.client_id = std::string(bankx::test::client_id);
    t.client_secret = core::secret_string(std::string(bankx::test::client_secret));
    options opts;
    flow_ = std::make_unique<flow>(io_, bank_.clock, opts);
    flow_->add_tenant(std::make_unique<api_client>(std::move(t), *http_, sealer_));
    threads_ = std::make_unique<core::thread_group>(io_, 2, "login-test");
  }
  ~login_bankx() override {
    flow_->shutdown();
    work_.reset();
    io_.stop();
    threads_->join();
  }

  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    auto fut = boost::asio::co_spawn(io_, std::move(aw), boost::asio::use_future);
    EXPECT_EQ(fut.wait_for(20s), std::future_status::ready);
    return fut.get();
  }

  result<start_info> start(std::string customer, method m) {
    done_ = std::make_shared<std::promise<outcome>>();
    outcome_ = done_->get_future();
    auto p = done_;
    return run(flow_->start(key_, std::move(customer), m, [p](const conversation_key&, outcome o) { p->set_value(o); }));
  }
  /// Moves the shared clock and wakes the pollers; waits for the flow's verdict if `expect_done`.
  void advance(std::chrono::seconds d) {
    bank_.clock.advance(d);
    flow_->wake();
  }
  outcome verdict() {
    EXPECT_EQ(outcome_.wait_for(20s), std::future_status::ready);
    return outcome_.get();
  }
  std::string phone_request_id(const std::string& session) {
    auto list = bank_.requests(session);
    EXPECT_EQ(list.size(), 1u);
    return list.empty() ? std::string() : std::string(list[0].at("id").as_string());
  }
  result<net::client_response> get(std::string path) {
    net::client_request req;
    req.url = std::move(path);
    return run(flow_->call_api(key_, std::move(req)));
  }

  bankx::test::bankx_server bank_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{boost::asio::make_work_guard(io_)};
  crypto::secret_sealer sealer_ = *crypto::secret_sealer::create();
  std::unique_ptr<net::pooled_http_client> http_;
  std::unique_ptr<flow> flow_;
  std::unique_ptr<core::thread_group> threads_;
  conversation_key key_{"bankx", "conv-it-1"};
  std::shared_ptr<std::promise<outcome>> done_;
  std::future<outcome> outcome_;
};

TEST_F(login_bankx, push_approved_then_balance_then_logout_revokes) {
  ASSERT_TRUE(start("anna.schmidt", method::push));
  const auto session = bank_.phone_session("anna.schmidt");
  ASSERT_EQ(bank_.phone("POST", "/requests/" + phone_request_id(session) + "/approve", session).status, 204);
  advance(5s);
  EXPECT_EQ(verdict(), outcome::approved);
  ASSERT_TRUE(flow_->logged_in(key_));
  EXPECT_EQ(bank_.b->access_tokens().size(), 1u);

  auto accounts = get("/accounts");
  ASSERT_TRUE(accounts) << accounts.error().message();
  ASSERT_EQ(accounts->status, 200);
  EXPECT_NE(accounts->body.find("anna.schmidt-current"), std::string::npos);

  ASSERT_TRUE(run(flow_->logout(key_)));
  EXPECT_EQ(bank_.b->access_tokens().size(), 0u) << "revoked at the bank";
  auto after = get("/accounts");
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), errc::not_logged_in);
}

TEST_F(login_bankx, push_denied_on_the_phone) {
  ASSERT_TRUE(start("eva.nowak", method::push));
  const auto session = bank_.phone_session("eva.nowak");
  ASSERT_EQ(bank_.phone("POST", "/requests/" + phone_request_id(session) + "/deny", session).status, 204);
  advance(5s);
  EXPECT_EQ(verdict(), outcome::denied);
  EXPECT_FALSE(flow_->logged_in(key_));
}

TEST_F(login_bankx, ussd_accepted_on_the_phone) {
  ASSERT_TRUE(start("ben.meyer", method::ussd));
  const auto session = bank_.phone_session("ben.meyer");
  const json::value answer{{"input", "1"}};
  ASSERT_EQ(bank_.phone("POST", "/requests/" + phone_request_id(session) + "/ussd", session, &answer).status, 200);
  advance(5s);
  EXPECT_EQ(verdict(), outcome::approved);
}

TEST_F(login_bankx, unanswered_login_times_out_at_expires_in) {
  ASSERT_TRUE(start("anna.schmidt", method::push));
  for (int i = 0; i < 35; ++i) advance(5s);  // 175 s: still pending
  EXPECT_EQ(outcome_.wait_for(200ms), std::future_status::timeout);
  EXPECT_TRUE(flow_->in_progress(key_));
  advance(5s);  // 180 s
  EXPECT_EQ(verdict(), outcome::expired);
  EXPECT_FALSE(flow_->in_progress(key_));
}

TEST_F(login_bankx, otp_sms_wrong_then_right_code) {
  auto info = start("anna.schmidt", method::otp_sms);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->otp_sent_to.value_or(""), "+44*******123");
  const auto session = bank_.phone_session("anna.schmidt");
  auto state = bank_.phone("GET", "/state", session);
  const std::string code = std::string(state.body.at("sms").at(0).at("text").as_string()).substr(7, 6);
  auto wrong = run(flow_->verify_otp(key_, core::secret_string(code == "000000" ? "111111" : "000000")));
  ASSERT_TRUE(wrong) << wrong.error().message();
  EXPECT_EQ(wrong->status, login_status::wrong_code);
  EXPECT_EQ(wrong->attempts_left, 2);
  auto right = run(flow_->verify_otp(key_, core::secret_string(code)));
  ASSERT_TRUE(right) << right.error().message();
  EXPECT_EQ(right->status, login_status::approved);
  EXPECT_TRUE(flow_->logged_in(key_));
  auto tx = get("/transactions?limit=3");
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->status, 200);
}

TEST_F(login_bankx, totp_from_the_authenticator) {
  const auto session = bank_.phone_session("eva.nowak");
  const std::string code(bank_.phone("GET", "/state", session).body.at("authenticator").at("currentCode").as_string());
  ASSERT_TRUE(start("eva.nowak", method::totp));
  auto ok = run(flow_->verify_otp(key_, core::secret_string(code)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, login_status::approved);
  auto accounts = get("/accounts");
  ASSERT_TRUE(accounts);
  EXPECT_NE(accounts->body.find("eva.nowak-savings"), std::string::npos);
}

TEST_F(login_bankx, the_vault_expires_the_token_with_the_bank) {
  ASSERT_TRUE(start("anna.schmidt", method::push));
  const auto session = bank_.phone_session("anna.schmidt");
  ASSERT_EQ(bank_.phone("POST", "/requests/" + phone_request_id(session) + "/approve", session).status, 204);
  advance(5s);
  ASSERT_EQ(verdict(), outcome::approved);
  // The bank's token lifetime (600 s) passes while our idle timeout (15 min) does not.
  bank_.clock.advance(599s);
  ASSERT_TRUE(get("/accounts"));
  bank_.clock.advance(2s);
  auto res = get("/accounts");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), errc::not_logged_in) << "our vault expired it with the bank's expiresIn";
}

TEST_F(login_bankx, no_secret_in_any_log_line) {
  core::testing::log_capture logs;
  auto info = start("carla.rossi", method::otp_sms);
  ASSERT_TRUE(info);
  const auto session = bank_.phone_session("carla.rossi");
  const std::string code =
      std::string(bank_.phone("GET", "/state", session).body.at("sms").at(0).at("text").as_string()).substr(7, 6);
  ASSERT_TRUE(run(flow_->verify_otp(key_, core::secret_string(code))));
  ASSERT_TRUE(get("/accounts"));
  ASSERT_TRUE(run(flow_->logout(key_)));
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.find(code), std::string::npos) << line;
    EXPECT_EQ(line.find("bxa_"), std::string::npos) << line;
    EXPECT_EQ(line.find("bxp_"), std::string::npos) << line;
    EXPECT_EQ(line.find(bankx::test::client_secret), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace parley::login
