// WebSocket sessions against real sockets: authentication before the upgrade, echo, limits,
// liveness, keep-alive hook, bounded send queue, sends from other threads, owner close.
#include "probe.hpp"
#include "server_fixture.hpp"
#include "ws_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace parley::net::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// What the server side saw; filled by the hooks, read by the test.
struct observed {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<net::websocket> opened;
  std::vector<websocket_close> closes;
  std::vector<std::string> messages;
  int idles = 0;

  net::websocket wait_open(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, timeout, [&] { return !opened.empty(); });
    return opened.empty() ? net::websocket{} : opened.back();
  }
  std::optional<websocket_close> wait_close(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, timeout, [&] { return !closes.empty(); });
    if (closes.empty()) return std::nullopt;
    return closes.back();
  }
};

websocket_options test_ws_options() {
  websocket_options o;
  o.max_message_bytes = 1024;
  o.max_queued_bytes = 256 * 1024;
  o.max_queued_messages = 100'000;
  o.handshake_timeout = 500ms;
  return o;
}

running_server::builder ws_routes(std::shared_ptr<observed> seen, websocket_options o = test_ws_options(),
                                  bool echo = true) {
  return [seen, o, echo](router& r, server&, metrics_registry&) {
    r.websocket(
        "/ws",
        [seen, echo](const request& req) -> asio::awaitable<websocket_upgrade> {
          // Authenticate before accepting, as the channel does with `t=`.
          if (req.query.get("t") != "good") {
            co_return websocket_upgrade::reject(error_response(errc::unauthorized, "bad stream token"));
          }
          websocket_hooks h;
          // A client that offers "chat.v2" gets it back (the channel echoes its DPoP protocol).
          if (req.headers.get("sec-websocket-protocol").value_or("").find("chat.v2") != std::string_view::npos) {
            h.subprotocol = "chat.v2";
          }
          h.on_open = [seen](net::websocket ws) {
            std::lock_guard lock(seen->mutex);
            seen->opened.push_back(ws);
            seen->cv.notify_all();
          };
          h.on_message = [seen, echo](net::websocket ws, std::string text) -> asio::awaitable<void> {
            {
              std::lock_guard lock(seen->mutex);
              seen->messages.push_back(text);
            }
            if (echo) ws.send("echo:" + text);
            co_return;
          };
          h.on_idle = [seen](net::websocket ws) {
            {
              std::lock_guard lock(seen->mutex);
              ++seen->idles;
            }
            ws.send("");
          };
          h.on_close = [seen](net::websocket, const websocket_close& c) {
            std::lock_guard lock(seen->mutex);
            seen->closes.push_back(c);
            seen->cv.notify_all();
          };
          co_return websocket_upgrade::accept(std::move(h));
        },
        o);
  };
}

constexpr std::string_view raw_upgrade =
    "GET /ws?t=good HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

TEST(net_websocket, echo_after_authenticated_upgrade) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws?t=good"), 101);
  ASSERT_TRUE(c.write("hello"));
  auto m = c.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "echo:hello");
  EXPECT_FALSE(m->binary);
  EXPECT_EQ(s.srv().active_websockets(), 1u);
  c.close(1000, "done");
  const auto closed = seen->wait_close();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, 1000);
  EXPECT_EQ(closed->reason, "done");
}

TEST(net_websocket, the_handler_chooses_the_subprotocol_answered) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  ws_client offered;
  ASSERT_EQ(offered.connect(s.port(), "/ws?t=good", 1 << 20, "chat.v1, chat.v2"), 101);
  EXPECT_EQ(offered.response_header("Sec-WebSocket-Protocol"), "chat.v2");
  ws_client plain;
  ASSERT_EQ(plain.connect(s.port(), "/ws?t=good"), 101);
  EXPECT_EQ(plain.response_header("Sec-WebSocket-Protocol"), "") << "none unless the handler says so";
}

TEST(net_websocket, upgrade_refused_before_the_handshake) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  ws_client c;
  EXPECT_EQ(c.connect(s.port(), "/ws?t=bad"), 401);
  EXPECT_FALSE(seen->wait_open(200ms));
  const auto plain = get(s.port(), "/ws?t=good");  // no Upgrade header
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 426);
  EXPECT_EQ(plain->header("upgrade"), "websocket");
}

TEST(net_websocket, oversize_message_closes_with_1009) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws?t=good"), 101);
  ASSERT_TRUE(c.write(std::string(1025, 'x')));
  EXPECT_FALSE(c.read());
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.reason().code, 1009);
  const auto closed = seen->wait_close();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, 1009);
  // Others are served still.
  ws_client d;
  ASSERT_EQ(d.connect(s.port(), "/ws?t=good"), 101);
  ASSERT_TRUE(d.write(std::string(1024, 'y')));
  EXPECT_TRUE(d.read());
}

TEST(net_websocket, binary_frames_close_with_1003) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws?t=good"), 101);
  ASSERT_TRUE(c.write("bin", true));
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.reason().code, 1003);
}

TEST(net_websocket, a_bad_frame_during_our_close_still_ends_the_session) {
  // Found by the websocket fuzz target (regress-bad-frame-while-closing): a binary frame makes the
  // server close (1003); the bad frame after it (RSV bits set) made Beast's read and close wait for
  // each other forever, with the session, its memory and its connection slot kept.
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  probe p(s.port());
  ASSERT_TRUE(p.send(raw_upgrade));
  ASSERT_EQ(p.read_response()->status, 101);
  using namespace std::string_literals;
  ASSERT_TRUE(p.send("\x82\x82\x11\x22\x33\x44\x11\x23"s          // binary, masked, 2 bytes
                     "\x01\x81\x7d\x61\x61\x61\x61"s              // text, not FIN, masked, 1 byte
                     "\x61\x61"s));                               // RSV2+RSV3 set: a protocol error
  p.shutdown_write();
  const auto closed = seen->wait_close(3s);
  ASSERT_TRUE(closed) << "the session never ended";
  EXPECT_EQ(closed->code, 1003);
  EXPECT_TRUE(p.wait_closed());
  for (int i = 0; i < 100 && s.srv().active_connections() > 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(s.srv().active_connections(), 0u);
}

TEST(net_websocket, send_is_safe_from_other_threads) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen), {}, {}, 2);
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws?t=good"), 101);
  const auto ws = seen->wait_open();
  ASSERT_TRUE(ws);
  std::thread producer([ws] {
    for (int i = 0; i < 200; ++i) EXPECT_TRUE(ws.send("m" + std::to_string(i)));
  });
  for (int i = 0; i < 200; ++i) {
    const auto m = c.read();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->text, "m" + std::to_string(i));
  }
  producer.join();
}

TEST(net_websocket, owner_closes_with_code_and_reason) {
  auto seen = std::make_shared<observed>();
  running_server s(ws_routes(seen));
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws?t=good"), 101);
  const auto ws = seen->wait_open();
  ws.send("last");
  ws.close(4000, "conversation ended");
  EXPECT_FALSE(ws.send("too late"));
  const auto m = c.read();
  ASSERT_TRUE(m) << c.error().message() << " code " << c.reason().code;
  EXPECT_EQ(m->text, "last");  // queued messages go out before the close frame
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.reason().code, 4000);
  EXPECT_EQ(std::string(c.reason().reason.c_str()), "conversation ended");
  const auto closed = seen->wait_close();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, 4000);
  EXPECT_FALSE(ws.is_open());
}

TEST(net_websocket, keepalive_hook_runs_when_nothing_was_sent) {
  auto seen = std::make_shared<observed>();
  auto o = test_ws_options();
  o.keepalive_interval = 100ms;
  running_server s(ws_routes(seen, o));
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws?t=good"), 101);
  const auto m = c.read(2s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "");  // the channel's keep-alive: an empty text frame
  std::lock_guard lock(seen->mutex);
  EXPECT_GE(seen->idles, 1);
}

TEST(net_websocket, peer_that_never_answers_pings_is_dropped) {
  auto seen = std::make_shared<observed>();
  auto o = test_ws_options();
  o.liveness_timeout = 400ms;
  running_server s(ws_routes(seen, o));
  probe p(s.port());
  ASSERT_TRUE(p.send(raw_upgrade));
  const auto r = p.read_response();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 101);
  // The probe neither reads the ping nor answers it.
  const auto closed = seen->wait_close(3s);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, 1006);
  EXPECT_EQ(closed->reason, "liveness timeout");
  EXPECT_TRUE(p.wait_closed());
}

TEST(net_websocket, slow_consumer_is_closed_without_memory_growth) {
  auto seen = std::make_shared<observed>();
  const auto o = test_ws_options();
  running_server s(ws_routes(seen, o), {}, {}, 2);
  probe p(s.port(), 4096);  // a reader with a tiny window that never reads
  ASSERT_TRUE(p.send(raw_upgrade));
  ASSERT_EQ(p.read_response()->status, 101);
  const auto ws = seen->wait_open();
  ASSERT_TRUE(ws);
  const long rss_before = rss_kib();
  const std::string chunk(16 * 1024, 'z');
  std::size_t accepted = 0;
  std::size_t max_queued = 0;
  // Far more than the kernel buffers and the queue can hold: 160 MiB offered.
  for (int i = 0; i < 10'000; ++i) {
    if (ws.send(chunk)) ++accepted;
    max_queued = std::max(max_queued, ws.queued_bytes());
  }
  const auto closed = seen->wait_close(5s);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, close_code::policy);
  EXPECT_EQ(closed->reason, "send queue overflow");
  EXPECT_LT(accepted, 10'000u);
  EXPECT_LE(max_queued, o.max_queued_bytes);
  EXPECT_EQ(ws.queued_bytes(), 0u);
  EXPECT_FALSE(ws.send(chunk));
  EXPECT_LT(rss_kib() - rss_before, 32 * 1024) << "RSS grew by " << (rss_kib() - rss_before) << " KiB";
  EXPECT_GE(s.metrics().counter_for("parley_websocket_slow_consumers_total", "").value(), 1u);
  EXPECT_TRUE(p.wait_closed());
}

TEST(net_websocket, hook_exceptions_close_with_1011) {
  auto seen = std::make_shared<observed>();
  running_server s([](router& r, server&, metrics_registry&) {
    r.websocket("/ws", [](const request&) -> asio::awaitable<websocket_upgrade> {
      websocket_hooks h;
      h.on_message = [](net::websocket, std::string) -> asio::awaitable<void> {
        throw std::runtime_error("boom");
        co_return;
      };
      co_return websocket_upgrade::accept(std::move(h));
    });
  });
  ws_client c;
  ASSERT_EQ(c.connect(s.port(), "/ws"), 101);
  ASSERT_TRUE(c.write("x"));
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.reason().code, 1011);
}

}  // namespace
}  // namespace parley::net::test
