// Test helpers: a BankX with a fake clock and a known client secret, and a phone that approves.
#pragma once

#include <bankx/bank.hpp>

#include <parley/core/testing/fake_clock.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace bankx::test {

inline constexpr std::string_view client_secret = "s3cr3t-for-tests-only-0123456789";

inline options test_options() {
  options o;
  set_client_secret(o, client_secret);
  return o;
}

/// A demo BankX on a fake clock.
struct fixture {
  parley::core::testing::fake_clock clock;
  std::unique_ptr<bank> b;

  explicit fixture(options o = test_options()) {
    auto made = bank::create(std::move(o), clock, parley::core::os_random());
    if (!made) ADD_FAILURE() << "bank::create: " << made.error().message();
    b = std::move(*made);
  }

  /// Starts a login and returns its polling token.
  std::string start(std::string customer, login_method m, start_result* out = nullptr) {
    auto r = b->logins().start({std::move(customer), m, "conv-1"});
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return {};
    if (out) *out = *r;
    return r->polling_token;
  }

  /// The id of the customer's only pending phone request ("" when none or several).
  std::string pending_id(const std::string& customer) {
    const auto p = b->logins().pending_requests(customer);
    return p.size() == 1 ? p.front().id : std::string();
  }

  /// The code in the newest outbox message of the customer.
  std::string last_code(const std::string& customer) {
    const auto m = b->messages().messages(customer);
    if (m.empty()) return {};
    const auto& text = m.front().text;
    const auto start = text.find("BankX: ") + 7;
    return text.substr(start, text.find(' ', start) - start);
  }
};

}  // namespace bankx::test
