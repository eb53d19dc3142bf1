// Graceful shutdown: in-flight requests finish, new connections are refused, WebSockets get
// 1001, and the deadline cuts what does not finish.
#include "probe.hpp"
#include "server_fixture.hpp"
#include "ws_client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace parley::net::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

running_server::builder routes_with_wait(std::chrono::milliseconds wait) {
  return [wait](router& r, server& srv, metrics_registry&) {
    add_health_routes(r, srv);
    r.get("/slow", [wait](const request&) -> asio::awaitable<response> {
      asio::steady_timer t(co_await asio::this_coro::executor, wait);
      co_await t.async_wait(core::use_tuple);
      co_return text_response(200, "finished");
    });
    r.websocket("/ws", [](const request&) -> asio::awaitable<websocket_upgrade> {
      co_return websocket_upgrade::accept({});
    });
  };
}

TEST(net_shutdown, in_flight_finishes_new_refused_websockets_get_1001) {
  running_server s(routes_with_wait(800ms));
  const auto port = s.port();
  ws_client ws;
  ASSERT_EQ(ws.connect(port, "/ws"), 101);
  probe idle(port);  // an idle keep-alive connection
  ASSERT_TRUE(idle.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  probe in_flight(port);
  ASSERT_TRUE(in_flight.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(100ms);

  const auto start = std::chrono::steady_clock::now();
  auto done = s.shutdown_async();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(s.srv().ready());
  probe late(port);
  EXPECT_FALSE(late.connected());  // the listening socket is closed: connection refused

  EXPECT_TRUE(idle.wait_closed(2s));
  EXPECT_FALSE(ws.read(3s));
  EXPECT_TRUE(ws.closed());
  EXPECT_EQ(ws.reason().code, 1001);

  const auto r = in_flight.read_response(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(in_flight.wait_closed());

  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(s.srv().active_connections(), 0u);
}

TEST(net_shutdown, deadline_cuts_requests_that_do_not_finish) {
  server_options o;
  o.shutdown_timeout = 300ms;
  running_server s(routes_with_wait(30s), o);
  probe stuck(s.port());
  ASSERT_TRUE(stuck.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  const auto start = std::chrono::steady_clock::now();
  auto done = s.shutdown_async();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(stuck.wait_closed(2s));
}

}  // namespace
}  // namespace parley::net::test
