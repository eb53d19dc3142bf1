#include <bankx/bank.hpp>

#include <parley/core/log.hpp>
#include <parley/crypto/primitives.hpp>

#include <algorithm>

namespace bankx {

bank::bank(options opts, std::vector<customer> customers, const parley::core::clock& clock,
           parley::core::random_source& rng)
    : opts_(std::move(opts)),
      customers_(std::move(customers)),
      clock_(clock),
      ledger_(customers_, clock, rng),
      access_tokens_("bxa_", opts_.access_token_lifetime, opts_.max_access_tokens, clock, rng),
      phone_sessions_("bxd_", opts_.phone_session_lifetime, 10'000, clock, rng),
      authenticators_(clock, rng),
      outbox_(opts_.outbox_size) {
  logins_ = std::make_unique<login_service>(customers_, opts_, access_tokens_, authenticators_, outbox_, clock, rng);
  for (auto& c : customers_) {
    if (c.totp_preenrolled && c.has_method(login_method::totp)) authenticators_.enrol_active(c.id);
    // The ledger owns the money from here on; stale copies would only mislead.
    c.accounts.clear();
    c.cards.clear();
    c.transactions.clear();
  }
}

bank::~bank() = default;

parley::result<std::unique_ptr<bank>> bank::create(options opts, const parley::core::clock& clock,
                                                   parley::core::random_source& rng, std::string* problem) {
  std::vector<customer> customers;
  if (opts.customers_file.empty()) {
    customers = demo_customers(clock.now());
  } else {
    auto loaded = load_customers(opts.customers_file, clock.now(), problem);
    if (!loaded) return loaded.error();
    customers = std::move(*loaded);
  }
  const bool closed = std::all_of(opts.client_secret_sha256.begin(), opts.client_secret_sha256.end(),
                                  [](std::uint8_t b) { return b == 0; });
  auto log = parley::core::logger("bankx");
  log->info("BankX ready: {} customers, Login API client id {}{}", customers.size(), opts.client_id,
            closed ? " (no client secret configured: the Login API refuses every call)" : "");
  return std::unique_ptr<bank>(new bank(std::move(opts), std::move(customers), clock, rng));
}

const customer* bank::find_customer(std::string_view id) const noexcept {
  for (const auto& c : customers_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

bool bank::client_credentials_valid(std::string_view client_id, std::string_view client_secret) const {
  const auto& stored = opts_.client_secret_sha256;
  const bool configured = std::any_of(stored.begin(), stored.end(), [](std::uint8_t b) { return b != 0; });
  const auto given = parley::crypto::sha256(client_secret);
  // Both comparisons always run: the time taken does not tell which part was wrong.
  const bool id_ok = parley::crypto::constant_time_equal(client_id, opts_.client_id);
  const bool secret_ok = parley::crypto::constant_time_equal(given, stored);
  return configured && id_ok && secret_ok;
}

}  // namespace bankx
