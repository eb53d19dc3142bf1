// Test helper: a Beast WebSocket client on its own thread, with timeouts on every call.
#pragma once

#include <parley/core/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace parley::net::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

template <class NextLayer>
class basic_ws_client {
 public:
  struct message {
    std::string text;
    bool binary = false;
  };

  explicit basic_ws_client(boost::asio::ssl::context* tls = nullptr)
      : work_(boost::asio::make_work_guard(io_)), tls_(tls), thread_([this] { io_.run(); }) {}

  ~basic_ws_client() {
    boost::asio::post(io_, [this] {
      if (ws_) beast::get_lowest_layer(*ws_).close();
    });
    work_.reset();
    thread_.join();
  }

  /// Extra fields of the upgrade request (Origin, Cookie...), set before connect().
  std::vector<std::pair<std::string, std::string>> headers;

  /// The handshake's HTTP status (101 when upgraded), or 0 on a network failure. `protocols`:
  /// the Sec-WebSocket-Protocol to offer (empty: none).
  int connect(std::uint16_t port, std::string target, std::size_t max_message = 16 * 1024 * 1024,
              std::string protocols = {}) {
    auto f = boost::asio::co_spawn(io_, do_connect(port, std::move(target), max_message, std::move(protocols)),
                                   boost::asio::use_future);
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return 0;
    return f.get();
  }

  /// A header of the handshake's response (e.g. Sec-WebSocket-Protocol, DPoP-Nonce); empty if absent.
  [[nodiscard]] std::string response_header(std::string_view name) const {
    const auto it = response_.find(name);
    return it == response_.end() ? std::string{} : std::string(it->value());
  }

  bool write(std::string text, bool binary = false) {
    auto f = boost::asio::co_spawn(io_, do_write(std::move(text), binary), boost::asio::use_future);
    return f.wait_for(std::chrono::seconds(10)) == std::future_status::ready && f.get();
  }

  /// The next message; nullopt on timeout or when the connection closed (see closed(), reason()).
  std::optional<message> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (!pending_.valid()) pending_ = boost::asio::co_spawn(io_, do_read(), boost::asio::use_future);
    if (pending_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    auto m = pending_.get();
    return m;
  }

  void close(std::uint16_t code, std::string reason = {}) {
    auto f = boost::asio::co_spawn(io_, do_close(code, std::move(reason)), boost::asio::use_future);
    f.wait_for(std::chrono::seconds(5));
  }

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] websocket::close_reason reason() const { return reason_; }
  [[nodiscard]] boost::system::error_code error() const { return error_; }

 private:
  using stream_type = websocket::stream<NextLayer>;

  boost::asio::awaitable<int> do_connect(std::uint16_t port, std::string target, std::size_t max_message,
                                         std::string protocols) {
    if constexpr (std::is_same_v<NextLayer, beast::tcp_stream>) {
      ws_ = std::make_unique<stream_type>(io_);
    } else {
      ws_ = std::make_unique<stream_type>(io_, *tls_);
    }
    ws_->read_message_max(max_message);
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.expires_after(std::chrono::seconds(5));
    auto [cec] = co_await tcp.async_connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), core::use_tuple);
    if (cec) co_return 0;
    if constexpr (!std::is_same_v<NextLayer, beast::tcp_stream>) {
      SSL_set_tlsext_host_name(ws_->next_layer().native_handle(), "localhost");
      auto [hec] = co_await ws_->next_layer().async_handshake(boost::asio::ssl::stream_base::client, core::use_tuple);
      if (hec) co_return 0;
    }
    tcp.expires_never();
    if (!headers.empty() || !protocols.empty()) {
      ws_->set_option(websocket::stream_base::decorator([h = headers, protocols](websocket::request_type& req) {
        for (const auto& [name, value] : h) req.set(name, value);
        if (!protocols.empty()) req.set(beast::http::field::sec_websocket_protocol, protocols);
      }));
    }
    websocket::response_type res;
    co_await ws_->async_handshake(res, "localhost", target, core::use_tuple);  // a refusal shows in res
    response_ = res;
    co_return static_cast<int>(res.result_int());
  }

  boost::asio::awaitable<bool> do_write(std::string text, bool binary) {
    ws_->binary(binary);
    auto [ec, n] = co_await ws_->async_write(boost::asio::buffer(text), core::use_tuple);
    co_return !ec;
  }

  boost::asio::awaitable<std::optional<message>> do_read() {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_->async_read(buffer, core::use_tuple);
    if (ec) {
      closed_ = true;
      error_ = ec;
      reason_ = ws_->reason();
      co_return std::nullopt;
    }
    co_return message{beast::buffers_to_string(buffer.data()), ws_->got_binary()};
  }

  boost::asio::awaitable<void> do_close(std::uint16_t code, std::string reason) {
    websocket::close_reason cr(code);
    cr.reason = reason;
    co_await ws_->async_close(cr, core::use_tuple);
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::ssl::context* tls_;
  std::unique_ptr<stream_type> ws_;
  websocket::response_type response_;
  std::future<std::optional<message>> pending_;
  bool closed_ = false;
  websocket::close_reason reason_;
  boost::system::error_code error_;
  std::thread thread_;
};

using ws_client = basic_ws_client<beast::tcp_stream>;
using wss_client = basic_ws_client<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace parley::net::test
