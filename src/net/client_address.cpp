#include <parley/net/client_address.hpp>
#include <parley/net/http.hpp>

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace parley::net {
namespace {

namespace ip = boost::asio::ip;

bool in_networks(const ip_bytes& a, const std::vector<ip_network>& nets) noexcept {
  for (const auto& n : nets) {
    if (n.contains(a)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One X-Forwarded-For entry: an address, an IPv6 address in brackets (some proxies write them).
std::optional<ip_bytes> xff_entry(std::string_view e) noexcept {
  e = trim(e);
  if (e.size() > 2 && e.front() == '[' && e.back() == ']') e = e.substr(1, e.size() - 2);
  return parse_ip(e);
}

// The for= parameter of one Forwarded element (RFC 7239 §4-6): a token or a quoted string holding
// an IPv4 address, "[IPv6]", either with an optional ":port"; "unknown" and obfuscated ids are not
// addresses.
std::optional<ip_bytes> forwarded_for(std::string_view element) noexcept {
  while (!element.empty()) {
    const auto semi = element.find(';');
    auto pair = trim(element.substr(0, semi));
    element = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || !iequals(trim(pair.substr(0, eq)), "for")) continue;
    auto v = trim(pair.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (!v.empty() && v.front() == '[') {
      const auto close = v.find(']');
      if (close == std::string_view::npos) return std::nullopt;
      return parse_ip(v.substr(1, close - 1));
    }
    if (const auto colon = v.find(':');
        colon != std::string_view::npos && v.find(':', colon + 1) == std::string_view::npos) {
      v = v.substr(0, colon);  // IPv4 with a port
    }
    return parse_ip(v);
  }
  return std::nullopt;
}

// Calls fn(entry) for the comma-separated entries of every `name` field, right to left, until fn
// returns false.
template <class Fn>
void for_each_from_right(const header_view& headers, std::string_view name, Fn&& fn) {
  std::vector<std::string_view> lines;
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) lines.push_back(v);
  }
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    std::string_view rest = *line;
    for (;;) {
      const auto comma = rest.rfind(',');
      const auto entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      if (!trim(entry).empty() && !fn(entry)) return;  // empty list elements are skipped (RFC 9110 §5.6.1)
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
}

}  // namespace

std::optional<ip_bytes> parse_ip(std::string_view text) noexcept {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  boost::system::error_code ec;
  // Asio's parser: "01.2.3.4" and similar are refused (inet_pton rules); a zone id is refused below.
  const auto a = ip::make_address(static_cast<const char*>(buf), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  const auto v6 = a.to_v6();
  if (v6.scope_id() != 0) return std::nullopt;
  return v6.to_bytes();
}

bool is_v4(const ip_bytes& a) noexcept {
  for (std::size_t i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

bool ip_network::contains(const ip_bytes& a) const noexcept {
  unsigned bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((a[i] & mask) != (base[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<ip_network> parse_network(std::string_view text, std::string* why) {
  const auto fail = [&](const char* reason) -> std::optional<ip_network> {
    if (why) *why = reason;
    return std::nullopt;
  };
  const auto slash = text.find('/');
  const auto address = parse_ip(text.substr(0, slash));
  if (!address) return fail("not an IP address (a CIDR such as 10.0.0.0/8 or 2001:db8::/32)");
  const bool v4 = is_v4(*address) && text.substr(0, slash).find(':') == std::string_view::npos;
  ip_network n{*address, 128};
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    unsigned p = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        (digits.size() > 1 && digits.front() == '0')) {
      return fail("the prefix length must be a decimal number");
    }
    if (p > (v4 ? 32U : 128U)) return fail(v4 ? "an IPv4 prefix is at most 32" : "an IPv6 prefix is at most 128");
    n.prefix = v4 ? 96 + p : p;
  }
  // Bits after the prefix must be zero: "10.0.0.1/8" probably means something else.
  for (unsigned bit = n.prefix; bit < 128; ++bit) {
    if (n.base[bit / 8] & (0x80 >> (bit % 8))) return fail("bits are set after the prefix (write the network address)");
  }
  return n;
}

std::string to_string(const ip_bytes& a) {
  const ip::address_v6 v6(a);
  if (is_v4(a)) return ip::make_address_v4(ip::v4_mapped, v6).to_string();
  return v6.to_string();
}

std::string client_key(const ip_bytes& a) {
  if (is_v4(a)) return to_string(a);
  ip_bytes net{};
  std::copy(a.begin(), a.begin() + 8, net.begin());
  return ip::address_v6(net).to_string() + "/64";
}

std::string client_key(std::string_view address) {
  const auto a = parse_ip(address);
  return a ? client_key(*a) : std::string(address);
}

ip_bytes resolve_client(const ip_bytes& peer, const header_view& headers, const std::vector<ip_network>& trusted,
                        forwarded_header which) {
  ip_bytes client = peer;
  if (trusted.empty() || !in_networks(peer, trusted)) return client;
  const auto step = [&](std::optional<ip_bytes> next) {
    if (!next) return false;  // not an address: the last trusted hop stands
    client = *next;
    return in_networks(client, trusted);
  };
  if (which == forwarded_header::x_forwarded_for) {
    for_each_from_right(headers, "x-forwarded-for", [&](std::string_view e) { return step(xff_entry(e)); });
  } else {
    for_each_from_right(headers, "forwarded", [&](std::string_view e) { return step(forwarded_for(e)); });
  }
  return client;
}

}  // namespace parley::net
