// Options of the net component and their parser for the `[net]` section.
//
//   [net]
//   threads = 2                  # I/O threads (0: one per core)
//   max_connections = 10000
//   first_byte_timeout = "5s"    # ... every field of server_options below
//   [[net.listeners]]
//   name = "ops"                 # the service it serves; src/app maps names to routes
//   address = "127.0.0.1"
//   port = 8400
//   tls_cert_file = "/etc/parley/cert.pem"
//   tls_key = { file = "/etc/parley/key.pem" }   # a secret: by reference only
//   max_connections_per_client = 256             # ... every field of listener_options below
//   trusted_proxies = ["10.0.0.0/8"]             # strict CIDRs; Forwarded/X-Forwarded-For only from them
//   [net.client]
//   ca_file = "/etc/parley/private-ca.pem"
//
// Plain HTTP on a non-loopback address is a configuration error unless behind_tls_proxy = true.
#pragma once

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/net/client_address.hpp>

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
  /// Open connections (HTTP and WebSocket) from one client address on this listener: an IPv4
  /// address, or an IPv6 /64. More are closed at once and counted in
  /// parley_http_connections_refused_total{reason="per_client"}. 0: no cap. Connections from
  /// trusted_proxies are not counted (the proxy has its own limits). Browsers open about 6.
  std::size_t max_connections_per_client = 256;
  /// Connection slots only this listener may use, on top of the server's max_connections, so that
  /// it stays reachable when the others are full. Default: 64 for the listener named "ops"
  /// (/healthz, /readyz, /metrics: a supervisor that cannot reach them restarts the process), 0
  /// for the others. See reserved_connections_of().
  std::optional<std::size_t> reserved_connections;
  /// Proxies (strict CIDRs, "10.0.0.0/8", "2001:db8::/32", or single addresses) whose forwarded
  /// header names the client. The client of a request is then the rightmost address of that header
  /// that is not a trusted proxy (request::client_address); from any other peer the header is
  /// ignored. Empty: every peer is the client.
  std::vector<ip_network> trusted_proxies;
  /// The header the trusted proxies append the client to: "x-forwarded-for" (default) or
  /// "forwarded" (RFC 7239). Only that one is read: a client could send the other.
  forwarded_header forwarded = forwarded_header::x_forwarded_for;
};

/// The listener's reserved_connections, or its default (64 for "ops", 0 otherwise).
[[nodiscard]] std::size_t reserved_connections_of(const listener_options& l) noexcept;

/// Limits and timeouts shared by every listener of a server.
struct server_options {
  std::size_t max_connections = 10'000;       ///< open connections (HTTP and WebSocket) over all listeners
  /// Request line + headers, and separately the trailer fields of a chunked body; more gets 431.
  /// At most 64 KiB (a longer field could not be held by the parser).
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;   ///< cap over every route's max_body_bytes
  /// A new connection's first byte (for TLS, the start of its handshake): a connection that stays
  /// silent is closed after this, without an answer. Keep it short: silent connections hold slots.
  std::chrono::milliseconds first_byte_timeout = 5s;
  std::chrono::milliseconds header_timeout = 10s;  ///< TLS handshake, and first byte to end of headers
  std::chrono::milliseconds body_timeout = 30s;    ///< end of headers to end of body
  std::chrono::milliseconds idle_timeout = 60s;    ///< keep-alive wait for the next request
  std::chrono::milliseconds write_timeout = 30s;   ///< writing one response
  std::chrono::milliseconds shutdown_timeout = 20s;  ///< in-flight requests get this long at shutdown
  /// After an answer that ends the connection while the client may still be sending (a refused
  /// body, a malformed request), what still arrives is read and discarded for at most this long
  /// (and until one second passes without any): closing with unread data sends a reset, which can
  /// destroy the answer before the client reads it ("lingering close").
  std::chrono::milliseconds linger_timeout = 5s;
  /// Requests refused with 429 are not logged one by one: one line per client address per
  /// interval says how many were ("n requests from ADDRESS refused: rate limited").
  std::chrono::milliseconds refusal_log_interval = 10s;
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
