// The handler-facing HTTP types: plain structs with no Beast in sight, so that the files of the
// channel, the bot and the desk compile fast. See docs/adr/0005-net-handler-api.md.
//
// A `request` is a view: its string_views point into the connection's buffers and stay valid until
// the handler's coroutine completes (across its co_awaits). Copy what you keep longer.
// A `response` owns everything it holds.
// Thread-safety: plain values; a request is only ever touched by the coroutine handling it.
#pragma once

#include <parley/net/error.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class value;
}

namespace parley::net {

enum class method : std::uint8_t { get, head, post, put, patch, delete_, options, other };

/// "GET", "POST"... ("OTHER" for method::other).
[[nodiscard]] std::string_view method_name(method m) noexcept;
/// The method for a token as sent on the wire (case-sensitive, as RFC 9110 says).
[[nodiscard]] method parse_method(std::string_view token) noexcept;

/// ASCII case-insensitive equality, for header names and tokens.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// Request headers: a read-only, case-insensitive view of the fields as received (in order,
/// duplicates kept). Never log values: they carry Authorization and cookies.
class header_view {
 public:
  using field = std::pair<std::string_view, std::string_view>;
  /// The first field with `name`, or nullopt.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
  [[nodiscard]] bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  [[nodiscard]] auto begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] auto end() const noexcept { return fields_.end(); }
  void add(std::string_view name, std::string_view value) { fields_.emplace_back(name, value); }
  void clear() noexcept { fields_.clear(); }

 private:
  std::vector<field> fields_;
};

/// Response headers: owned, case-insensitive, in insertion order.
class header_map {
 public:
  using field = std::pair<std::string, std::string>;
  /// Replaces every field named `name` by one with `value`.
  void set(std::string_view name, std::string value);
  /// Appends a field (for repeatable headers such as Set-Cookie or Vary).
  void add(std::string_view name, std::string value);
  void erase(std::string_view name);
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
  [[nodiscard]] bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  [[nodiscard]] auto begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] auto end() const noexcept { return fields_.end(); }

 private:
  std::vector<field> fields_;
};

/// Decoded name/value pairs (path parameters, query parameters, form fields), in order.
class param_list {
 public:
  using field = std::pair<std::string, std::string>;
  /// The first value of `name`, or nullopt. Query parameters may repeat; use begin()/end() for all.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
  [[nodiscard]] bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  [[nodiscard]] bool empty() const noexcept { return fields_.empty(); }
  [[nodiscard]] auto begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] auto end() const noexcept { return fields_.end(); }
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  void clear() noexcept { fields_.clear(); }
  /// Keeps the first `n` pairs.
  void truncate(std::size_t n) { fields_.resize(std::min(n, fields_.size())); }

 private:
  std::vector<field> fields_;
};

/// One HTTP request as a handler sees it.
struct request {
  net::method method = method::get;
  std::string_view method_token;  ///< as sent ("GET"; useful for method::other)
  std::string_view path;          ///< raw path, still percent-encoded (never log it whole: ids)
  std::string_view route;         ///< the matched pattern, e.g. "/v3/directline/conversations/{id}"
  param_list path_params;         ///< decoded values of the pattern's {name} segments
  param_list query;               ///< decoded query parameters ('+' is a space). Never log: `t=` tokens
  header_view headers;            ///< case-insensitive
  std::string_view body;          ///< the whole body (bounded by the route's max_body_bytes)
  std::string_view remote_address;  ///< peer IP address as text
  std::uint16_t remote_port = 0;
  /// The client's address: remote_address, or, from a trusted proxy (listener_options::
  /// trusted_proxies), the address its forwarded header names. Limits use client_key.
  std::string_view client_address;
  /// What rate limits count by (net/client_address.hpp): client_address for IPv4, its /64 for
  /// IPv6 (one subscriber holds a whole /64).
  std::string_view client_key;
  bool tls = false;               ///< this connection is TLS
  bool secure = false;            ///< TLS, or plain HTTP behind a TLS proxy the operator declared
  std::string_view listener;      ///< name of the listener ("ops", "channel"...)
  std::uint64_t connection_id = 0;  ///< for log lines
  /// The body parsed strictly (core::parse_json) when the route asked for JSON; a null value when
  /// the route did not or the body was empty.
  const boost::json::value* json_body = nullptr;

  /// What a per-client limit should count by: client_key (remote_address when a request was
  /// made by hand, without the server).
  [[nodiscard]] std::string_view limit_key() const noexcept { return client_key.empty() ? remote_address : client_key; }
  /// The decoded path parameter `name`; empty if the route has none of that name.
  [[nodiscard]] std::string_view param(std::string_view name) const noexcept;
  /// json_body, or a null value.
  [[nodiscard]] const boost::json::value& json() const noexcept;
};

/// A response. status defaults to 200; the server adds Content-Length, Date, the security headers
/// and (unless the handler set one) Cache-Control: no-store.
struct response {
  int status = 200;
  header_map headers;
  std::string body;
};

/// `value` serialised, with Content-Type: application/json.
[[nodiscard]] response json_response(int status, const boost::json::value& value);
/// An already-serialised JSON document.
[[nodiscard]] response json_response(int status, std::string serialized);
[[nodiscard]] response text_response(int status, std::string text);
/// An HTML page; the server adds a strict Content-Security-Policy unless the handler set one.
[[nodiscard]] response html_response(int status, std::string html);
/// A response without a body (204 by default).
[[nodiscard]] response empty_response(int status = 204);

/// The error body {"error":{"code":error_code_name(e),"message":message}} with http_status(e).
/// `message` goes to the client: never put a secret, a token or user input in it.
[[nodiscard]] response error_response(errc e, std::string_view message);
/// Same, with a component-specific code string (e.g. "BotError" with errc::bad_gateway).
[[nodiscard]] response error_response(errc e, std::string_view code, std::string_view message);

}  // namespace parley::net
