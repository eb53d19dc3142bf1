// Cookies (RFC 6265): a strict reader of a request's Cookie fields and a checked writer of
// Set-Cookie values. The desk keeps its session in a cookie; the channel will too.
//
// Reading: each Cookie field is split at ';' into "name=value" pairs (spaces around a pair are
// dropped). A pair whose name is not an RFC 7230 token or whose value has a character outside
// cookie-octet (or a lone DQUOTE) is skipped, never repaired or unescaped, so that one planted,
// malformed cookie cannot make the others unreadable; names compare case-sensitively. A name
// sent twice is reported (errc::conflict): a planted duplicate must not choose which one wins.
//
// Writing: format_set_cookie() refuses names and values with characters that would need
// escaping, and enforces the prefixes: "__Secure-" needs Secure; "__Host-" needs Secure, Path=/
// and no Domain (RFC 6265bis §4.1.3), which is what the desk's session cookie uses.
//
// Thread-safety: plain functions on plain values. Never log a cookie's value: it is a credential.
#pragma once

#include <parley/core/error.hpp>
#include <parley/net/http.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

struct cookie {
  std::string_view name;
  std::string_view value;  ///< as sent (no unquoting, no percent-decoding)
};

struct cookie_limits {
  std::size_t max_cookies = 64;  ///< pairs read across all Cookie fields; the rest are ignored
};

/// Every well-formed pair of the request's Cookie fields, in order (views into `headers`).
[[nodiscard]] std::vector<cookie> parse_cookies(const header_view& headers, const cookie_limits& limits = {});

/// The value of the cookie `name`: nullopt when absent, errc::conflict when it was sent more than once.
[[nodiscard]] result<std::optional<std::string_view>> find_cookie(const header_view& headers, std::string_view name,
                                                                  const cookie_limits& limits = {});

enum class same_site { strict, lax, none };

struct set_cookie {
  std::string name;
  std::string value;
  /// Max-Age in seconds; nullopt: a session cookie (gone when the browser closes); 0: delete now.
  std::optional<std::chrono::seconds> max_age;
  std::string path = "/";
  std::string domain;  ///< empty: host-only (the safe default)
  bool secure = true;
  bool http_only = true;
  net::same_site same_site = same_site::strict;
};

/// The Set-Cookie field value. errc::bad_request: a name that is not a token, a value outside
/// cookie-octet, a path with ';' or a control character, or a broken __Host-/__Secure- rule.
[[nodiscard]] result<std::string> format_set_cookie(const set_cookie& c);

/// True for a non-empty RFC 7230 token (the allowed cookie names).
[[nodiscard]] bool is_cookie_name(std::string_view s) noexcept;
/// True when every byte is a cookie-octet (%x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E).
[[nodiscard]] bool is_cookie_value(std::string_view s) noexcept;

}  // namespace parley::net
