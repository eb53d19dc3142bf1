// The accounts side of BankX: balances, transactions, transfers between a customer's own
// accounts, and card blocking. Every call names the customer the caller authenticated (the
// subject of an access token); nothing here can reach another customer's accounts.
//
// Transfers: amount > 0, both accounts the customer's own and different, enough balance, and an
// idempotency key (per customer): the same key with the same request returns the first receipt
// again (`replayed`), with another request errc::idempotency_key_reused. Only successful transfers
// are remembered, so a refused one may be retried with the same key once the reason is gone.
// Errors: errc::invalid_account, same_account, insufficient_funds, no_such_card,
// idempotency_key_reused, invalid_request (a malformed cursor).
// Thread-safety: every member may be called from any thread (one mutex, short critical sections).
#pragma once

#include <bankx/customers.hpp>
#include <bankx/error.hpp>

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

struct transaction_page {
  std::vector<transaction> items;          ///< newest first
  std::optional<std::string> next_cursor;  ///< set when older items exist
};

struct transfer_request {
  std::string from;  ///< an account id, IBAN or type ("current", "savings") of the customer
  std::string to;
  minor_units amount = 0;
  std::string idempotency_key;  ///< 1..64 of [A-Za-z0-9_-], checked by the caller
};

struct transfer_receipt {
  std::string reference;  ///< "BX-TR-" + 8 characters
  std::string from_account_id;
  std::string to_account_id;
  minor_units amount = 0;
  std::string currency;
  std::chrono::system_clock::time_point booked;
  bool replayed = false;  ///< an earlier receipt for the same idempotency key and request
};

struct block_receipt {
  std::string reference;  ///< "BX-CB-" + 8 characters; the first one again when already blocked
  std::string card_type;
  std::string last4;
  bool already_blocked = false;
};

class ledger {
 public:
  /// `clock` and `rng` must outlive the ledger.
  ledger(const std::vector<customer>& customers, const parley::core::clock& clock, parley::core::random_source& rng);

  /// The customer's accounts (empty for an unknown customer).
  [[nodiscard]] std::vector<account> accounts(std::string_view customer_id) const;

  /// Transactions newest first, `limit` (1..50) per page, optionally of one account (id, IBAN or
  /// type). `cursor` is the next_cursor of the previous page.
  [[nodiscard]] parley::result<transaction_page> transactions(std::string_view customer_id,
                                                              std::optional<std::string_view> account_ref,
                                                              std::size_t limit,
                                                              std::optional<std::string_view> cursor) const;

  [[nodiscard]] parley::result<transfer_receipt> transfer(std::string_view customer_id, const transfer_request& req);

  /// Blocks the customer's card of `card_type` ("debit"/"credit"); `last_seen` ("today",
  /// "yesterday", "earlier") is recorded with the block.
  [[nodiscard]] parley::result<block_receipt> block_card(std::string_view customer_id, std::string_view card_type,
                                                         std::string_view last_seen);

  /// The customer's cards (for the phone page and tests).
  [[nodiscard]] std::vector<card> cards(std::string_view customer_id) const;

 private:
  struct idempotent_transfer {
    std::string from, to;  // resolved account ids
    minor_units amount = 0;
    transfer_receipt receipt;
  };
  struct holdings {
    std::vector<account> accounts;
    std::vector<card> cards;
    std::vector<transaction> transactions;  // oldest first
    std::uint64_t next_seq = 1;
    std::map<std::string, idempotent_transfer, std::less<>> transfers;  // by idempotency key
  };

  [[nodiscard]] static account* find_account(holdings& h, std::string_view ref);
  [[nodiscard]] static const account* find_account(const holdings& h, std::string_view ref);
  [[nodiscard]] std::string new_reference(std::string_view kind);
  void book(holdings& h, std::string_view customer_id, const account& a, minor_units amount, std::string counterparty,
            std::string description);

  const parley::core::clock& clock_;
  parley::core::random_source& rng_;
  mutable std::mutex mutex_;
  std::map<std::string, holdings, std::less<>> customers_;
};

}  // namespace bankx
