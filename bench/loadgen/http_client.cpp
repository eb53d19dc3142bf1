#include "http_client.hpp"

#include <parley/core/async.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <netinet/in.h>

namespace loadgen {

namespace http = beast::http;
using parley::core::use_tuple;

source_addresses::source_addresses(std::vector<asio::ip::address> addresses) : addresses_(std::move(addresses)) {}

asio::ip::address source_addresses::next() noexcept {
  if (addresses_.empty()) return {};
  return addresses_[next_.fetch_add(1, std::memory_order_relaxed) % addresses_.size()];
}

asio::awaitable<boost::system::error_code> connect_from(tcp::socket& socket, const tcp::endpoint& to,
                                                        const asio::ip::address& from) {
  boost::system::error_code ec;
  socket.open(to.protocol(), ec);
  if (ec) co_return ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (!from.is_unspecified()) {
    // Without this option bind() reserves a local port for the address alone, which caps a
    // source address at the ephemeral range whatever the destination.
    const int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket.bind(tcp::endpoint(from, 0), ec);
    if (ec) co_return ec;
  }
  auto [cec] = co_await socket.async_connect(to, use_tuple);
  co_return cec;
}

bool parse_url(const std::string& url, tcp::endpoint& endpoint, std::string& host, std::string& target) {
  auto u = boost::urls::parse_uri(url);
  if (!u || !u->has_port()) return false;
  boost::system::error_code ec;
  // host_address(): an IPv6 literal without its brackets (host() keeps them).
  auto address = asio::ip::make_address(std::string(u->host_address()), ec);
  if (ec) return false;
  endpoint = tcp::endpoint(address, u->port_number());
  host = std::string(u->encoded_host_and_port());
  target = std::string(u->encoded_path());
  if (target.empty()) target = "/";
  if (u->has_query()) target += "?" + std::string(u->encoded_query());
  return true;
}

struct http_pool::connection {
  explicit connection(asio::any_io_executor ex) : stream(std::move(ex)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool open = false;
};

struct http_pool::waiter {
  asio::steady_timer timer;
  std::unique_ptr<connection> granted;
};

http_pool::http_pool(asio::any_io_executor executor, tcp::endpoint server, std::string host, source_addresses& sources,
                     std::size_t max_connections, std::chrono::milliseconds timeout)
    : executor_(std::move(executor)),
      server_(server),
      host_(std::move(host)),
      sources_(sources),
      max_(max_connections == 0 ? 1 : max_connections),
      timeout_(timeout) {}

http_pool::~http_pool() = default;

asio::awaitable<std::unique_ptr<http_pool::connection>> http_pool::acquire() {
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    co_return c;
  }
  if (total_ < max_) {
    ++total_;
    co_return std::make_unique<connection>(executor_);
  }
  waiter w{asio::steady_timer(executor_, asio::steady_timer::time_point::max()), nullptr};
  waiters_.push_back(&w);
  co_await w.timer.async_wait(use_tuple);  // release() hands over a connection, then cancels
  co_return std::move(w.granted);
}

void http_pool::release(std::unique_ptr<connection> c) {
  if (!waiters_.empty()) {
    waiter* w = waiters_.front();
    waiters_.pop_front();
    w->granted = std::move(c);
    w->timer.cancel();
    return;
  }
  idle_.push_back(std::move(c));
}

asio::awaitable<http_result> http_pool::exchange(connection& c, http::verb verb, const std::string& target,
                                                 const std::string& body, const header_list& headers) {
  http_result out;
  if (!c.open) {
    c.stream.close();  // a socket the server had closed; connect_from opens a new one
    c.buffer.clear();
    c.stream.expires_after(timeout_);
    out.ec = co_await connect_from(c.stream.socket(), server_, sources_.next());
    if (out.ec) co_return out;
    c.open = true;
  }
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, host_);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (verb == http::verb::post || verb == http::verb::put) {
    if (req.find(http::field::content_type) == req.end()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  req.keep_alive(true);
  c.stream.expires_after(timeout_);
  auto [wec, wn] = co_await http::async_write(c.stream, req, use_tuple);
  if (wec) {
    c.open = false;
    out.ec = wec;
    co_return out;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(4 * 1024 * 1024);
  auto [rec, rn] = co_await http::async_read(c.stream, c.buffer, parser, use_tuple);
  if (rec) {
    c.open = false;
    out.ec = rec;
    co_return out;
  }
  auto res = parser.release();
  out.status = res.result_int();
  out.body = std::move(res.body());
  if (!res.keep_alive()) c.open = false;
  co_return out;
}

asio::awaitable<http_result> http_pool::request(http::verb verb, std::string target, std::string body,
                                                const header_list& headers) {
  auto c = co_await acquire();
  const bool reused = c->open;
  auto out = co_await exchange(*c, verb, target, body, headers);
  if (out.ec && reused && out.ec != beast::error::timeout) {
    // The server may close an idle keep-alive connection at any moment: one fresh attempt.
    c->open = false;
    out = co_await exchange(*c, verb, target, body, headers);
  }
  if (!c->open) {
    boost::system::error_code ignored;
    c->stream.socket().close(ignored);
  }
  release(std::move(c));
  co_return out;
}

}  // namespace loadgen
