// URL checks for configuration and activities (private to the bot component).
#pragma once

#include <string>
#include <string_view>

namespace parley::bot {

/// An absolute https:// URL, or http:// on a loopback host; no userinfo, query or fragment.
[[nodiscard]] bool usable_url(std::string_view url);
/// The host of an absolute http(s) URL is 127.0.0.1, ::1 or localhost.
[[nodiscard]] bool is_loopback_url(std::string_view url);
/// An origin as browsers send it: scheme://host[:port], no path, no trailing slash.
[[nodiscard]] bool valid_origin(std::string_view origin);
/// Percent-encodes one path segment (RFC 3986 unreserved characters stay, except that the
/// dot-segments "." and ".." are escaped whole, so that they never remove a level).
[[nodiscard]] std::string encode_segment(std::string_view s);

}  // namespace parley::bot
