#include "codec.hpp"

#include <gtest/gtest.h>
#include <proton/binary.hpp>
#include <proton/value.hpp>

namespace parley::bus::amqp::detail {
namespace {

const core::secret_string key_a{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"};
const core::secret_string key_b{"HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4"};

message sample() {
  message m;
  m.topic = "channel.activity";
  m.tenant = "bankx";
  m.key = "conv-1";
  m.seq = 42;
  m.type = "message";
  m.body = R"({"type":"message","text":"my secret balance"})";
  m.id = "node-a-1";
  m.origin = "node-a";
  m.published_at = std::chrono::system_clock::time_point(std::chrono::microseconds(1'800'000'000'123'456));
  return m;
}

TEST(Codec, RoundTripsEveryFieldAndNeverCarriesTheBodyInClear) {
  auto s = sealer::create(key_a, nullptr);
  ASSERT_TRUE(s);
  const auto pm = s->encode(sample());
  ASSERT_TRUE(pm);
  const auto wire = pm->encode();
  const std::string bytes(wire.begin(), wire.end());
  EXPECT_EQ(bytes.find("secret balance"), std::string::npos);
  proton::message received;
  received.decode(wire);
  const auto m = s->decode(received, "channel.activity", 1 << 20, true);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->tenant, "bankx");
  EXPECT_EQ(m->key, "conv-1");
  EXPECT_EQ(m->seq, 42u);
  EXPECT_EQ(m->type, "message");
  EXPECT_EQ(m->body, sample().body);
  EXPECT_EQ(m->id, "node-a-1");
  EXPECT_EQ(m->origin, "node-a");
  EXPECT_EQ(m->published_at, sample().published_at);
}

TEST(Codec, RefusesAMessageWhoseFieldsWereChanged) {
  auto s = sealer::create(key_a, nullptr);
  const auto original = *s->encode(sample());
  const auto changed = [&](auto&& edit) {
    auto pm = original;
    edit(pm);
    return s->decode(pm, "channel.activity", 1 << 20, true);
  };
  EXPECT_EQ(changed([](proton::message& m) { m.properties().put("tenant", std::string("otherbank")); }).error(),
            errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.properties().put("key", std::string("conv-2")); }).error(),
            errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.properties().put("seq", std::uint64_t{43}); }).error(),
            errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.properties().put("type", std::string("event")); }).error(),
            errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.properties().put("origin", std::string("node-x")); }).error(),
            errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.id(std::string("node-a-2")); }).error(), errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.properties().erase("seq"); }).error(), errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.properties().put("seq", std::string("42")); }).error(),
            errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) { m.body(std::string("plain text")); }).error(), errc::bad_message);
  EXPECT_EQ(changed([](proton::message& m) {
              auto b = proton::get<proton::binary>(m.body());
              b[b.size() - 1] ^= 1;
              m.body(b);
            }).error(),
            errc::bad_message);
  // Published on another topic: the seal binds it.
  EXPECT_EQ(s->decode(original, "desk.handoff", 1 << 20, true).error(), errc::bad_message);
}

TEST(Codec, OpensWithThePreviousKeyDuringARotationOnly) {
  auto old_node = sealer::create(key_a, nullptr);
  auto new_node = sealer::create(key_b, &key_a);
  auto stranger = sealer::create(key_b, nullptr);
  const auto pm = *old_node->encode(sample());
  EXPECT_TRUE(new_node->decode(pm, "channel.activity", 1 << 20, true));
  EXPECT_EQ(stranger->decode(pm, "channel.activity", 1 << 20, true).error(), errc::bad_message);
}

TEST(Codec, RefusesKeysThatAreNot32Bytes) {
  EXPECT_EQ(sealer::create(core::secret_string("c2hvcnQ"), nullptr).error(), errc::invalid_argument);
  EXPECT_EQ(sealer::create(core::secret_string("not base64url!"), nullptr).error(), errc::invalid_argument);
}

TEST(Codec, CountsRabbitMqRedeliveries) {
  auto s = sealer::create(key_a, nullptr);
  auto pm = *s->encode(sample());
  pm.first_acquirer(true);
  EXPECT_EQ(s->decode(pm, "channel.activity", 1 << 20, true)->delivery_count, 0u);
  pm.first_acquirer(false);
  EXPECT_EQ(s->decode(pm, "channel.activity", 1 << 20, true)->delivery_count, 1u);
  EXPECT_EQ(s->decode(pm, "channel.activity", 1 << 20, false)->delivery_count, 0u);
  pm.delivery_count(3);
  EXPECT_EQ(s->decode(pm, "channel.activity", 1 << 20, false)->delivery_count, 3u);
}

TEST(Codec, RefusesBodiesOverTheLimit) {
  auto s = sealer::create(key_a, nullptr);
  auto m = sample();
  m.body.assign(4096, 'x');
  const auto pm = *s->encode(m);
  EXPECT_EQ(s->decode(pm, "channel.activity", 1024, true).error(), errc::bad_message);
  EXPECT_TRUE(s->decode(pm, "channel.activity", 4096, true));
}

}  // namespace
}  // namespace parley::bus::amqp::detail
