#include "loopback.hpp"

#include "fuzz_target.hpp"

#include <parley/core/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace parley::net::fuzz {

namespace asio = boost::asio;
using asio::ip::tcp;

loopback::loopback(router routes, server_options options) {
  server_ = std::make_unique<server>(io_, std::move(options), metrics_);
  listener_options l;
  l.name = "fuzz";
  l.address = "127.0.0.1";
  l.port = 0;
  auto bound = server_->listen(l, std::make_shared<const router>(std::move(routes)));
  if (!bound) parley::fuzz::violated("the fuzz server cannot listen on 127.0.0.1");
  port_ = bound->port;
  server_->set_ready(true);
}

loopback::~loopback() {
  bool done = false;
  asio::co_spawn(io_, server_->shutdown(), [&](std::exception_ptr) { done = true; });
  while (!done && io_.run_one() > 0) {
  }
}

namespace {

asio::awaitable<void> client(tcp::socket& s, std::string_view first, std::string_view wait_for, std::string_view then,
                             std::string& out) {
  auto [wec, wn] = co_await asio::async_write(s, asio::buffer(first), core::use_tuple);
  if (!wait_for.empty() && !wec) {
    // E.g. the upgrade's "\r\n\r\n": a WebSocket client sends frames only after the 101.
    auto [rec, rn] = co_await asio::async_read_until(s, asio::dynamic_buffer(out), wait_for, core::use_tuple);
    if (!rec) co_await asio::async_write(s, asio::buffer(then), core::use_tuple);
  }
  boost::system::error_code ec;
  s.shutdown(tcp::socket::shutdown_send, ec);
  char buf[4096];
  for (;;) {
    auto [rec, n] = co_await s.async_read_some(asio::buffer(buf), core::use_tuple);
    out.append(buf, n);
    if (rec) break;
  }
  s.close(ec);
}

}  // namespace

std::string loopback::exchange(std::string_view first, std::string_view wait_for, std::string_view then) {
  io_.restart();
  tcp::socket s(io_);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_), ec);
  if (ec) parley::fuzz::violated("cannot connect to the fuzz server");
  std::string out;
  bool done = false;
  asio::co_spawn(io_, client(s, first, wait_for, then, out), [&](std::exception_ptr) { done = true; });
  while (!done) io_.run_one();
  // The server's side ends on its own (it read the end of the stream): wait for it, so that no
  // connection outlives its input.
  while (server_->active_connections() > 0) io_.run_one();
  return out;
}

}  // namespace parley::net::fuzz
