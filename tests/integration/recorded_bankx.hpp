// Test helper for the token-leak tests: BankX on 127.0.0.1 port 0 (system clock, 1 s polling
// interval) drawing its randomness from a recording_random (leak_scan.hpp), so that the test can
// form every token it issued; plus the customer's phone approving a push login, through BankX's
// phone API as the phone page does. The bot side runs in another process. It also records the
// W3C trace id each request to it arrived with (its server's traceparent keeps the caller's
// trace id: net/trace_context.hpp), by path.
#pragma once

#include "http_json.hpp"
#include "leak_scan.hpp"
#include "server_fixture.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>
#include <parley/net/trace_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

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
    server_ = std::make_unique<net::test::running_server>([this](net::router& r, net::server&, net::metrics_registry&) {
      // BankX's own routes, each wrapped to note the trace id of the request first.
      net::router own;
      bankx::add_routes(own, bank_);
      own.for_each_endpoint([this, &r](std::string_view pattern, const net::router::endpoint& e) {
        if (!e.on_request) return;
        auto h = e.on_request;
        r.add(
            e.verb, pattern,
            [this, h](const net::request& q) {
              const auto tp = net::parse_traceparent(q.headers.get("traceparent").value_or(""));
              {
                std::lock_guard lock(trace_mutex_);
                traces_.emplace_back(std::string(q.path), tp ? tp->trace_id : std::string());
              }
              return h(q);
            },
            e.options);
      });
    });
  }

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  /// The Login API's and the accounts API's base URL.
  [[nodiscard]] std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/api/v1"; }
  [[nodiscard]] bankx::bank& bank() { return *bank_; }
  /// (path, trace id) of every request so far, in arrival order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> traces() const {
    std::lock_guard lock(trace_mutex_);
    return traces_;
  }
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
  mutable std::mutex trace_mutex_;
  std::vector<std::pair<std::string, std::string>> traces_;
  std::shared_ptr<bankx::bank> bank_;
  std::unique_ptr<net::test::running_server> server_;
};

}  // namespace parley::test
