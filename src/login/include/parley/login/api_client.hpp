// The client of one tenant's Login API (docs/login-api.yaml): startLogin, pollLogin, verifyOtp,
// logout, plus bearer calls to the bank's own APIs with a sealed access token.
//
// Every call authenticates with HTTP Basic client credentials and is sent with
// net::client_request::sensitive, so the outbound client wipes its copies of the credentials,
// codes and tokens after the exchange. An access token in an answer is sealed (crypto::sealed_secret,
// bound to the caller's `seal_context`) before the call returns; the JSON text and the parsed copy
// are wiped. Answers are parsed strictly (core::parse_json); anything off-contract is
// errc::bad_response. Errors: errc::client_rejected (401), errc::invalid_request (400),
// errc::rate_limited (429, retry_after set), errc::bank_unavailable (transport, timeout, 5xx),
// errc::bad_response. Nothing about a token, code or customer id is logged; ids and statuses are.
//
// Ownership: the client refers to `http` and `sealer`, which must outlive it.
// Thread-safety: every member may be called concurrently from any thread.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/log.hpp>
#include <parley/crypto/sealed_secret.hpp>
#include <parley/login/error.hpp>
#include <parley/login/method.hpp>
#include <parley/login/options.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace parley::login {

/// The answer to startLogin.
struct started_login {
  /// Sealed like the access token (bound to "polling:" + the conversation_ref), opened only to
  /// build a pollLogin or verifyOtp body; never shown to anyone, never logged.
  crypto::sealed_secret polling_token;
  std::chrono::seconds interval{5};         ///< wait before the first poll and between polls
  std::chrono::seconds expires_in{0};       ///< the login's lifetime
  std::optional<std::string> otp_sent_to;   ///< masked destination of a code ("+44*******123")
  std::optional<int> otp_length;            ///< digits of the code for code methods
};

enum class login_status { pending, slow_down, approved, denied, expired, wrong_code };

/// "pending", "slow_down", "approved", "denied", "expired", "wrong_code".
[[nodiscard]] std::string_view to_string(login_status s) noexcept;

/// The answer to pollLogin or verifyOtp.
struct status_answer {
  login_status status = login_status::pending;
  std::chrono::seconds interval{0};       ///< pending / slow_down: the bank's interval (0 if absent)
  crypto::sealed_secret access_token;     ///< approved: the token, sealed
  std::chrono::seconds token_expires_in{0};  ///< approved: the token's lifetime
  int attempts_left = -1;                 ///< wrong_code: attempts left (0: the login is now denied)
};

class api_client {
 public:
  /// `opts` are the tenant's settings (copied apart from the secret, which is moved in).
  api_client(tenant_options opts, net::http_client& http, crypto::secret_sealer& sealer);

  [[nodiscard]] const tenant_options& opts() const noexcept { return opts_; }

  // Every call carries a W3C `traceparent` (net/trace_context.hpp): `traceparent` when it is a
  // valid one (the login's, from the request that started it), else a new trace.

  /// POST startLogin. `conversation_ref` must match ^[A-Za-z0-9._:-]{1,128}$ (the caller picks it).
  [[nodiscard]] boost::asio::awaitable<result<started_login>> start_login(std::string customer_id, method m,
                                                                         std::string conversation_ref,
                                                                         std::string traceparent = {});
  /// POST pollLogin. An approved token is sealed under `seal_context`.
  [[nodiscard]] boost::asio::awaitable<result<status_answer>> poll(const crypto::sealed_secret& polling_token,
                                                                  std::string seal_context,
                                                                  std::string traceparent = {});
  /// POST verifyOtp with the user's digits (spaces removed by the caller). A wrong code is
  /// login_status::wrong_code with attempts_left; errc::otp_not_expected for push/USSD logins.
  [[nodiscard]] boost::asio::awaitable<result<status_answer>> verify_otp(const crypto::sealed_secret& polling_token,
                                                                        core::secret_string otp,
                                                                        std::string seal_context,
                                                                        std::string traceparent = {});
  /// POST logout with the token (opened just in time). 204 expected.
  [[nodiscard]] boost::asio::awaitable<result<void>> logout(const crypto::sealed_secret& token);

  /// Sends `req` to the bank's own API with `Authorization: Bearer <token>`, the token opened just
  /// in time into the request's header and wiped by the HTTP client after the exchange. A relative
  /// `req.url` ("/accounts") is resolved against api_base_url. Any HTTP status is returned as is.
  [[nodiscard]] boost::asio::awaitable<result<net::client_response>> call(const crypto::sealed_secret& token,
                                                                         net::client_request req);

  /// Seconds of the last 429's Retry-After (0 if none). For messages to the user.
  [[nodiscard]] std::chrono::seconds last_retry_after() const noexcept;

 private:
  [[nodiscard]] boost::asio::awaitable<result<net::client_response>> post(const std::string& path, std::string body,
                                                                         const std::string& traceparent = {});
  [[nodiscard]] result<status_answer> parse_status(net::client_response& res, const std::string& seal_context);
  [[nodiscard]] error_code map_error_status(const net::client_response& res, std::string_view op);

  tenant_options opts_;
  net::http_client& http_;
  crypto::secret_sealer& sealer_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<long long> retry_after_s_{0};
};

}  // namespace parley::login
