// The load generator's HTTP side: keep-alive connections to one server, pooled per worker thread,
// each bound to one of several loopback source addresses. Not part of Parley (bench only).
// Thread-safety: an http_pool and its connections belong to one worker's io_context (one thread);
// source_addresses is shared by all workers and is thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

/// Local addresses for new connections, taken round robin. One address gives at most ~28 000
/// connections to one server port (the ephemeral port range); 127.0.0.x addresses multiply that.
class source_addresses {
 public:
  explicit source_addresses(std::vector<asio::ip::address> addresses);
  /// The next address, or an unspecified address when the list is empty (let the kernel pick).
  [[nodiscard]] asio::ip::address next() noexcept;

 private:
  std::vector<asio::ip::address> addresses_;
  std::atomic<std::size_t> next_{0};
};

/// Opens `socket` and connects it to `to` from `from` (unless unspecified), with
/// IP_BIND_ADDRESS_NO_PORT so that the local port is chosen per 4-tuple at connect time.
asio::awaitable<boost::system::error_code> connect_from(tcp::socket& socket, const tcp::endpoint& to,
                                                        const asio::ip::address& from);

/// Resolves "host:port" of an http:// or ws:// URL given as numbers (the benchmarks run on
/// loopback; no DNS). Returns false when the URL is not of that form.
bool parse_url(const std::string& url, tcp::endpoint& endpoint, std::string& host, std::string& target);

/// Where the load goes (from --directline and --token-url).
struct endpoints {
  tcp::endpoint channel;        ///< the Direct Line server
  std::string channel_host;
  std::string directline_path;  ///< e.g. /v3/directline
  tcp::endpoint bot;            ///< Parley: the bot's /api/token
  std::string bot_host;
  std::string token_path;
};

struct http_result {
  boost::system::error_code ec;  ///< transport error (connect, write, read, timeout)
  unsigned status = 0;           ///< HTTP status when ec is clear
  std::string body;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// At most `max_connections` keep-alive connections to one server; a request waits for a free one
/// (FIFO). A request on a reused connection that the server had closed is retried once on a fresh
/// connection. Every operation times out after `timeout`.
class http_pool {
 public:
  http_pool(asio::any_io_executor executor, tcp::endpoint server, std::string host, source_addresses& sources,
            std::size_t max_connections, std::chrono::milliseconds timeout);
  ~http_pool();
  http_pool(const http_pool&) = delete;
  http_pool& operator=(const http_pool&) = delete;

  asio::awaitable<http_result> request(beast::http::verb verb, std::string target, std::string body,
                                       const header_list& headers);

 private:
  struct connection;
  struct waiter;
  asio::awaitable<std::unique_ptr<connection>> acquire();
  void release(std::unique_ptr<connection> c);
  asio::awaitable<http_result> exchange(connection& c, beast::http::verb verb, const std::string& target,
                                        const std::string& body, const header_list& headers);

  asio::any_io_executor executor_;
  tcp::endpoint server_;
  std::string host_;
  source_addresses& sources_;
  std::size_t max_;
  std::chrono::milliseconds timeout_;
  std::size_t total_ = 0;
  std::vector<std::unique_ptr<connection>> idle_;
  std::deque<waiter*> waiters_;
};

}  // namespace loadgen
