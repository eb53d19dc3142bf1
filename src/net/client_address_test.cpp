#include <parley/net/client_address.hpp>
#include <parley/net/http.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::net {
namespace {

std::vector<ip_network> nets(std::initializer_list<const char*> list) {
  std::vector<ip_network> out;
  for (const char* n : list) out.push_back(*parse_network(n));
  return out;
}

std::string resolve(std::string_view peer, std::initializer_list<std::pair<std::string_view, std::string_view>> h,
                    const std::vector<ip_network>& trusted,
                    forwarded_header which = forwarded_header::x_forwarded_for) {
  header_view headers;
  for (const auto& [n, v] : h) headers.add(n, v);
  return to_string(resolve_client(*parse_ip(peer), headers, trusted, which));
}

TEST(client_address, keys_are_ipv4_addresses_and_ipv6_slash_64s) {
  EXPECT_EQ(client_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_key("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");  // same subscriber
  EXPECT_NE(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
  EXPECT_EQ(client_key("::1"), "::/64");
  EXPECT_EQ(client_key("not an address"), "not an address");
}

TEST(client_address, parse_ip_is_strict) {
  EXPECT_TRUE(parse_ip("10.1.2.3"));
  EXPECT_TRUE(parse_ip("2001:db8::1"));
  for (const char* bad :
       {"", "10.1.2", "10.1.2.3.4", "10.1.2.3:80", "[2001:db8::1]", "host", "fe80::1%1", " 10.1.2.3"}) {
    EXPECT_FALSE(parse_ip(bad)) << bad;
  }
}

TEST(client_address, networks) {
  EXPECT_TRUE(parse_network("0.0.0.0/0")->contains(*parse_ip("203.0.113.9")));
  EXPECT_FALSE(parse_network("0.0.0.0/0")->contains(*parse_ip("2001:db8::1")));  // IPv4 only
  EXPECT_TRUE(parse_network("::/0")->contains(*parse_ip("2001:db8::1")));
  EXPECT_TRUE(parse_network("2001:db8::/32")->contains(*parse_ip("2001:db8:ffff::1")));
  EXPECT_FALSE(parse_network("2001:db8::/32")->contains(*parse_ip("2001:db9::1")));
  EXPECT_TRUE(parse_network("10.0.0.0/31")->contains(*parse_ip("10.0.0.1")));
  EXPECT_FALSE(parse_network("10.0.0.0/31")->contains(*parse_ip("10.0.0.2")));
  std::string why;
  EXPECT_FALSE(parse_network("10.0.0.1/8", &why));
  EXPECT_NE(why.find("after the prefix"), std::string::npos);
}

// Issue 14: Forwarded / X-Forwarded-For only from trusted proxies, rightmost untrusted hop.
TEST(client_address, the_client_is_the_rightmost_untrusted_hop) {
  const auto trusted = nets({"10.0.0.0/8"});
  // Not from a trusted proxy: the header is the client's own words and is ignored.
  EXPECT_EQ(resolve("203.0.113.9", {{"X-Forwarded-For", "198.51.100.1"}}, trusted), "203.0.113.9");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.1"}}, {}), "10.0.0.2");
  // From a trusted proxy: the address it appended.
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.1"}}, trusted), "198.51.100.1");
  // A client that forges entries gets its real address (the proxy's appended one), not the forgery.
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "1.1.1.1, 2.2.2.2, 198.51.100.1"}}, trusted), "198.51.100.1");
  // Several trusted proxies in a row are walked through; lines are read in order.
  EXPECT_EQ(
      resolve("10.0.0.2", {{"X-Forwarded-For", "1.1.1.1, 198.51.100.1"}, {"X-Forwarded-For", "10.9.9.9"}}, trusted),
      "198.51.100.1");
  // Everything trusted: the leftmost.
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "10.1.1.1, 10.2.2.2"}}, trusted), "10.1.1.1");
  // Garbage right after the trusted hop: the walk stops there (the proxy itself).
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.1, garbage"}}, trusted), "10.0.0.2");
  // IPv6 entries, bracketed or not.
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "[2001:db8::7]"}}, trusted), "2001:db8::7");
  // The other header is never read.
  EXPECT_EQ(resolve("10.0.0.2", {{"Forwarded", "for=198.51.100.1"}}, trusted), "10.0.0.2");
}

TEST(client_address, rfc_7239_forwarded) {
  const auto trusted = nets({"10.0.0.0/8", "::1"});
  const auto fwd = forwarded_header::forwarded;
  EXPECT_EQ(resolve("10.0.0.2", {{"Forwarded", "for=198.51.100.1;proto=https"}}, trusted, fwd), "198.51.100.1");
  EXPECT_EQ(resolve("10.0.0.2", {{"Forwarded", R"(for="[2001:db8:cafe::17]:4711")"}}, trusted, fwd),
            "2001:db8:cafe::17");
  EXPECT_EQ(resolve("10.0.0.2", {{"Forwarded", R"(for="192.0.2.43:47011", For=10.3.3.3)"}}, trusted, fwd),
            "192.0.2.43");
  EXPECT_EQ(resolve("::1", {{"Forwarded", "for=unknown"}}, trusted, fwd), "::1");
  EXPECT_EQ(resolve("10.0.0.2", {{"Forwarded", "for=_hidden"}}, trusted, fwd), "10.0.0.2");
  EXPECT_EQ(resolve("10.0.0.2", {{"X-Forwarded-For", "198.51.100.1"}}, trusted, fwd), "10.0.0.2");
}

}  // namespace
}  // namespace parley::net
