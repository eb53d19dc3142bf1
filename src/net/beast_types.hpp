// Private: the Beast types of the server sessions, and the functions that cross between the HTTP
// session, the response builder and the WebSocket session.
#pragma once

#include "server_state.hpp"

#include <parley/net/http.hpp>
#include <parley/net/options.hpp>
#include <parley/net/websocket.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <string>

namespace parley::net::detail {

namespace beast = boost::beast;
namespace http = beast::http;

using plain_stream = asio::ip::tcp::socket;
using tls_stream = beast::ssl_stream<asio::ip::tcp::socket>;
using beast_request = http::request<http::string_body>;
using beast_response = http::response<http::string_body>;

/// How to finish a handler's response on the wire.
struct response_context {
  const server_options& options;
  unsigned version = 11;   ///< the request's HTTP version
  bool keep_alive = true;
  bool secure = false;     ///< TLS or declared TLS proxy: send HSTS
  bool head = false;       ///< HEAD: Content-Length of the body, no body
};

/// Moves `r` into a Beast response, adding Date, the security headers (nosniff, Referrer-Policy,
/// HSTS when secure, a CSP on HTML), Cache-Control: no-store unless set, Content-Length and
/// Connection. Header fields with CR/LF in them are dropped and logged (they would split the
/// response).
[[nodiscard]] beast_response to_beast(response&& r, const response_context& ctx, spdlog::logger& log);

/// Who a session serves, for log lines and request views.
struct peer_info {
  std::string address;
  std::uint16_t port = 0;
  std::uint64_t id = 0;
};

/// Takes over an upgraded connection: completes the WebSocket handshake for `req` and runs the
/// session on the stream's strand. Defined in websocket_session.cpp.
void start_websocket_session(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l,
                             plain_stream&& stream, beast_request&& req, const websocket_options& options,
                             websocket_hooks&& hooks, connection_slot&& slot, peer_info peer, std::string route);
void start_websocket_session(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l, tls_stream&& stream,
                             beast_request&& req, const websocket_options& options, websocket_hooks&& hooks,
                             connection_slot&& slot, peer_info peer, std::string route);

}  // namespace parley::net::detail
