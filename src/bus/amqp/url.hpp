// Private: the broker URL, strictly: amqp:// or amqps://, a host (name, IPv4, or [IPv6]), an
// optional port, no credentials, no path beyond "/".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bus::amqp::detail {

struct broker_url {
  bool tls = false;
  std::string host;  ///< without brackets
  std::uint16_t port = 0;
  bool loopback = false;  ///< localhost, 127.0.0.0/8 or ::1
};

[[nodiscard]] std::optional<broker_url> parse_url(std::string_view url);

}  // namespace parley::bus::amqp::detail
