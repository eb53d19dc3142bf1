// The end-user login flow (docs/login-api.md): start a login at the tenant's Login API, poll it in
// the background until the bank approves, denies or the login expires, forward codes the user
// types, keep the approved token in the token vault, and call the bank's APIs with it.
//
//   login::flow f(io, clock, sealer, opts);
//   f.add_tenant(std::make_unique<login::api_client>(tenant_opts, http, sealer));
//   auto info = co_await f.start(key, "anna.schmidt", login::method::push, on_done);
//   ...                                     // on_done(key, outcome) fires when the phone answers
//   auto res = co_await f.call_api(key, req);   // Authorization: Bearer <token>, opened just in time
//
// Polling is one coroutine per login on its own strand of `io`, never blocking a turn. It waits
// `interval` before the first poll and between polls (RFC 8628 §3.4–3.5), takes a larger interval
// from the bank, adds 5 s on slow_down (or takes the bank's new interval if larger), and stops at
// `expiresIn` (capped by tenant_options::max_login_time), on approved, denied, expired, cancel(),
// end_conversation() or shutdown(). Transport errors while polling are retried at the interval
// until expiry; a 401 or an off-contract answer ends the login as `failed`.
// At most one login per conversation is in progress (errc::login_in_progress).
//
// `on_done` is called exactly once per started login, whoever ends it: the poller (approved,
// denied, expired, failed), verify_otp() (approved, denied, expired), cancel(), end_conversation()
// or shutdown() (cancelled). It runs on the thread that ended the login, under no lock of the flow;
// keep it short (post the proactive message). Not called when start() itself fails.
// Time is the injected clock's: the timers are armed for the clock's remaining time, and wake()
// makes every waiting login re-read the clock (tests call it after advancing a fake clock).
//
// Ownership: the flow owns its api_clients and the vault; `io`, `clock` and `sealer` must
// outlive it. Thread-safety: every member may be called concurrently from any thread.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/log.hpp>
#include <parley/login/api_client.hpp>
#include <parley/login/method.hpp>
#include <parley/login/options.hpp>
#include <parley/login/token_vault.hpp>
#include <parley/net/client.hpp>
#include <parley/net/metrics.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace parley::login {

/// How a login ended.
enum class outcome { approved, denied, expired, failed, cancelled };
/// "approved", "denied", "expired", "failed", "cancelled".
[[nodiscard]] std::string_view to_string(outcome o) noexcept;

/// What the user needs to be told after start().
struct start_info {
  method used = method::push;
  std::chrono::seconds expires_in{0};
  std::optional<std::string> otp_sent_to;  ///< masked destination of a code
  std::optional<int> otp_length;
};

/// The result of verify_otp(): approved (logged in), wrong_code (attempts_left more), denied or
/// expired (the login is over).
struct otp_result {
  login_status status = login_status::wrong_code;
  int attempts_left = -1;
};

class flow {
 public:
  using on_done = std::function<void(const conversation_key&, outcome)>;

  /// `opts.tenants` is ignored here (the composition root makes the api_clients from it).
  flow(boost::asio::io_context& io, const core::clock& clock, const options& opts);
  ~flow();
  flow(const flow&) = delete;
  flow& operator=(const flow&) = delete;

  /// Registers a tenant's Login API client (composition root, before use).
  void add_tenant(std::unique_ptr<api_client> client);
  /// The tenant's settings (methods offered...), or nullptr.
  [[nodiscard]] const tenant_options* tenant(std::string_view tenant) const;

  /// Calls startLogin and starts polling. errc::unknown_tenant, login_in_progress, rate_limited
  /// (too many logins at once, or a 429 from the bank), shutting_down, and the api_client's errors.
  /// `traceparent` (W3C, from the request that led to the login; empty: a new trace) goes on every
  /// call of this login to the bank, and its trace id on the login's JSON log lines.
  [[nodiscard]] boost::asio::awaitable<result<start_info>> start(conversation_key key, std::string customer_id, method m,
                                                                 on_done done, std::string traceparent = {});
  /// Forwards the user's code (digits only; spaces removed). errc::no_login, otp_not_expected,
  /// invalid_request (not 4..10 digits), and the api_client's errors.
  [[nodiscard]] boost::asio::awaitable<result<otp_result>> verify_otp(conversation_key key, core::secret_string otp);
  /// Stops the conversation's login in progress (on_done gets `cancelled`); true if there was one.
  bool cancel(const conversation_key& key);
  [[nodiscard]] bool in_progress(const conversation_key& key) const;
  /// The method of the login in progress, if any.
  [[nodiscard]] std::optional<method> method_in_progress(const conversation_key& key) const;
  [[nodiscard]] bool logged_in(const conversation_key& key) const;

  /// Revokes the token at the bank (/logout) and wipes it. errc::not_logged_in when there was no
  /// live token. The vault entry is wiped even if the bank cannot be reached (error returned).
  [[nodiscard]] boost::asio::awaitable<result<void>> logout(conversation_key key);
  /// Conversation end: cancel() and, if logged in, logout(). Never fails.
  [[nodiscard]] boost::asio::awaitable<void> end_conversation(conversation_key key);
  /// end_conversation() in the background, for a caller that cannot wait.
  void forget(conversation_key key);

  /// Sends `req` to the tenant's bank API with the conversation's token. errc::not_logged_in
  /// (no live token: start a login), errc::token_rejected (the bank said 401: the entry is wiped),
  /// errc::bank_unavailable. Other statuses are returned as they are.
  [[nodiscard]] boost::asio::awaitable<result<net::client_response>> call_api(conversation_key key, net::client_request req);

  /// Counts how every login ends in parley_login_outcomes_total{tenant, outcome} (the outcomes
  /// above, and start_failed when startLogin itself failed) on `metrics`, which must outlive the
  /// flow. Composition root, before the first login.
  void count_outcomes(net::metrics_registry& metrics);

  /// Makes every waiting login re-read the clock now.
  void wake();
  /// Starts the periodic vault sweep (opts.sweep_interval, real time). Idempotent.
  void start_sweeper();
  /// Cancels every login, stops the sweeper and wipes the vault. Later calls fail with shutting_down.
  void shutdown();

  [[nodiscard]] token_vault& vault() noexcept;
  /// Logins in progress.
  [[nodiscard]] std::size_t logins() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace parley::login
