// Small URL helpers of the channel: checking configured base URLs and origins, and decoding
// application/x-www-form-urlencoded bodies (the token endpoint). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::channel {

/// An absolute http(s) URL split into what the channel checks.
struct base_url {
  bool https = false;
  std::string host;      ///< lower-cased; IPv6 without brackets
  bool loopback = false;  ///< localhost, 127.0.0.0/8 or ::1
};

/// Parses "http(s)://host[:port][/path]" (no userinfo, query or fragment). nullopt otherwise.
[[nodiscard]] std::optional<base_url> parse_base_url(std::string_view url);

/// True for a serialised origin: "http(s)://host[:port]" with nothing after the authority.
[[nodiscard]] bool valid_origin(std::string_view origin);

/// True for 127.0.0.0/8, ::1, ::ffff:127.x.x.x (a peer address as the server reports it).
[[nodiscard]] bool is_loopback_peer(std::string_view address);

/// Decodes an x-www-form-urlencoded body into pairs ('+' is a space). nullopt on a malformed
/// escape, a NUL, or more than `max_fields` fields.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body,
                                                                                       std::size_t max_fields = 64);

/// Percent-encodes everything but RFC 3986 unreserved characters (for query values and path
/// segments we build); a whole "." or ".." is escaped too (never a dot-segment).
[[nodiscard]] std::string url_encode(std::string_view text);

}  // namespace parley::channel
