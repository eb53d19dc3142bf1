#include "url.hpp"

#include <parley/bus/amqp/amqp_bus.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace parley::bus::amqp {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const core::secret_string> secret(std::string s) {
  return std::make_shared<const core::secret_string>(std::move(s));
}

options usable() {
  options o;
  o.url = "amqps://broker.example:5671";
  o.user = "parley";
  o.password = secret("pw");
  o.seal_key = secret("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  return o;
}

bool names(const std::vector<problem>& p, std::string_view key) {
  return std::any_of(p.begin(), p.end(), [&](const problem& x) { return x.key == key; });
}

TEST(AmqpUrl, ParsesStrictly) {
  auto u = detail::parse_url("amqps://broker.example:5671");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "broker.example");
  EXPECT_EQ(u->port, 5671);
  EXPECT_FALSE(u->loopback);
  EXPECT_EQ(detail::parse_url("amqp://127.0.0.1")->port, 5672);
  EXPECT_EQ(detail::parse_url("amqps://ns.servicebus.windows.net/")->port, 5671);
  EXPECT_TRUE(detail::parse_url("amqp://127.0.0.1:5672")->loopback);
  EXPECT_TRUE(detail::parse_url("amqp://127.3.2.1:5672")->loopback);
  EXPECT_TRUE(detail::parse_url("amqp://LOCALHOST:5672")->loopback);
  EXPECT_TRUE(detail::parse_url("amqp://[::1]:5672")->loopback);
  EXPECT_EQ(detail::parse_url("amqp://[::1]:5672")->host, "::1");
  EXPECT_FALSE(detail::parse_url("amqp://127.0.0.1.evil.example:5672")->loopback);
  EXPECT_FALSE(detail::parse_url("http://broker:5672"));
  EXPECT_FALSE(detail::parse_url("amqp://user:pw@broker:5672"));
  EXPECT_FALSE(detail::parse_url("amqp://broker:5672/vhost"));
  EXPECT_FALSE(detail::parse_url("amqp://broker:"));
  EXPECT_FALSE(detail::parse_url("amqp://broker:99999"));
  EXPECT_FALSE(detail::parse_url("amqp://"));
  EXPECT_FALSE(detail::parse_url("amqp://bro ker"));
}

TEST(AmqpOptions, PlainAmqpOnlyOnLoopback) {
  auto o = usable();
  EXPECT_TRUE(check(o).empty());
  o.url = "amqp://broker.example:5672";
  EXPECT_TRUE(names(check(o), "url"));
  o.url = "amqp://127.0.0.1:5672";
  EXPECT_TRUE(check(o).empty());
  o.url = "amqp://parley:secret@127.0.0.1:5672";  // credentials never in the URL
  EXPECT_TRUE(names(check(o), "url"));
}

TEST(AmqpOptions, EachMechanismNeedsItsCredentials) {
  auto o = usable();
  o.password.reset();
  EXPECT_TRUE(names(check(o), "password"));
  o = usable();
  o.mechanism = auth::external;
  EXPECT_TRUE(names(check(o), "tls_cert_file"));
  o = usable();
  o.mechanism = auth::sas;
  const auto p = check(o);
  EXPECT_TRUE(names(p, "auth"));  // sas is for Azure Service Bus
  EXPECT_TRUE(names(p, "sas_key_name"));
  EXPECT_TRUE(names(p, "sas_key"));
}

TEST(AmqpOptions, TheSealKeyIsRequiredAnd32Bytes) {
  auto o = usable();
  o.seal_key.reset();
  EXPECT_TRUE(names(check(o), "seal_key"));
  o.seal_key = secret("c2hvcnQ");
  EXPECT_TRUE(names(check(o), "seal_key"));
  o = usable();
  o.seal_key_previous = secret("nope");
  EXPECT_TRUE(names(check(o), "seal_key_previous"));
}

TEST(AmqpOptions, FilesTemplatesAndTimeoutsAreChecked) {
  auto o = usable();
  o.tls_ca_file = "/nonexistent/ca.pem";
  o.addresses.fan_out = "/exchange/{exchange}/{tenant}";
  o.reconnect_min = 5s;
  o.reconnect_max = 1s;
  const auto p = check(o);
  EXPECT_TRUE(names(p, "tls_ca_file"));
  EXPECT_TRUE(names(p, "addresses"));
  EXPECT_TRUE(names(p, "reconnect_min"));
}

TEST(AmqpOptions, ParsesTheSectionWithSecretsByReference) {
  const auto dir = std::filesystem::temp_directory_path() / ("parley-amqp-opts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "pw") << "broker-password\n";
    std::ofstream(dir / "seal") << "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n";
  }
  std::filesystem::permissions(dir / "pw", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::permissions(dir / "seal", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto cfg = core::config::parse(
      "[bus.amqp]\nurl = \"amqps://broker.example\"\nflavour = \"rabbitmq4\"\nauth = \"plain\"\n"
      "user = \"parley\"\npassword = { file = \"" +
          (dir / "pw").string() +
          "\" }\n"
          "seal_key = { file = \"" +
          (dir / "seal").string() +
          "\" }\nexchange = \"parley\"\n"
          "fan_out_address = \"/queues/{node}-{topic}\"\nreconnect_max = \"30s\"\n",
      {});
  const auto o = parse_options(cfg->section("bus").section("amqp"));
  EXPECT_TRUE(cfg->ok()) << cfg->errors().front();
  EXPECT_EQ(o.broker, flavour::rabbitmq4);
  EXPECT_EQ(o.password->reveal(), "broker-password");
  EXPECT_EQ(o.exchange, "parley");
  EXPECT_EQ(o.addresses.fan_out, "/queues/{node}-{topic}");
  EXPECT_EQ(o.reconnect_max, 30s);
  EXPECT_TRUE(check(o).empty());
  std::filesystem::remove_all(dir);
}

TEST(AmqpOptions, RefusesInlineSecretsUnknownKeysAndBadNames) {
  auto cfg = core::config::parse(R"(
[bus.amqp]
url = "amqps://broker.example"
password = "inline-secret"
flavour = "kafka"
auth = "digest"
typo = true
)",
                                 {});
  (void)parse_options(cfg->section("bus").section("amqp"));
  const auto& e = cfg->errors();
  const auto has = [&](std::string_view s) {
    return std::any_of(e.begin(), e.end(), [&](const std::string& x) { return x.find(s) != std::string::npos; });
  };
  EXPECT_TRUE(has("bus.amqp.password"));
  EXPECT_TRUE(has("bus.amqp.flavour"));
  EXPECT_TRUE(has("bus.amqp.auth"));
  EXPECT_TRUE(has("bus.amqp.typo"));
  for (const auto& x : e) EXPECT_EQ(x.find("inline-secret"), std::string::npos) << x;
}

}  // namespace
}  // namespace parley::bus::amqp
