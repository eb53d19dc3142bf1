// Unit-test helpers: a Login API tenant on a fake HTTP client, and an io_context the test drives
// by hand (poll()), so that polling is observed step by step with a fake clock.
#pragma once

#include <parley/core/testing/fake_clock.hpp>
#include <parley/crypto/sealed_secret.hpp>
#include <parley/login/api_client.hpp>
#include <parley/net/testing/fake_http_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <future>
#include <string>

namespace parley::login::test {

namespace json = boost::json;
using namespace std::chrono_literals;

inline constexpr std::string_view client_secret = "unit-test-client-secret-0123456789";
inline constexpr std::string_view access_token = "bxa_TheAccessTokenOfAnnaXXXXXXXXXXXXXXXXXXXXXXXX";
inline constexpr std::string_view polling_token = "bxp_ThePollingTokenYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY";

inline tenant_options tenant(std::string name = "bankx") {
  tenant_options t;
  t.tenant = std::move(name);
  t.base_url = "http://127.0.0.1:9/api/v1";
  t.client_id = "parley";
  t.client_secret = core::secret_string(std::string(client_secret));
  t.methods = {method::push, method::otp_sms, method::totp};
  return t;
}

inline net::client_response json_response(int status, const json::value& body) {
  net::client_response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = json::serialize(body);
  return r;
}

inline net::client_response started(int interval = 5, int expires = 180, bool otp = false) {
  json::object o{{"pollingToken", polling_token}, {"interval", interval}, {"expiresIn", expires}};
  if (otp) {
    o["otpSentTo"] = "+44*******123";
    o["otpLength"] = 6;
  }
  return json_response(200, o);
}
inline net::client_response status(std::string_view s, int interval = 0) {
  json::object o{{"status", s}};
  if (interval > 0) o["interval"] = interval;
  return json_response(200, o);
}
inline net::client_response approved(int expires = 600) {
  return json_response(200, json::object{{"status", "approved"}, {"accessToken", access_token}, {"tokenType", "Bearer"},
                                         {"expiresIn", expires}});
}

/// Runs handlers on the test thread until nothing is ready.
inline void drain(boost::asio::io_context& io) {
  for (int i = 0; i < 1000; ++i) {
    io.restart();
    if (io.poll() == 0) return;
  }
}

/// Runs `aw` to completion on `io` (driven from the test thread) and returns its value.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  auto fut = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  for (int i = 0; i < 1000 && fut.wait_for(0s) != std::future_status::ready; ++i) {
    io.restart();
    io.poll();
  }
  EXPECT_EQ(fut.wait_for(0s), std::future_status::ready);
  return fut.get();
}

inline json::object body_of(const net::client_request& r) { return json::parse(r.body).as_object(); }

}  // namespace parley::login::test
