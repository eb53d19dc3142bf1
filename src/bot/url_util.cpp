#include "url_util.hpp"

#include <boost/url/parse.hpp>

namespace parley::bot {
namespace {

bool loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
}

}  // namespace

bool is_loopback_url(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return false;
  return loopback_host(u->encoded_host());
}

bool usable_url(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_userinfo() || u->has_query() || u->has_fragment() || u->encoded_host().empty()) return false;
  if (u->scheme() == "https") return true;
  return u->scheme() == "http" && loopback_host(u->encoded_host());
}

bool valid_origin(std::string_view origin) {
  auto u = boost::urls::parse_absolute_uri(origin);
  if (!u || u->has_userinfo() || u->has_query() || u->has_fragment() || u->encoded_host().empty()) return false;
  if (u->scheme() != "https" && u->scheme() != "http") return false;
  return u->encoded_path().empty();
}

std::string encode_segment(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  // "." and ".." are unreserved characters, but as a whole segment they are dot-segments that
  // every URL parser removes (RFC 3986 §5.2.4): a slot value ".." would climb a path level.
  if (s == "." || s == "..") return s == "." ? "%2E" : "%2E%2E";
  std::string out;
  for (const unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace parley::bot
