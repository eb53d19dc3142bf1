// Who a client is, for limits: IP networks (trusted proxies), the client address behind them
// (Forwarded / X-Forwarded-For, read only from trusted proxies), and the key that rate limits and
// connection caps count by (an IPv4 address, or an IPv6 /64: one subscriber usually holds a whole
// /64, so counting single IPv6 addresses would give one attacker 2^64 budgets).
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

class header_view;

/// An IP address as 16 bytes; IPv4 addresses are IPv4-mapped (::ffff:a.b.c.d).
using ip_bytes = std::array<std::uint8_t, 16>;

/// "192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7" (read as the IPv4 address); nullopt otherwise
/// (no brackets, ports, zone ids or host names).
[[nodiscard]] std::optional<ip_bytes> parse_ip(std::string_view text) noexcept;

/// True for an IPv4(-mapped) address.
[[nodiscard]] bool is_v4(const ip_bytes& a) noexcept;

/// An IP network: CIDR "10.0.0.0/8", "2001:db8::/32", or one address ("192.0.2.7" is /32).
struct ip_network {
  ip_bytes base{};
  unsigned prefix = 0;  ///< over the 16 bytes: an IPv4 /8 is 104
  [[nodiscard]] bool contains(const ip_bytes& a) const noexcept;
};

/// Parses a network strictly: a valid address, a prefix of 0..32 (IPv4) or 0..128 (IPv6) in
/// decimal without leading zeros, and no bit set after the prefix ("10.0.0.1/8" is refused: it
/// is ambiguous). `why` says what is wrong.
[[nodiscard]] std::optional<ip_network> parse_network(std::string_view text, std::string* why = nullptr);

/// The limit key of an address: the IPv4 address ("192.0.2.7"), or the /64 of an IPv6 address
/// ("2001:db8:1:2::/64").
[[nodiscard]] std::string client_key(const ip_bytes& a);
/// Same for an address in text; the text itself when it is not an IP address.
[[nodiscard]] std::string client_key(std::string_view address);

/// Which header a trusted proxy appends the client to.
enum class forwarded_header : std::uint8_t { x_forwarded_for, forwarded };

/// The client behind `peer`: while the hop being looked at is a trusted proxy, the next address
/// to the left in the header (every field line of it, in order) is taken; the result is the
/// rightmost address that is not a trusted proxy (RFC 7239 §7.4). An entry that is not an IP
/// address (garbage, "unknown", an obfuscated identifier) stops the walk at the last trusted hop.
/// With no trusted proxies, or a peer that is not one, the peer itself.
[[nodiscard]] ip_bytes resolve_client(const ip_bytes& peer, const header_view& headers,
                                      const std::vector<ip_network>& trusted, forwarded_header which);

/// The address as text ("192.0.2.7", "2001:db8::1").
[[nodiscard]] std::string to_string(const ip_bytes& a);

}  // namespace parley::net
