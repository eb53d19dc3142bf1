// Options of the net component and their parser for the `[net]` section.
//
//   [net]
//   threads = 2                  # I/O threads (0: one per core)
//   max_connections = 10000
//   header_timeout = "10s"       # ... every field of server_options below
//   [[net.listeners]]
//   name = "ops"                 # the service it serves; src/app maps names to routes
//   address = "127.0.0.1"
//   port = 8400
//   tls_cert_file = "/etc/parley/cert.pem"
//   tls_key = { file = "/etc/parley/key.pem" }   # a secret: by reference only
//   [net.client]
//   ca_file = "/etc/parley/private-ca.pem"
//
// Plain HTTP on a non-loopback address is a configuration error unless behind_tls_proxy = true.
#pragma once

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::net {

using namespace std::chrono_literals;

/// One listening socket.
struct listener_options {
  std::string name = "ops";            ///< the service served; also the `listener` metrics label
  std::string address = "127.0.0.1";   ///< an IP address, or "localhost" (= 127.0.0.1)
  std::uint16_t port = 8400;           ///< 0: any free port (the bound one is reported)
  std::string tls_cert_file;           ///< PEM certificate chain (leaf first); TLS is on when set
  std::optional<core::secret_string> tls_key;  ///< PEM private key (read from a file reference)
  bool behind_tls_proxy = false;       ///< plain HTTP allowed off loopback: a TLS proxy is in front
};

/// Limits and timeouts shared by every listener of a server.
struct server_options {
  std::size_t max_connections = 10'000;       ///< open connections (HTTP and WebSocket) over all listeners
  std::size_t max_header_bytes = 16 * 1024;   ///< request line + headers; more gets 431
  std::size_t max_body_bytes = 1024 * 1024;   ///< cap over every route's max_body_bytes
  std::chrono::milliseconds header_timeout = 10s;  ///< TLS handshake, and first byte to end of headers
  std::chrono::milliseconds body_timeout = 30s;    ///< end of headers to end of body
  std::chrono::milliseconds idle_timeout = 60s;    ///< keep-alive wait for the next request
  std::chrono::milliseconds write_timeout = 30s;   ///< writing one response
  std::chrono::milliseconds shutdown_timeout = 20s;  ///< in-flight requests get this long at shutdown
  std::chrono::seconds hsts_max_age = std::chrono::seconds{63'072'000};  ///< 2 years; 0 disables HSTS
  std::string referrer_policy = "no-referrer";     ///< Referrer-Policy on every response
  /// Content-Security-Policy added to text/html responses that set none.
  std::string html_csp =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
};

/// Settings of an outbound HTTP(S) client.
struct client_options {
  std::chrono::milliseconds connect_timeout = 5s;   ///< DNS + TCP + TLS handshake
  std::chrono::milliseconds request_timeout = 15s;  ///< whole request, connect included (per call overridable)
  std::size_t max_response_bytes = 4 * 1024 * 1024;  ///< body cap; more fails with response_too_large
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_idle_per_host = 8;                ///< idle keep-alive connections kept per host
  std::chrono::milliseconds idle_timeout = 30s;     ///< idle pooled connections are dropped after this
  bool system_cas = true;                           ///< trust the system's CA store
  std::string ca_file;                              ///< extra trusted CA certificates (PEM)
  std::string client_cert_file;                     ///< mTLS: client certificate chain (PEM)
  std::optional<core::secret_string> client_key;    ///< mTLS: its private key
  std::string user_agent = "parley";
};

struct options {
  unsigned threads = 1;  ///< I/O threads running the io_context (0: one per core)
  server_options server;
  std::vector<listener_options> listeners;  ///< empty: the composition root's defaults
  client_options client;
};

/// Reads the `[net]` section. Problems are recorded in the config (and finish() is called), so
/// the caller checks cfg.ok() once for every component.
[[nodiscard]] options parse_options(core::config_section section);

/// True for 127.0.0.0/8, ::1, and "localhost".
[[nodiscard]] bool is_loopback_address(std::string_view address);

}  // namespace parley::net
