// The robustness suite against net::server in-process, where the limits can be made small: the
// ops listener's reserve, the per-client cap and trusted proxies, slowloris and silent
// connections, a lingering close, and no exception ever escaping (issue 21, issue 14).
#include "attack.hpp"

#include <parley/core/async.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/net/health.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace parley::robustness {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

// A server with an "ops" listener (health, metrics) and an "app" listener, on 127.0.0.1 port 0.
class two_listeners {
 public:
  two_listeners(net::server_options so, net::listener_options&& app) : work_(asio::make_work_guard(io_)) {
    srv_ = std::make_unique<net::server>(io_, std::move(so), metrics_);
    auto ops_routes = std::make_shared<net::router>();
    net::add_health_routes(*ops_routes, *srv_);
    net::add_metrics_route(*ops_routes, metrics_);
    auto app_routes = std::make_shared<net::router>();
    app_routes->get("/who", [](const net::request& r) -> asio::awaitable<net::response> {
      co_return net::json_response(
          200, json::object{{"address", r.client_address}, {"key", r.client_key}, {"peer", r.remote_address}});
    });
    net::route_options small;
    small.max_body_bytes = 1024;
    app_routes->post(
        "/small", [](const net::request&) -> asio::awaitable<net::response> { co_return net::empty_response(204); },
        small);
    net::listener_options ops;
    ops.port = 0;
    ops_ = srv_->listen(ops, ops_routes)->port;
    app.port = 0;
    app.name = "app";
    app_ = srv_->listen(app, app_routes)->port;
    srv_->set_ready(true);
    threads_ = std::make_unique<core::thread_group>(io_, 2, "test-io");
  }
  ~two_listeners() {
    asio::co_spawn(io_, srv_->shutdown(), asio::use_future).get();
    io_.stop();
    work_.reset();
    threads_->join();
  }
  std::uint16_t ops() const { return ops_; }
  std::uint16_t app() const { return app_; }
  std::string metrics() { return metrics_.render(); }

 private:
  net::metrics_registry metrics_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<net::server> srv_;
  std::unique_ptr<core::thread_group> threads_;
  std::uint16_t ops_ = 0, app_ = 0;
};

// Every test here: no exception escaped anything, no handler threw.
class net_robustness : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(core::escaped_exceptions(), escaped_before_);
    for (const char* bad : {"handler threw", "unhandled exception"}) EXPECT_FALSE(logs_.contains(bad)) << bad;
  }
  core::testing::log_capture logs_;
  std::size_t escaped_before_ = core::escaped_exceptions();
};

std::optional<raw_response> get(std::uint16_t port, std::string_view target, std::string_view source = "127.0.0.1",
                                std::string_view extra = {}) {
  attack_socket s(port, source);
  if (!s.send("GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n" + std::string(extra) + "\r\n"))
    return std::nullopt;
  return s.read_response(5s);
}

// Issue 21, 1: when every shared slot is taken, the ops listener is still reachable.
TEST_F(net_robustness, OpsListenerKeepsItsReserveWhenEveryConnectionIsTaken) {
  net::server_options so;
  so.max_connections = 20;
  so.first_byte_timeout = 20s;  // the flood stays for the whole test
  net::listener_options app;
  app.max_connections_per_client = 0;
  two_listeners s(so, std::move(app));
  std::vector<attack_socket> flood;
  for (int i = 0; i < 30; ++i) flood.emplace_back(s.app(), "127.0.0.20");
  std::this_thread::sleep_for(500ms);  // the refused ones are closed at once
  int refused = 0;
  for (auto& f : flood) refused += f.wait_closed(0ms) ? 1 : 0;
  EXPECT_EQ(refused, 10);
  // Full: another client of the app listener is refused, the ops listener answers.
  attack_socket late(s.app(), "127.0.0.21");
  EXPECT_TRUE(late.wait_closed(2s));
  const auto health = get(s.ops(), "/healthz", "127.0.0.21");
  ASSERT_TRUE(health) << "the ops listener was locked out";
  EXPECT_EQ(health->status, 200);
  const auto metrics = s.metrics();
  EXPECT_EQ(metric_value(metrics, R"(parley_http_connections_refused_total{listener="app",reason="max_connections"})"),
            11)
      << metrics;
}

// Issue 14: the per-client cap counts each client; connections from trusted proxies are exempt.
TEST_F(net_robustness, PerClientCapAndTrustedProxies) {
  net::server_options so;
  so.first_byte_timeout = 20s;
  net::listener_options app;
  app.max_connections_per_client = 4;
  app.trusted_proxies = {*net::parse_network("127.0.0.30")};
  two_listeners s(so, std::move(app));
  std::vector<attack_socket> held;
  for (int i = 0; i < 6; ++i) held.emplace_back(s.app(), "127.0.0.31");
  std::this_thread::sleep_for(500ms);
  int refused = 0;
  for (auto& h : held) refused += h.wait_closed(0ms) ? 1 : 0;
  EXPECT_EQ(refused, 2);
  // Another address has its own count; the trusted proxy has none.
  auto other = get(s.app(), "/who", "127.0.0.32");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  std::vector<attack_socket> proxied;
  for (int i = 0; i < 10; ++i) proxied.emplace_back(s.app(), "127.0.0.30");
  for (auto& p : proxied) EXPECT_FALSE(p.wait_closed(50ms));
  // Behind the trusted proxy, the client is the forwarded address ...
  auto r = get(s.app(), "/who", "127.0.0.30", "X-Forwarded-For: 203.0.113.1, 2001:db8:1:2::99\r\n");
  ASSERT_TRUE(r);
  auto v = json::parse(r->body);
  EXPECT_EQ(v.at("address").as_string(), "2001:db8:1:2::99");
  EXPECT_EQ(v.at("key").as_string(), "2001:db8:1:2::/64");
  EXPECT_EQ(v.at("peer").as_string(), "127.0.0.30");
  // ... and from anyone else the header is ignored.
  r = get(s.app(), "/who", "127.0.0.32", "X-Forwarded-For: 203.0.113.1\r\n");
  ASSERT_TRUE(r);
  v = json::parse(r->body);
  EXPECT_EQ(v.at("address").as_string(), "127.0.0.32");
  EXPECT_EQ(metric_value(s.metrics(), R"(parley_http_connections_refused_total{listener="app",reason="per_client"})"),
            2);
}

// Slowloris (one byte at a time) is cut at the header timeout; a silent connection at the
// first-byte timeout, both without holding anything longer.
TEST_F(net_robustness, SlowlorisAndSilentConnectionsAreCutOff) {
  net::server_options so;
  so.first_byte_timeout = 300ms;
  so.header_timeout = 800ms;
  two_listeners s(so, net::listener_options{});
  attack_socket silent(s.app(), "127.0.0.40");
  const auto start = std::chrono::steady_clock::now();
  attack_socket slow(s.app(), "127.0.0.41");
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    const std::string req = "GET /who HTTP/1.1\r\nHost: a\r\nX-Slow: ";
    for (std::size_t i = 0; i < 200 && !stop.load(); ++i) {
      if (!slow.send(std::string(1, i < req.size() ? req[i] : 'x'), 200ms)) return;
      std::this_thread::sleep_for(50ms);
    }
  });
  EXPECT_TRUE(silent.wait_closed(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  const auto r = slow.read_response(5s);
  const auto answered = std::chrono::steady_clock::now() - start;
  stop.store(true);
  trickle.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_LT(answered, 3s);  // the header timeout (0.8 s), with room for a loaded machine
}

// Issue 21, 7: a client that sends its whole (refused) body before reading gets the 413.
TEST_F(net_robustness, ALingeringCloseDeliversTheAnswerToAClientStillSending) {
  two_listeners s(net::server_options{}, net::listener_options{});
  for (int round = 0; round < 3; ++round) {
    attack_socket c(s.app(), "127.0.0.50");
    ASSERT_TRUE(c.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 33554432\r\n\r\n"));
    const std::string block(1 << 20, 'z');
    bool all = true;
    for (int i = 0; i < 32 && all; ++i) all = c.send(block, 5s);
    const auto r = c.read_response(5s);
    ASSERT_TRUE(r) << "round " << round << " sent all: " << all << " reset: " << c.was_reset();
    EXPECT_EQ(r->status, 413);
  }
}

}  // namespace
}  // namespace parley::robustness
