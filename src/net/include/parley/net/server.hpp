// The HTTP/1.1 + WebSocket server: several listeners (each with its own router and TLS setting)
// sharing one io_context, one set of limits and one metrics registry.
//
// Each accepted connection gets its own strand and one coroutine that reads a request (fresh
// parser each time), runs the handler, writes the response (one write in flight), and loops while
// keep-alive holds. Timeouts, size limits and the connection cap come from server_options.
// Bad input gets 400/413/431/408 with the Direct Line error body and a log line with method,
// route pattern, status, duration and sizes (never the target, query or header values).
//
// Ownership: the metrics registry must outlive the io_context (handlers still queued in it share
// the server's state), and the io_context the server. Routers are shared.
// Thread-safety: listen() and set_ready() may be called from any thread; shutdown() is a coroutine
// to run on the io_context once.
#pragma once

#include <parley/core/error.hpp>
#include <parley/net/metrics.hpp>
#include <parley/net/options.hpp>
#include <parley/net/router.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace parley::net {

/// A bound listener.
struct listener_info {
  std::string name;
  std::string address;  ///< as bound
  std::uint16_t port = 0;  ///< as bound (the real one when 0 was asked)
  bool tls = false;
  /// "http://127.0.0.1:8400" / "https://[::1]:8443": the base of the listener's URLs.
  [[nodiscard]] std::string base_url() const;
};

class server {
 public:
  server(boost::asio::io_context& io, server_options options, metrics_registry& metrics);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds `listener` and starts accepting connections routed by `routes`.
  /// Errors: errc::insecure_listener (plain HTTP off loopback without behind_tls_proxy),
  /// errc::tls_setup_failed (details logged), or the system error of the bind (address in use...).
  [[nodiscard]] result<listener_info> listen(const listener_options& listener, std::shared_ptr<const router> routes);

  /// Replaces the TLS certificate chain and key of the running TLS listener named `listener.name`
  /// with `listener.tls_cert_file` and `listener.tls_key` (SIGHUP, certificate renewal): new
  /// connections get them, open connections and WebSockets keep the ones they started with. Other
  /// fields of `listener` are ignored. On any problem the previous certificate stays in use and the
  /// reason is logged. Errors: errc::tls_setup_failed (no such TLS listener, unreadable or
  /// mismatched files). Thread-safe.
  [[nodiscard]] result<void> reload_tls(const listener_options& listener);

  /// What /readyz reports. shutdown() sets it to false first.
  void set_ready(bool ready) noexcept;
  [[nodiscard]] bool ready() const noexcept;

  /// Graceful stop: marks not ready, closes the listening sockets (new connections are refused),
  /// closes idle keep-alive connections, lets in-flight requests finish and answers them with
  /// Connection: close, closes WebSockets with 1001, and after shutdown_timeout cuts whatever is
  /// left. Completes when every connection is gone.
  [[nodiscard]] boost::asio::awaitable<void> shutdown();

  [[nodiscard]] std::size_t active_connections() const noexcept;
  [[nodiscard]] std::size_t active_websockets() const noexcept;
  [[nodiscard]] const server_options& options() const noexcept;

  struct state;  // private; sessions share it

 private:
  std::shared_ptr<state> state_;
};

}  // namespace parley::net
