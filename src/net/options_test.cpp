#include <parley/net/options.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

using namespace std::chrono_literals;

bool has_error(const core::config& c, std::string_view needle) {
  for (const auto& e : c.errors()) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string all_errors(const core::config& c) {
  std::string out;
  for (const auto& e : c.errors()) out += e + "\n";
  return out;
}

TEST(net_options, defaults_without_a_section) {
  auto c = core::config::parse("", {});
  const auto o = parse_options(c->section("net"));
  EXPECT_TRUE(c->ok());
  EXPECT_EQ(o.threads, 1u);
  EXPECT_TRUE(o.listeners.empty());
  EXPECT_EQ(o.server.max_header_bytes, 16u * 1024);
  EXPECT_EQ(o.server.header_timeout, 10s);
  EXPECT_EQ(o.client.request_timeout, 15s);
}

TEST(net_options, reads_every_section) {
  auto c = core::config::parse(R"(
[net]
threads = 4
max_connections = 50000
header_timeout = "2s"
idle_timeout = "90s"
max_body_bytes = 2048
[[net.listeners]]
name = "ops"
address = "127.0.0.1"
port = 0
[[net.listeners]]
name = "channel"
address = "0.0.0.0"
port = 8443
behind_tls_proxy = true
[net.client]
ca_file = "/etc/ssl/private-ca.pem"
request_timeout = "5s"
)",
                               {});
  const auto o = parse_options(c->section("net"));
  ASSERT_TRUE(c->ok()) << all_errors(*c);
  EXPECT_EQ(o.threads, 4u);
  EXPECT_EQ(o.server.max_connections, 50000u);
  EXPECT_EQ(o.server.header_timeout, 2s);
  EXPECT_EQ(o.server.idle_timeout, 90s);
  EXPECT_EQ(o.server.max_body_bytes, 2048u);
  ASSERT_EQ(o.listeners.size(), 2u);
  EXPECT_EQ(o.listeners[0].name, "ops");
  EXPECT_EQ(o.listeners[0].port, 0);
  EXPECT_EQ(o.listeners[1].address, "0.0.0.0");
  EXPECT_TRUE(o.listeners[1].behind_tls_proxy);
  EXPECT_EQ(o.client.ca_file, "/etc/ssl/private-ca.pem");
  EXPECT_EQ(o.client.request_timeout, 5s);
}

TEST(net_options, plain_http_off_loopback_is_refused) {
  auto c = core::config::parse("[[net.listeners]]\nname = \"channel\"\naddress = \"0.0.0.0\"\nport = 80\n", {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "net.listeners[0].address: plain HTTP is only allowed on loopback addresses"))
      << all_errors(*c);
}

TEST(net_options, half_a_tls_configuration_is_an_error) {
  auto c = core::config::parse("[[net.listeners]]\ntls_cert_file = \"/x/cert.pem\"\n", {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "TLS needs both tls_cert_file and tls_key"));
}

TEST(net_options, tls_key_must_be_a_reference) {
  auto c = core::config::parse(
      "[[net.listeners]]\ntls_cert_file = \"/x/cert.pem\"\ntls_key = \"-----BEGIN PRIVATE KEY-----\"\n", {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "secrets must be references"));
}

TEST(net_options, tls_key_from_the_environment) {
  auto c = core::config::parse(
      "[[net.listeners]]\naddress = \"0.0.0.0\"\ntls_cert_file = \"/x/cert.pem\"\ntls_key = { env = \"KEY\" }\n",
      {{"KEY", "pem"}});
  const auto o = parse_options(c->section("net"));
  ASSERT_TRUE(c->ok()) << all_errors(*c);
  ASSERT_TRUE(o.listeners[0].tls_key.has_value());
  EXPECT_EQ(o.listeners[0].tls_key->reveal(), "pem");
}

TEST(net_options, unknown_keys_bad_addresses_and_duplicates_are_errors) {
  auto c = core::config::parse(R"(
[net]
treads = 2
[[net.listeners]]
name = "ops"
adress = "127.0.0.1"
[[net.listeners]]
name = "ops"
address = "my-host"
[net.client]
timeout = "1s"
)",
                               {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "net.treads: unknown key"));
  EXPECT_TRUE(has_error(*c, "net.listeners[0].adress: unknown key"));
  EXPECT_TRUE(has_error(*c, "net.listeners[1].address: must be an IP address"));
  EXPECT_TRUE(has_error(*c, "two listeners named ops"));
  EXPECT_TRUE(has_error(*c, "net.client.timeout: unknown key"));
}

TEST(net_options, zero_timeouts_are_errors) {
  auto c = core::config::parse("[net]\nheader_timeout = \"0s\"\n", {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "net.header_timeout: must be positive"));
}

TEST(net_options, loopback_addresses) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.5.6.7"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_TRUE(is_loopback_address("localhost"));
  EXPECT_FALSE(is_loopback_address("0.0.0.0"));
  EXPECT_FALSE(is_loopback_address("::"));
  EXPECT_FALSE(is_loopback_address("10.1.2.3"));
  EXPECT_FALSE(is_loopback_address("localhost.evil.example"));
}

TEST(net_options, per_listener_limits_and_trusted_proxies) {
  auto c = core::config::parse(R"(
[net]
first_byte_timeout = "2s"
linger_timeout = "1s"
[[net.listeners]]
name = "ops"
port = 0
[[net.listeners]]
name = "channel"
address = "0.0.0.0"
behind_tls_proxy = true
max_connections_per_client = 32
reserved_connections = 8
trusted_proxies = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
forwarded_header = "forwarded"
)",
                               {});
  const auto o = parse_options(c->section("net"));
  ASSERT_TRUE(c->ok()) << all_errors(*c);
  EXPECT_EQ(o.server.first_byte_timeout, 2s);
  EXPECT_EQ(o.server.linger_timeout, 1s);
  ASSERT_EQ(o.listeners.size(), 2u);
  EXPECT_EQ(o.listeners[0].max_connections_per_client, 256u);  // the default
  EXPECT_EQ(reserved_connections_of(o.listeners[0]), 64u);     // ops keeps a reserve by default
  EXPECT_EQ(o.listeners[1].max_connections_per_client, 32u);
  EXPECT_EQ(reserved_connections_of(o.listeners[1]), 8u);
  ASSERT_EQ(o.listeners[1].trusted_proxies.size(), 3u);
  EXPECT_TRUE(o.listeners[1].trusted_proxies[0].contains(*parse_ip("10.20.30.40")));
  EXPECT_FALSE(o.listeners[1].trusted_proxies[0].contains(*parse_ip("11.0.0.1")));
  EXPECT_TRUE(o.listeners[1].trusted_proxies[1].contains(*parse_ip("192.0.2.7")));
  EXPECT_FALSE(o.listeners[1].trusted_proxies[1].contains(*parse_ip("192.0.2.8")));
  EXPECT_EQ(o.listeners[1].forwarded, forwarded_header::forwarded);
  listener_options other;
  other.name = "channel";
  EXPECT_EQ(reserved_connections_of(other), 0u);
}

TEST(net_options, trusted_proxies_are_parsed_strictly) {
  for (const char* bad :
       {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/8x", "proxy.example", "10.0.0.0/-1",
        "2001:db8::/129", "2001:db8::1/32", "[2001:db8::]/32", "fe80::1%eth0", "010.0.0.0/8", ""}) {
    auto c =
        core::config::parse(std::string("[[net.listeners]]\nname = \"a\"\ntrusted_proxies = [\"") + bad + "\"]\n", {});
    (void)parse_options(c->section("net"));
    EXPECT_TRUE(has_error(*c, "trusted_proxies")) << bad << ": " << all_errors(*c);
  }
  auto c = core::config::parse("[[net.listeners]]\nname = \"a\"\nforwarded_header = \"x-real-ip\"\n", {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "forwarded_header"));
  // A header limit a field could not fit in is refused.
  c = core::config::parse("[net]\nmax_header_bytes = 70000\n", {});
  (void)parse_options(c->section("net"));
  EXPECT_TRUE(has_error(*c, "max_header_bytes"));
}

}  // namespace
}  // namespace parley::net
