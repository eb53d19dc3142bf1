#include <bankx/ledger.hpp>

#include <parley/core/testing/fake_clock.hpp>

#include <gtest/gtest.h>

#include <set>

namespace bankx {
namespace {

using namespace std::chrono_literals;

struct Ledger : ::testing::Test {
  parley::core::testing::fake_clock clock;
  std::vector<customer> customers = demo_customers(clock.now());
  ledger l{customers, clock, parley::core::os_random()};

  minor_units balance(std::string_view customer, std::string_view type) {
    for (const auto& a : l.accounts(customer)) {
      if (a.type == type) return a.balance;
    }
    ADD_FAILURE() << "no " << type << " account";
    return 0;
  }
  parley::result<transfer_receipt> move(std::string_view customer, std::string from, std::string to, minor_units amount,
                                        std::string key) {
    return l.transfer(customer, {std::move(from), std::move(to), amount, std::move(key)});
  }
};

TEST_F(Ledger, TransfersBetweenOwnAccountsAndBooksBothSides) {
  const auto cur = balance("anna.schmidt", "current");
  const auto sav = balance("anna.schmidt", "savings");
  auto r = move("anna.schmidt", "current", "savings", 4990, "k1");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->reference.substr(0, 6), "BX-TR-");
  EXPECT_EQ(r->reference.size(), 14u);
  EXPECT_FALSE(r->replayed);
  EXPECT_EQ(balance("anna.schmidt", "current"), cur - 4990);
  EXPECT_EQ(balance("anna.schmidt", "savings"), sav + 4990);
  const auto page = l.transactions("anna.schmidt", std::nullopt, 2, std::nullopt).value();
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].amount, 4990) << "newest first: the credit was booked last";
  EXPECT_EQ(page.items[1].amount, -4990);
}

TEST_F(Ledger, AccountsCanBeNamedByIdIbanOrType) {
  const auto accounts = l.accounts("anna.schmidt");
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_TRUE(move("anna.schmidt", accounts[0].id, accounts[1].iban, 100, "k1"));
  EXPECT_TRUE(move("anna.schmidt", accounts[1].iban, "current", 100, "k2"));
}

TEST_F(Ledger, OnlyTheCustomersOwnAccounts) {
  const auto bens = l.accounts("ben.meyer");
  const auto before = bens[0].balance;
  EXPECT_EQ(move("anna.schmidt", "current", bens[0].id, 100, "k1").error(), errc::invalid_account);
  EXPECT_EQ(move("anna.schmidt", bens[0].iban, "current", 100, "k2").error(), errc::invalid_account);
  EXPECT_EQ(move("anna.schmidt", "current", "nonexistent", 100, "k3").error(), errc::invalid_account);
  EXPECT_EQ(move("david.okafor", "current", "savings", 100, "k4").error(), errc::invalid_account)
      << "David has no savings account";
  EXPECT_EQ(l.accounts("ben.meyer")[0].balance, before);
  EXPECT_EQ(l.transactions("anna.schmidt", bens[0].id, 10, std::nullopt).error(), errc::invalid_account);
}

TEST_F(Ledger, RefusesSameAccountAndInsufficientFundsWithoutMovingMoney) {
  const auto cur = balance("ben.meyer", "current");
  EXPECT_EQ(move("ben.meyer", "current", "current", 100, "k1").error(), errc::same_account);
  EXPECT_EQ(move("ben.meyer", "current", "savings", cur + 1, "k2").error(), errc::insufficient_funds);
  EXPECT_TRUE(move("ben.meyer", "current", "savings", cur, "k3")) << "the whole balance is fine";
  EXPECT_EQ(balance("ben.meyer", "current"), 0);
  EXPECT_EQ(move("ben.meyer", "current", "savings", 0, "k4").error(), errc::invalid_request);
}

TEST_F(Ledger, IdempotencyKeyReplaysTheSameTransferOnce) {
  const auto cur = balance("anna.schmidt", "current");
  auto first = move("anna.schmidt", "current", "savings", 1000, "same-key");
  auto again = move("anna.schmidt", "anna.schmidt-current", "savings", 1000, "same-key");
  ASSERT_TRUE(first && again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->reference, first->reference);
  EXPECT_EQ(balance("anna.schmidt", "current"), cur - 1000) << "money moved once";
  EXPECT_EQ(move("anna.schmidt", "current", "savings", 2000, "same-key").error(), errc::idempotency_key_reused);
  EXPECT_EQ(move("anna.schmidt", "savings", "current", 1000, "same-key").error(), errc::idempotency_key_reused);
  EXPECT_TRUE(move("ben.meyer", "current", "savings", 1000, "same-key")) << "keys are per customer";
}

TEST_F(Ledger, ARefusedTransferDoesNotUseUpItsKey) {
  const auto cur = balance("ben.meyer", "current");
  EXPECT_EQ(move("ben.meyer", "current", "savings", cur + 500, "retry").error(), errc::insufficient_funds);
  ASSERT_TRUE(move("ben.meyer", "savings", "current", 500, "top-up"));
  EXPECT_TRUE(move("ben.meyer", "current", "savings", cur + 500, "retry")) << "same key, now funded";
}

TEST_F(Ledger, TransactionsArePagedNewestFirst) {
  std::set<std::string> seen;
  std::optional<std::string> cursor;
  std::optional<std::chrono::system_clock::time_point> previous;
  std::size_t pages = 0;
  do {
    auto page = l.transactions("anna.schmidt", std::nullopt, 7, cursor).value();
    ++pages;
    for (const auto& t : page.items) {
      EXPECT_TRUE(seen.insert(t.id).second) << "no duplicates across pages";
      if (previous) {
        EXPECT_LE(t.booked, *previous);
      }
      previous = t.booked;
    }
    cursor = page.next_cursor;
  } while (cursor);
  EXPECT_GE(seen.size(), 20u) << "a couple of dozen transactions";
  EXPECT_EQ(pages, (seen.size() + 6) / 7);
  EXPECT_EQ(l.transactions("anna.schmidt", std::nullopt, 5, "garbage").error(), errc::invalid_request);
  const auto savings = l.transactions("anna.schmidt", "savings", 50, std::nullopt).value();
  for (const auto& t : savings.items) EXPECT_EQ(t.account_id, "anna.schmidt-savings");
}

TEST_F(Ledger, BlocksACardOnceAndGivesTheSameReferenceAgain) {
  auto r = l.block_card("anna.schmidt", "credit", "yesterday");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reference.substr(0, 6), "BX-CB-");
  EXPECT_FALSE(r->already_blocked);
  EXPECT_EQ(r->last4, "7730");
  auto again = l.block_card("anna.schmidt", "credit", "today");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->already_blocked);
  EXPECT_EQ(again->reference, r->reference);
  EXPECT_EQ(l.block_card("ben.meyer", "credit", "today").error(), errc::no_such_card);
  EXPECT_FALSE(l.cards("anna.schmidt")[0].blocked) << "only the credit card";
}

}  // namespace
}  // namespace bankx
