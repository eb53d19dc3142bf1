// The login component behind the bot's seams (src/bot/include/parley/bot/login.hpp):
// bot::login_executor (the assistant's `start_login` action) and bot::user_token_source (is the
// user logged in; the bank token for a `call_api` operation that requires login).
//
// start_login() takes the slots the definition collected, `customer_id` and `method`; what is
// missing it asks through login_request::say (customer id; the method, with one button per
// method the tenant offers, when there is more than one) and takes the user's answer from
// consume(). It then starts the login, prompts for the code of code methods (expects_secret) and
// forwards what the user types with verify_otp (a wrong code is said again, with the attempts
// left), and completes when the login ends: approved → ok; denied → denied; expired → timeout;
// failed or cancelled → failed ("login_failed", "login_cancelled"); refused before starting →
// failed ("customer_id_missing", "method_not_offered", "login_in_progress", "rate_limited",
// "login_unavailable", "customer_id_invalid", "login_start_failed"). The bot then resumes the
// dialog (the original intent runs) and sends the replies as a proactive message.
// consume() takes "cancel" (and the texts in bot_login_texts::cancel_words) to stop the login.
//
// Prefer send_with_token() to token(): it opens the token just in time into the request and the
// HTTP client wipes it; token() hands a copy out in a core::secret_string, which the caller must
// drop right after its call (and send `sensitive`).
//
// Ownership: refers to `flow`, which must outlive it. Thread-safety: every member may be called
// concurrently from any thread.
#pragma once

#include <parley/bot/login.hpp>
#include <parley/login/flow.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley::login {

/// What the executor says. {sent_to} and {digits} are filled in; markdown.
struct bot_login_texts {
  std::string ask_customer_id = "To log you in, please type your **customer ID** (for example *anna.schmidt*). "
                                "I will never ask for your password.";
  std::string ask_method = "How would you like to confirm the login?";
  std::string push_sent = "I've sent a login request to your banking app: please open it and approve.";
  std::string ussd_sent = "Your phone will show a menu (*123#): answer **1** to accept.";
  std::string code_sent = "I've sent a {digits}-digit code to {sent_to}. Please type it here.";
  std::string totp_prompt = "Please type the {digits}-digit code from your authenticator app.";
  std::string wrong_code = "That code is not right. Please try again ({attempts} attempt(s) left).";
  std::string not_a_code = "Please type just the {digits} digits of the code (or *cancel*).";
  std::vector<std::string> cancel_words{"cancel", "stop", "abort", "never mind"};
  /// Button titles per method.
  std::map<method, std::string> method_titles{{method::push, "Approve in the app"},
                                              {method::ussd, "USSD menu on my phone"},
                                              {method::otp_sms, "Code by SMS"},
                                              {method::otp_email, "Code by e-mail"},
                                              {method::totp, "Authenticator app code"}};
  /// How long a question (customer id, method) waits for an answer.
  std::chrono::seconds answer_timeout{180};
};

class bot_login final : public bot::login_executor, public bot::user_token_source {
 public:
  explicit bot_login(flow& f, bot_login_texts texts = {});
  ~bot_login() override;

  [[nodiscard]] boost::asio::awaitable<assistant::action_result> start_login(bot::login_request request) override;
  [[nodiscard]] boost::asio::awaitable<bool> consume(bot::conversation_ref conversation, std::string text) override;
  [[nodiscard]] bool logged_in(const bot::conversation_ref& conversation) override;
  [[nodiscard]] boost::asio::awaitable<result<core::secret_string>> token(bot::conversation_ref conversation) override;
  void forget(const bot::conversation_ref& conversation) override;
  /// flow::call_api; a 401 (errc::token_rejected: the token is wiped) is returned as
  /// bot::errc::not_logged_in, like no token at all.
  [[nodiscard]] boost::asio::awaitable<result<net::client_response>> send_with_token(
      bot::conversation_ref conversation, net::client_request request) override;
  /// flow::logout (revokes at the bank, wipes here). bot::errc::not_logged_in when there was none;
  /// the bank's error otherwise (the token is wiped anyway).
  [[nodiscard]] boost::asio::awaitable<result<void>> logout(bot::conversation_ref conversation) override;

  [[nodiscard]] static conversation_key key_of(const bot::conversation_ref& c) { return {c.tenant_id, c.conversation_id}; }

  struct session;

 private:
  [[nodiscard]] std::shared_ptr<session> find(const conversation_key& key) const;

  flow& flow_;
  bot_login_texts texts_;
  mutable std::mutex mutex_;
  std::map<conversation_key, std::shared_ptr<session>> sessions_;
};

}  // namespace parley::login
