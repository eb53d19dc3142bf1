// BankX's customers: who they are, how they log in, and what they hold. Plain values.
//
// demo_customers() builds the fictional customers of `parley demo` (README.md lists them);
// load_customers() reads the same data from a JSON file ([bankx] customers_file, format in
// examples/bankx/README.md). Everything here is fictional: names, IBANs (valid check digits, bank
// code BANX), phone numbers (Ofcom's drama range) and e-mail addresses (.example).
// Thread-safety: plain values; the functions are pure apart from the random source.
#pragma once

#include <bankx/money.hpp>

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

/// How the customer approves a login (docs/login-api.yaml, `method`).
enum class login_method { push, ussd, otp_sms, otp_email, totp };

/// "push", "ussd", "otp_sms", "otp_email", "totp".
[[nodiscard]] std::string_view to_string(login_method m) noexcept;
[[nodiscard]] std::optional<login_method> parse_login_method(std::string_view text) noexcept;

struct account {
  std::string id;        ///< unique over all customers, e.g. "anna.schmidt-current"
  std::string type;      ///< "current" or "savings": one of each type at most per customer
  std::string name;      ///< "Current account"
  std::string iban;      ///< electronic format, no spaces
  std::string currency = "EUR";
  minor_units balance = 0;
};

struct card {
  std::string type;   ///< "debit" or "credit": one of each at most per customer
  std::string last4;  ///< last four digits of the card number
  bool blocked = false;
  std::string block_reference;  ///< set when blocked
  std::string last_seen;        ///< when blocked: "today", "yesterday" or "earlier", as reported
};

struct transaction {
  std::uint64_t seq = 0;  ///< per customer, increasing with booking order (the paging key)
  std::string id;         ///< unique over all customers
  std::string account_id;
  std::chrono::system_clock::time_point booked;
  minor_units amount = 0;  ///< negative: money out
  std::string counterparty;
  std::string description;
};

struct customer {
  std::string id;     ///< the identifier the customer types in the chat, lower case
  std::string name;   ///< display name
  std::string phone;  ///< E.164, receives the SMS codes
  std::string email;  ///< receives the e-mail codes
  std::vector<login_method> methods;  ///< enrolled login methods
  bool totp_preenrolled = false;      ///< demo: an authenticator is set up at start (random secret)
  std::vector<account> accounts;
  std::vector<card> cards;
  std::vector<transaction> transactions;  ///< oldest first (seq ascending)

  [[nodiscard]] bool has_method(login_method m) const noexcept;
};

/// The built-in demo customers, with about two dozen transactions each, booked over the 60 days
/// before `now`. Deterministic: the same `now` gives the same data.
[[nodiscard]] std::vector<customer> demo_customers(std::chrono::system_clock::time_point now);

/// Reads customers from a JSON file (format in examples/bankx/README.md), strictly: unknown
/// members, bad ids, duplicate ids, bad IBAN check digits and malformed amounts are errors
/// (core::errc::parse_error / invalid_argument, with a message in `problem` when given).
[[nodiscard]] parley::result<std::vector<customer>> load_customers(const std::filesystem::path& file,
                                                                   std::chrono::system_clock::time_point now,
                                                                   std::string* problem = nullptr);

/// Normalises a customer identifier as typed: trimmed and lower-cased. nullopt unless the result
/// is 1..64 characters of [a-z0-9._@+-].
[[nodiscard]] std::optional<std::string> normalise_customer_id(std::string_view text);

/// True when `iban` (electronic format) has valid ISO 13616 mod-97 check digits.
[[nodiscard]] bool iban_valid(std::string_view iban) noexcept;

}  // namespace bankx
