#include "url.hpp"

#include <algorithm>
#include <cctype>

namespace parley::bus::amqp::detail {
namespace {

bool ipv4_loopback(std::string_view h) {
  if (!h.starts_with("127.")) return false;
  int dots = 0;
  for (const char c : h) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

std::optional<broker_url> parse_url(std::string_view url) {
  broker_url u;
  if (url.starts_with("amqps://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("amqp://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (url.ends_with("/")) url.remove_suffix(1);
  if (url.empty() || url.find_first_of("@/?#") != std::string_view::npos) return std::nullopt;
  std::string_view port;
  bool has_port = false;
  if (url.front() == '[') {
    const auto close = url.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(url.substr(1, close - 1));
    const auto rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      has_port = true;
    }
    if (u.host.empty() || u.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      return std::nullopt;
  } else {
    const auto colon = url.find(':');
    u.host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = url.substr(colon + 1);
      has_port = true;
    }
    const bool ok = !u.host.empty() && std::all_of(u.host.begin(), u.host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
    if (!ok) return std::nullopt;
  }
  if (has_port) {
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    const int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return std::nullopt;
    u.port = static_cast<std::uint16_t>(p);
  } else {
    u.port = u.tls ? 5671 : 5672;
  }
  std::string lower = u.host;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  u.loopback = lower == "localhost" || ipv4_loopback(lower) || lower == "::1";
  return u;
}

}  // namespace parley::bus::amqp::detail
