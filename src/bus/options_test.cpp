#include <parley/bus/options.hpp>

#include <gtest/gtest.h>

namespace parley::bus {
namespace {

using namespace std::chrono_literals;

TEST(BusOptions, DefaultsAreInProcess) {
  auto cfg = core::config::parse("", {});
  const auto o = parse_options(cfg->section("bus"));
  EXPECT_TRUE(cfg->ok());
  EXPECT_EQ(o.backend, backend_kind::in_process);
  EXPECT_TRUE(o.node_id.empty());
  EXPECT_EQ(o.max_outgoing, 10000u);
  EXPECT_EQ(o.publish_timeout, 15s);
}

TEST(BusOptions, ReadsEveryKey) {
  auto cfg = core::config::parse(R"(
[bus]
backend = "amqp"
node_id = "channel-1"
max_outgoing = 500
publish_timeout = "3s"
max_message_bytes = 65536
max_in_flight = 8
redelivery_delay = "1s"
stop_timeout = "2s"
)",
                                 {});
  const auto o = parse_options(cfg->section("bus"));
  EXPECT_TRUE(cfg->ok()) << cfg->errors().front();
  EXPECT_EQ(o.backend, backend_kind::amqp);
  EXPECT_EQ(o.node_id, "channel-1");
  EXPECT_EQ(o.max_outgoing, 500u);
  EXPECT_EQ(o.publish_timeout, 3s);
  EXPECT_EQ(o.max_message_bytes, 65536u);
  EXPECT_EQ(o.max_in_flight, 8u);
  EXPECT_EQ(o.redelivery_delay, 1s);
  EXPECT_EQ(o.stop_timeout, 2s);
}

TEST(BusOptions, RefusesBadValuesAndUnknownKeys) {
  auto cfg = core::config::parse(R"(
[bus]
backend = "kafka"
node_id = "has space"
max_outgoing = 0
publish_timeout = "1ms"
typo = 1
)",
                                 {});
  (void)parse_options(cfg->section("bus"));
  const auto& e = cfg->errors();
  ASSERT_EQ(e.size(), 5u);
  const auto has = [&](std::string_view s) {
    return std::any_of(e.begin(), e.end(), [&](const std::string& x) { return x.find(s) != std::string::npos; });
  };
  EXPECT_TRUE(has("bus.backend"));
  EXPECT_TRUE(has("bus.node_id"));
  EXPECT_TRUE(has("bus.max_outgoing"));
  EXPECT_TRUE(has("bus.publish_timeout"));
  EXPECT_TRUE(has("bus.typo"));
}

}  // namespace
}  // namespace parley::bus
