// Strict percent-decoding and query parsing (RFC 3986), shared by the router and the server.
#pragma once

#include <parley/net/http.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace parley::net::detail {

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`). nullopt on a malformed escape or
/// a decoded NUL (never useful, often an attack on C string handling further down).
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// Parses "a=1&b=two+words&c" into decoded pairs ("c" has an empty value). Empty pieces ("a=1&&b")
/// are skipped. false on a malformed escape.
[[nodiscard]] bool parse_query(std::string_view query, param_list& out);

/// Splits a request target into path and query ("/a?b=1" → "/a", "b=1"). The fragment is never
/// sent by clients; a '#' is treated as part of the query by nobody and refused by the parser.
struct target_parts {
  std::string_view path;
  std::string_view query;
};
[[nodiscard]] target_parts split_target(std::string_view target) noexcept;

/// Percent-encodes everything but RFC 3986 unreserved characters (space as '+' when `form`).
[[nodiscard]] std::string percent_encode(std::string_view text, bool form);

}  // namespace parley::net::detail
