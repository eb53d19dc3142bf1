// The outbound client against a real server: keep-alive pooling, bodies, limits, timeouts, errors.
#include "server_fixture.hpp"

#include <parley/net/client.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace parley::net::test {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

void routes(router& r, server&, metrics_registry&) {
  r.get("/hello", [](const request&) -> asio::awaitable<response> {
    co_return json_response(200, std::string(R"({"hello":"world"})"));
  });
  route_options jo;
  jo.json_body = true;
  r.post("/json", [](const request& req) -> asio::awaitable<response> {
    co_return json_response(201, json::value{{"got", req.json()}, {"ua", req.headers.get("user-agent").value_or("")}});
  }, jo);
  r.post("/form", [](const request& req) -> asio::awaitable<response> {
    co_return text_response(200, std::string(req.headers.get("content-type").value_or("")) + "|" +
                                     std::string(req.body));
  });
  r.get("/big", [](const request&) -> asio::awaitable<response> { co_return text_response(200, std::string(100'000, 'b')); });
  r.get("/slow", [](const request&) -> asio::awaitable<response> {
    asio::steady_timer t(co_await asio::this_coro::executor, 2s);
    co_await t.async_wait(core::use_tuple);
    co_return text_response(200, "late");
  });
  r.get("/headers", [](const request& req) -> asio::awaitable<response> {
    co_return text_response(200, std::string(req.headers.get("x-test").value_or("-")) + "|" +
                                     (req.headers.contains("x-injected") ? "injected" : "clean"));
  });
  r.get("/echo-query", [](const request& req) -> asio::awaitable<response> {
    co_return text_response(200, std::string(req.query.get("q").value_or("-")));
  });
}

class client_test : public ::testing::Test {
 protected:
  client_test() : work_(asio::make_work_guard(io_)), threads_(io_, 1, "client") {}
  ~client_test() override {
    work_.reset();
    threads_.join();
  }
  std::unique_ptr<pooled_http_client> make(client_options o = {}) {
    auto c = pooled_http_client::create(io_, std::move(o));
    EXPECT_TRUE(c);
    return std::move(*c);
  }
  result<client_response> call(pooled_http_client& c, client_request req) {
    return asio::co_spawn(io_, c.send(std::move(req)), asio::use_future).get();
  }
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  core::thread_group threads_;
};

client_request get_req(std::string url) {
  client_request r;
  r.url = std::move(url);
  return r;
}

TEST_F(client_test, reuses_keep_alive_connections) {
  running_server s(routes);
  auto c = make();
  const std::string base = s.info().base_url();
  for (int i = 0; i < 3; ++i) {
    const auto r = call(*c, get_req(base + "/hello"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"hello":"world"})");
    EXPECT_EQ(r->headers.get("content-type"), "application/json; charset=utf-8");
  }
  EXPECT_EQ(c->idle_connections(), 1u);
  EXPECT_EQ(s.metrics().counter_for("parley_http_connections_accepted_total", "").value(), 1u);
}

TEST_F(client_test, json_and_form_bodies) {
  running_server s(routes);
  auto c = make({.user_agent = "parley-test"});
  auto r = call(*c, client_request::json(method::post, s.info().base_url() + "/json", json::value{{"a", 1}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(json::parse(r->body), (json::value{{"got", {{"a", 1}}}, {"ua", "parley-test"}}));
  r = call(*c, client_request::form(s.info().base_url() + "/form", {{"grant_type", "client_credentials"}, {"scope", "a b&c"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "application/x-www-form-urlencoded|grant_type=client_credentials&scope=a+b%26c");
  r = call(*c, get_req(s.info().base_url() + "/echo-query?q=x%20y"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "x y");
}

TEST_F(client_test, response_size_is_capped) {
  running_server s(routes);
  auto c = make({.max_response_bytes = 10'000});
  const auto r = call(*c, get_req(s.info().base_url() + "/big"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::response_too_large));
}

TEST_F(client_test, request_timeout) {
  running_server s(routes);
  auto c = make();
  auto req = get_req(s.info().base_url() + "/slow");
  req.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const auto r = call(*c, req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::timeout));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(client_test, connection_refused_and_invalid_urls) {
  auto c = make();
  std::uint16_t closed_port;
  {
    running_server s(routes);
    closed_port = s.port();
  }
  auto r = call(*c, get_req("http://127.0.0.1:" + std::to_string(closed_port) + "/x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::connect_failed));
  for (const std::string bad : {"ftp://example.test/", "http://user:pw@127.0.0.1/", "/relative", "http:///nohost",
                                "http://127.0.0.1/#frag", "not a url"}) {
    r = call(*c, get_req(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), make_error_code(errc::invalid_url)) << bad;
  }
  r = call(*c, get_req("http://no-such-host.invalid/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::resolve_failed));
}

TEST_F(client_test, stale_pooled_connection_is_replaced) {
  server_options o;
  o.idle_timeout = 200ms;  // the server drops idle keep-alive connections quickly
  running_server s(routes, o);
  auto c = make();
  ASSERT_TRUE(call(*c, get_req(s.info().base_url() + "/hello")));
  std::this_thread::sleep_for(500ms);
  const auto r = call(*c, get_req(s.info().base_url() + "/hello"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
}

TEST_F(client_test, header_values_cannot_inject_headers) {
  running_server s(routes);
  auto c = make();
  auto req = get_req(s.info().base_url() + "/headers");
  req.headers.set("X-Test", "ok");
  req.headers.add("X-Evil", "a\r\nX-Injected: 1");
  req.headers.add("Content-Length", "999");
  const auto r = call(*c, req);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body, "ok|clean");
}

TEST(client_form, encoding) {
  EXPECT_EQ(form_encode({{"a", "1"}, {"b c", "d&e=f"}, {"u", "é"}}), "a=1&b+c=d%26e%3Df&u=%C3%A9");
}

}  // namespace
}  // namespace parley::net::test
