#include <bankx/ledger.hpp>

#include <parley/core/base64.hpp>

#include <algorithm>
#include <charconv>

namespace bankx {
namespace {

constexpr std::size_t max_transfers_remembered = 1000;  // idempotency records per customer
constexpr std::string_view reference_alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I

std::string encode_cursor(std::uint64_t seq) { return parley::core::base64url_encode("s:" + std::to_string(seq)); }

std::optional<std::uint64_t> decode_cursor(std::string_view cursor) {
  if (cursor.size() > 32) return std::nullopt;
  const auto text = parley::core::base64url_decode_string(cursor);
  if (!text || text->size() < 3 || text->substr(0, 2) != "s:") return std::nullopt;
  std::uint64_t seq = 0;
  const char* first = text->data() + 2;
  const char* last = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(first, last, seq);
  if (ec != std::errc{} || ptr != last || seq == 0) return std::nullopt;
  return seq;
}

}  // namespace

ledger::ledger(const std::vector<customer>& customers, const parley::core::clock& clock,
               parley::core::random_source& rng)
    : clock_(clock), rng_(rng) {
  for (const auto& c : customers) {
    holdings h;
    h.accounts = c.accounts;
    h.cards = c.cards;
    h.transactions = c.transactions;
    h.next_seq = h.transactions.empty() ? 1 : h.transactions.back().seq + 1;
    customers_.emplace(c.id, std::move(h));
  }
}

account* ledger::find_account(holdings& h, std::string_view ref) {
  for (auto& a : h.accounts) {
    if (a.id == ref || a.iban == ref || a.type == ref) return &a;
  }
  return nullptr;
}

const account* ledger::find_account(const holdings& h, std::string_view ref) {
  return find_account(const_cast<holdings&>(h), ref);
}

std::string ledger::new_reference(std::string_view kind) {
  std::string ref = "BX-" + std::string(kind) + "-";
  for (int i = 0; i < 8; ++i) ref += reference_alphabet[parley::core::random_below(rng_, reference_alphabet.size())];
  return ref;
}

void ledger::book(holdings& h, std::string_view customer_id, const account& a, minor_units amount,
                  std::string counterparty, std::string description) {
  transaction t;
  t.seq = h.next_seq++;
  t.id = "tx-" + std::string(customer_id) + "-" + std::to_string(t.seq);
  t.account_id = a.id;
  t.booked = clock_.now();
  t.amount = amount;
  t.counterparty = std::move(counterparty);
  t.description = std::move(description);
  h.transactions.push_back(std::move(t));
}

std::vector<account> ledger::accounts(std::string_view customer_id) const {
  std::lock_guard lock(mutex_);
  const auto it = customers_.find(customer_id);
  return it == customers_.end() ? std::vector<account>{} : it->second.accounts;
}

std::vector<card> ledger::cards(std::string_view customer_id) const {
  std::lock_guard lock(mutex_);
  const auto it = customers_.find(customer_id);
  return it == customers_.end() ? std::vector<card>{} : it->second.cards;
}

parley::result<transaction_page> ledger::transactions(std::string_view customer_id,
                                                      std::optional<std::string_view> account_ref, std::size_t limit,
                                                      std::optional<std::string_view> cursor) const {
  PARLEY_CHECK(limit >= 1 && limit <= 50, "transactions limit out of range");
  std::optional<std::uint64_t> before;
  if (cursor) {
    before = decode_cursor(*cursor);
    if (!before) return errc::invalid_request;
  }
  std::lock_guard lock(mutex_);
  const auto it = customers_.find(customer_id);
  if (it == customers_.end()) return errc::invalid_account;
  const holdings& h = it->second;
  const account* only = nullptr;
  if (account_ref) {
    only = find_account(h, *account_ref);
    if (!only) return errc::invalid_account;
  }
  transaction_page page;
  for (auto t = h.transactions.rbegin(); t != h.transactions.rend(); ++t) {
    if (before && t->seq >= *before) continue;
    if (only && t->account_id != only->id) continue;
    if (page.items.size() == limit) {
      page.next_cursor = encode_cursor(page.items.back().seq);
      break;
    }
    page.items.push_back(*t);
  }
  return page;
}

parley::result<transfer_receipt> ledger::transfer(std::string_view customer_id, const transfer_request& req) {
  std::lock_guard lock(mutex_);
  const auto it = customers_.find(customer_id);
  if (it == customers_.end()) return errc::invalid_account;
  holdings& h = it->second;
  account* from = find_account(h, req.from);
  account* to = find_account(h, req.to);
  if (const auto seen = h.transfers.find(req.idempotency_key); seen != h.transfers.end()) {
    const auto& prior = seen->second;
    if (from && to && prior.from == from->id && prior.to == to->id && prior.amount == req.amount) {
      auto receipt = prior.receipt;
      receipt.replayed = true;
      return receipt;
    }
    return errc::idempotency_key_reused;
  }
  if (!from || !to) return errc::invalid_account;
  if (from == to) return errc::same_account;
  if (req.amount <= 0 || req.amount > max_amount) return errc::invalid_request;
  if (from->balance < req.amount) return errc::insufficient_funds;
  if (from->currency != to->currency) return errc::invalid_account;

  transfer_receipt r;
  r.reference = new_reference("TR");
  r.from_account_id = from->id;
  r.to_account_id = to->id;
  r.amount = req.amount;
  r.currency = from->currency;
  r.booked = clock_.now();
  from->balance -= req.amount;
  to->balance += req.amount;
  book(h, customer_id, *from, -req.amount, "BankX", "Transfer to " + to->name + " (" + r.reference + ")");
  book(h, customer_id, *to, req.amount, "BankX", "Transfer from " + from->name + " (" + r.reference + ")");

  if (h.transfers.size() >= max_transfers_remembered) {
    const auto oldest = std::min_element(h.transfers.begin(), h.transfers.end(), [](const auto& a, const auto& b) {
      return a.second.receipt.booked < b.second.receipt.booked;
    });
    h.transfers.erase(oldest);
  }
  h.transfers.emplace(req.idempotency_key, idempotent_transfer{from->id, to->id, req.amount, r});
  return r;
}

parley::result<block_receipt> ledger::block_card(std::string_view customer_id, std::string_view card_type,
                                                 std::string_view last_seen) {
  std::lock_guard lock(mutex_);
  const auto it = customers_.find(customer_id);
  if (it == customers_.end()) return errc::no_such_card;
  for (auto& c : it->second.cards) {
    if (c.type != card_type) continue;
    if (c.blocked) return block_receipt{c.block_reference, c.type, c.last4, true};
    c.blocked = true;
    c.last_seen = std::string(last_seen);
    c.block_reference = new_reference("CB");
    return block_receipt{c.block_reference, c.type, c.last4, false};
  }
  return errc::no_such_card;
}

}  // namespace bankx
