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

}  // namespace
}  // namespace parley::net
