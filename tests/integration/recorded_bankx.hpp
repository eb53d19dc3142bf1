// Test helper for the token-leak tests: BankX on 127.0.0.1 port 0 (system clock, 1 s polling
// interval) drawing its randomness from a recording_random (leak_scan.hpp), so that the test can
// form every token it issued; plus the customer's phone approving a push login, through BankX's
// phone API as the phone page does. The bot side runs in another process.
#pragma once

#include "http_json.hpp"
#include "leak_scan.hpp"
#include "server_fixture.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace parley::test {

class recorded_bankx {
 public:
  /// Accepts client id "parley" with `client_secret`; logins are polled every `interval`.
  explicit recorded_bankx(std::string_view client_secret, std::chrono::seconds interval = std::chrono::seconds(1)) {
    bankx::options o;
    o.client_id = "parley";
    bankx::set_client_secret(o, client_secret);
    o.polling_interval = interval;
    auto made = bankx::bank::create(o, core::system_clock(), rng_);
    if (!made) ADD_FAILURE() << made.error().message();
    bank_ = std::move(*made);
    server_ = std::make_unique<net::test::running_server>(
        [this](net::router& r, net::server&, net::metrics_registry&) { bankx::add_routes(r, bank_); });
  }

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  /// The Login API's and the accounts API's base URL.
  [[nodiscard]] std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/api/v1"; }
  [[nodiscard]] bankx::bank& bank() { return *bank_; }
  /// Every form of every token BankX can have issued so far.
  [[nodiscard]] std::vector<needle> token_needles() const { return bankx_token_needles(rng_); }

  /// The customer approves the one pending login request on their phone.
  void approve(const std::string& customer) {
    const auto session = http_call(port(), "POST", "/app/api/session", "Content-Type: application/json\r\n",
                                   R"({"customerId":")" + customer + R"("})");
    ASSERT_EQ(session.status, 201);
    const std::string bearer = "Authorization: Bearer " + session.str("sessionToken") + "\r\n";
    const auto state = http_call(port(), "GET", "/app/api/state", bearer);
    ASSERT_EQ(state.body.at("requests").as_array().size(), 1u);
    const std::string id(state.body.at("requests").at(0).at("id").as_string());
    ASSERT_EQ(http_call(port(), "POST", "/app/api/requests/" + id + "/approve", bearer).status, 204);
  }

 private:
  recording_random rng_;  // before bank_, which draws from it
  std::shared_ptr<bankx::bank> bank_;
  std::unique_ptr<net::test::running_server> server_;
};

}  // namespace parley::test
