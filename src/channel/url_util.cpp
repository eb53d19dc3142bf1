#include "url_util.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace parley::channel {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Splits "scheme://authority" + rest; fills host/https/loopback from the authority.
std::optional<std::pair<base_url, std::string_view>> split(std::string_view url) {
  base_url out;
  std::string_view rest;
  if (url.size() > 8 && lower(url.substr(0, 8)) == "https://") {
    out.https = true;
    rest = url.substr(8);
  } else if (url.size() > 7 && lower(url.substr(0, 7)) == "http://") {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  const auto end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, end);
  const auto tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return std::nullopt;
    out.loopback = addr.is_loopback();
  } else {
    const auto colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) return std::nullopt;
    const auto h = lower(host);
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address_v4(h, ec);
    out.loopback = h == "localhost" || (!ec && addr.is_loopback());
  }
  if (authority.back() == ':') return std::nullopt;
  if (!port.empty()) {
    unsigned p = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || ptr != port.data() + port.size() || p == 0 || p > 65535) return std::nullopt;
  }
  out.host = lower(host);
  return std::pair{out, tail};
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<base_url> parse_base_url(std::string_view url) {
  auto parts = split(url);
  if (!parts) return std::nullopt;
  const auto tail = parts->second;
  if (tail.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  if (std::any_of(tail.begin(), tail.end(), [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) return std::nullopt;
  return parts->first;
}

bool valid_origin(std::string_view origin) {
  auto parts = split(origin);
  return parts && parts->second.empty();
}

bool is_loopback_peer(std::string_view address) {
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return false;
  if (addr.is_v4()) return addr.to_v4().is_loopback();
  const auto v6 = addr.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body, std::size_t max_fields) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    const auto end = std::min(body.find('&', start), body.size());
    const auto piece = body.substr(start, end - start);
    if (!piece.empty()) {
      if (out.size() == max_fields) return std::nullopt;
      const auto eq = piece.find('=');
      auto name = form_decode(piece.substr(0, eq));
      auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
      if (!name || !value) return std::nullopt;
      out.emplace_back(std::move(*name), std::move(*value));
    }
    start = end + 1;
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  // A whole "." or ".." would be a dot-segment in a path (RFC 3986 §5.2.4): escaped.
  if (text == "." || text == "..") return text == "." ? "%2E" : "%2E%2E";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

}  // namespace parley::channel
