// Test helpers: BankX on a real net server (127.0.0.1, port 0) with a fake clock for BankX's own
// time (polling intervals, expiry), and a small HTTP client speaking to it through the raw probe.
#pragma once

#include "probe.hpp"
#include "server_fixture.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>

#include <parley/core/base64.hpp>
#include <parley/core/testing/fake_clock.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace bankx::test {

namespace json = boost::json;
using parley::net::test::raw_response;
using namespace std::chrono_literals;

inline constexpr std::string_view client_id = "parley";
inline constexpr std::string_view client_secret = "integration-secret-0123456789abcdef";

inline std::string basic(std::string_view id, std::string_view secret) {
  const std::string plain = std::string(id) + ":" + std::string(secret);
  return "Basic " + parley::core::base64_encode(
                        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()));
}

struct response {
  int status = 0;
  json::value body;  // null when the body is empty or not JSON
  raw_response raw;
  [[nodiscard]] std::string str(std::string_view key) const {
    const auto* o = body.if_object();
    const auto* v = o ? o->if_contains(key) : nullptr;
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
  [[nodiscard]] std::int64_t num(std::string_view key) const {
    const auto* o = body.if_object();
    const auto* v = o ? o->if_contains(key) : nullptr;
    return v && v->is_int64() ? v->get_int64() : -1;
  }
  [[nodiscard]] std::string error_code() const {
    const auto* o = body.if_object();
    const auto* e = o ? o->if_contains("error") : nullptr;
    const auto* c = e && e->is_object() ? e->get_object().if_contains("code") : nullptr;
    return c && c->is_string() ? std::string(c->get_string()) : std::string();
  }
};

class bankx_server {
 public:
  /// `rng` (default: the OS CSPRNG) must outlive the server; a test that must know the tokens
  /// BankX issues passes a recording source (tests/integration/leak_scan.hpp).
  explicit bankx_server(options o = {}, parley::core::random_source& rng = parley::core::os_random()) {
    set_client_secret(o, client_secret);
    o.client_id = std::string(client_id);
    auto made = bank::create(std::move(o), clock, rng);
    if (!made) ADD_FAILURE() << made.error().message();
    b = std::shared_ptr<bank>(std::move(*made));
    server = std::make_unique<parley::net::test::running_server>(
        [this](parley::net::router& r, parley::net::server&, parley::net::metrics_registry&) { add_routes(r, b); });
  }

  /// One request on a fresh connection. `headers` are complete lines ("Name: value\r\n").
  response call(std::string_view method, std::string_view target, std::string_view headers = {},
                std::string_view body = {}) {
    parley::net::test::probe p(server->port());
    EXPECT_TRUE(p.connected());
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                      std::string(headers) + "Content-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + std::string(body);
    EXPECT_TRUE(p.send(req));
    response out;
    auto raw = p.read_response(10s);
    if (!raw) {
      ADD_FAILURE() << "no response to " << method << " " << target;
      return out;
    }
    out.status = raw->status;
    out.raw = *raw;
    boost::system::error_code ec;
    if (!raw->body.empty()) out.body = json::parse(raw->body, ec);
    if (ec) out.body = nullptr;
    return out;
  }

  response post_json(std::string_view target, const json::value& body, std::string_view auth) {
    std::string headers = "Content-Type: application/json\r\n";
    if (!auth.empty()) headers += "Authorization: " + std::string(auth) + "\r\n";
    return call("POST", target, headers, json::serialize(body));
  }

  // --- the bot's side ---
  response login_api(std::string_view op, const json::value& body) {
    return post_json(std::string(api_base_path) + "/" + std::string(op), body, basic(client_id, client_secret));
  }
  response start(std::string_view customer, std::string_view method) {
    return login_api("startLogin", json::object{{"customerId", customer}, {"method", method}, {"conversationRef", "conv-42"}});
  }
  response poll(std::string_view polling_token) { return login_api("pollLogin", json::object{{"pollingToken", polling_token}}); }
  response verify(std::string_view polling_token, std::string_view otp) {
    return login_api("verifyOtp", json::object{{"pollingToken", polling_token}, {"otp", otp}});
  }
  response accounts_get(std::string_view path, std::string_view access_token) {
    return call("GET", std::string(api_base_path) + std::string(path), "Authorization: Bearer " + std::string(access_token) + "\r\n");
  }

  // --- the phone's side ---
  std::string phone_session(std::string_view customer) {
    auto r = post_json("/app/api/session", json::object{{"customerId", customer}}, {});
    EXPECT_EQ(r.status, 201);
    return r.str("sessionToken");
  }
  response phone(std::string_view method, std::string_view path, std::string_view session, const json::value* body = nullptr) {
    std::string headers = "Authorization: Bearer " + std::string(session) + "\r\n";
    if (body) headers += "Content-Type: application/json\r\n";
    return call(method, "/app/api" + std::string(path), headers, body ? json::serialize(*body) : std::string());
  }
  /// The pending requests the phone shows.
  json::array requests(std::string_view session) {
    auto r = phone("GET", "/state", session);
    EXPECT_EQ(r.status, 200);
    return r.body.at("requests").as_array();
  }
  /// An approved login's access token for `customer` (push or ussd, approved on the phone).
  std::string log_in(std::string_view customer, std::string_view method = "push") {
    auto started = start(customer, method);
    const auto session = phone_session(customer);
    auto list = requests(session);
    EXPECT_EQ(list.size(), 1u);
    if (list.empty()) return {};
    EXPECT_EQ(phone("POST", "/requests/" + std::string(list[0].at("id").as_string()) + "/approve", session).status, 204);
    clock.advance(5s);
    auto polled = poll(started.str("pollingToken"));
    EXPECT_EQ(polled.str("status"), "approved");
    return polled.str("accessToken");
  }

  parley::core::testing::fake_clock clock;
  std::shared_ptr<bank> b;
  std::unique_ptr<parley::net::test::running_server> server;
};

}  // namespace bankx::test
