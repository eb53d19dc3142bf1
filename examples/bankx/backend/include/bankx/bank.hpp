// BankX, the example bank back end: the object that owns everything (customers, ledger, token
// stores, authenticators, outboxes, the login state machine) and the entry point for the HTTP
// routes (routes.hpp) and the tests.
//
// BankX is an *example of a client's system*, kept apart from Parley's components: a bank
// implements docs/login-api.yaml in its own stack; Parley only ever talks to it over HTTPS.
// State lives in memory: a restart forgets logins, tokens, transfers and enrolments.
// Thread-safety: every member may be called from any thread (each part locks its own state).
#pragma once

#include <bankx/authenticator.hpp>
#include <bankx/customers.hpp>
#include <bankx/ledger.hpp>
#include <bankx/login.hpp>
#include <bankx/options.hpp>
#include <bankx/outbox.hpp>
#include <bankx/tokens.hpp>

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

class bank {
 public:
  /// Loads the customers (options::customers_file, or the demo customers) and sets up the
  /// authenticators of the customers pre-enrolled for TOTP. Errors: those of load_customers(),
  /// with a readable reason in `problem`. `clock` and `rng` must outlive the bank.
  [[nodiscard]] static parley::result<std::unique_ptr<bank>> create(options opts, const parley::core::clock& clock,
                                                                     parley::core::random_source& rng,
                                                                     std::string* problem = nullptr);
  ~bank();
  bank(const bank&) = delete;
  bank& operator=(const bank&) = delete;

  [[nodiscard]] const options& opts() const noexcept { return opts_; }
  /// Customer profiles as loaded (balances, cards and transactions live in accounts()).
  [[nodiscard]] const std::vector<customer>& customers() const noexcept { return customers_; }
  [[nodiscard]] const customer* find_customer(std::string_view id) const noexcept;

  [[nodiscard]] login_service& logins() noexcept { return *logins_; }
  [[nodiscard]] ledger& accounts() noexcept { return ledger_; }
  [[nodiscard]] token_store& access_tokens() noexcept { return access_tokens_; }
  [[nodiscard]] token_store& phone_sessions() noexcept { return phone_sessions_; }
  [[nodiscard]] authenticator& authenticators() noexcept { return authenticators_; }
  [[nodiscard]] outbox& messages() noexcept { return outbox_; }
  [[nodiscard]] const parley::core::clock& clock() const noexcept { return clock_; }

  /// True when `client_id` and `client_secret` are the Login API's configured credentials
  /// (constant-time; always false when no secret is configured).
  [[nodiscard]] bool client_credentials_valid(std::string_view client_id, std::string_view client_secret) const;

 private:
  bank(options opts, std::vector<customer> customers, const parley::core::clock& clock, parley::core::random_source& rng);

  options opts_;
  std::vector<customer> customers_;
  const parley::core::clock& clock_;
  ledger ledger_;
  token_store access_tokens_;
  token_store phone_sessions_;
  authenticator authenticators_;
  outbox outbox_;
  std::unique_ptr<login_service> logins_;
};

}  // namespace bankx
