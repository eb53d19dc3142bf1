#include "addresses.hpp"

#include <gtest/gtest.h>

namespace parley::bus::amqp::detail {
namespace {

subscription_options fan(std::string topic) {
  return {.topic = std::move(topic)};
}
subscription_options work(std::string topic, std::string name) {
  return {.topic = std::move(topic), .kind = subscription_kind::competing, .name = std::move(name)};
}

TEST(Addresses, RabbitMq3UsesTheExchangeAndPreDeclaredQueues) {
  address_book b(flavour::rabbitmq3, "amq.topic", {}, "node-1");
  EXPECT_EQ(b.publish("channel.activity").address, "/exchange/amq.topic/channel.activity");
  const auto f = b.subscribe(fan("channel.activity"), 7);
  EXPECT_EQ(f.address, "/exchange/amq.topic/channel.activity");
  EXPECT_FALSE(f.durable);
  EXPECT_EQ(f.link_name, "parley/node-1/fan-out/channel.activity/7");
  const auto w = b.subscribe(work("desk.handoff", "desk-handoff"), 8);
  EXPECT_EQ(w.address, "/amq/queue/desk-handoff");
  EXPECT_TRUE(w.durable);
  EXPECT_TRUE(w.capabilities.empty());
}

TEST(Addresses, RabbitMq4UsesTheV2Format) {
  address_book b(flavour::rabbitmq4, "parley", {}, "node-1");
  EXPECT_EQ(b.publish("channel.activity").address, "/exchanges/parley/channel.activity");
  EXPECT_EQ(b.subscribe(fan("channel.activity"), 1).address, "/queues/node-1.channel.activity");
  EXPECT_EQ(b.subscribe(work("desk.handoff", "desk-handoff"), 2).address, "/queues/desk-handoff");
}

TEST(Addresses, ArtemisUsesCapabilitiesAndNamesSharedSubscriptionsByLink) {
  address_book b(flavour::artemis, "", {}, "node-1");
  const auto p = b.publish("channel.activity");
  EXPECT_EQ(p.address, "channel.activity");
  EXPECT_EQ(p.capabilities, (std::vector<std::string>{"topic"}));
  const auto w = b.subscribe(work("desk.handoff", "desk-handoff"), 2);
  EXPECT_EQ(w.address, "desk.handoff");
  EXPECT_EQ(w.link_name, "desk-handoff");
  EXPECT_EQ(w.capabilities, (std::vector<std::string>{"topic", "shared", "global"}));
  EXPECT_TRUE(w.durable);
}

TEST(Addresses, ServiceBusUsesTopicSubscriptions) {
  address_book b(flavour::servicebus, "", {}, "node-1");
  EXPECT_EQ(b.publish("channel.activity").address, "channel.activity");
  EXPECT_EQ(b.subscribe(fan("channel.activity"), 1).address, "channel.activity/subscriptions/node-1");
  EXPECT_EQ(b.subscribe(work("desk.handoff", "desk-handoff"), 1).address, "desk.handoff/subscriptions/desk-handoff");
}

TEST(Addresses, OverridesReplaceOnlyWhatTheyName) {
  address_book b(flavour::rabbitmq3, "parley.events",
                 {.publish = "", .fan_out = "/exchange/{exchange}/{topic}.#", .competing = ""}, "n");
  EXPECT_EQ(b.publish("t").address, "/exchange/parley.events/t");
  EXPECT_EQ(b.subscribe(fan("t"), 1).address, "/exchange/parley.events/t.#");
}

TEST(Addresses, TemplatesAreChecked) {
  EXPECT_TRUE(valid_template("/exchange/{exchange}/{topic}"));
  EXPECT_TRUE(valid_template("{topic}/subscriptions/{subscription}"));
  EXPECT_FALSE(valid_template(""));
  EXPECT_FALSE(valid_template("/queue/{tenant}"));
  EXPECT_FALSE(valid_template("/queue/{topic"));
  EXPECT_FALSE(valid_template("/queue/a b"));
  EXPECT_FALSE(valid_template("/queue/a*"));
  EXPECT_EQ(expand("{topic}:{node}:{unknown}", "t", "s", "n", "x"), "t:n:{unknown}");
}

}  // namespace
}  // namespace parley::bus::amqp::detail
