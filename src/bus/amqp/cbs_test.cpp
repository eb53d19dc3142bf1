#include "cbs.hpp"

#include "fake_peer.hpp"

#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/bus/testing/bus_suite.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <boost/asio/system_executor.hpp>
#include <gtest/gtest.h>
#include <proton/scalar.hpp>
#include <proton/timestamp.hpp>
#include <proton/value.hpp>

#include <future>

namespace parley::bus::amqp {
namespace {

using namespace std::chrono_literals;
using parley::bus::testing::wait_until;

TEST(Cbs, SasTokenMatchesAnIndependentComputation) {
  // Computed with Python's hmac/urllib (quote with safe="-._~"), as Microsoft's samples do.
  EXPECT_EQ(
      detail::sas_token("sb://myns.servicebus.windows.net/", "RootManageSharedAccessKey", "abc123=", 1700000000),
      "SharedAccessSignature sr=sb%3A%2F%2Fmyns.servicebus.windows.net%2F&sig=4VuA8ui5focPj%2FZ%2FVl1r9%2FcrIx8CT9tT%2"
      "FMnjTANZujs%3D&se=1700000000&skn=RootManageSharedAccessKey");
  EXPECT_EQ(detail::url_encode("a b/c~d_e.f-g"), "a%20b%2Fc~d_e.f-g");
  EXPECT_EQ(detail::cbs_audience("myns.servicebus.windows.net"), "sb://myns.servicebus.windows.net/");
}

TEST(Cbs, PutTokenRequestCarriesWhatTheServiceExpects) {
  const auto m =
      detail::put_token_request("put-token-1", "cbs-reply-n", "sb://ns/", "SharedAccessSignature x", 1700000000);
  EXPECT_EQ(proton::get<std::string>(m.id()), "put-token-1");
  EXPECT_EQ(m.reply_to(), "cbs-reply-n");
  EXPECT_EQ(m.to(), "$cbs");
  const auto& p = m.properties();
  EXPECT_EQ(proton::get<std::string>(p.get("operation")), "put-token");
  EXPECT_EQ(proton::get<std::string>(p.get("type")), "servicebus.windows.net:sastoken");
  EXPECT_EQ(proton::get<std::string>(p.get("name")), "sb://ns/");
  EXPECT_EQ(proton::get<proton::timestamp>(p.get("expiration")).milliseconds(), 1700000000000);
  EXPECT_EQ(proton::get<std::string>(m.body()), "SharedAccessSignature x");  // a string, not a data section
}

TEST(Cbs, ResponsesAreMatchedByCorrelationId) {
  proton::message r;
  r.correlation_id(std::string("put-token-1"));
  r.properties().put("status-code", std::int32_t{202});
  r.properties().put("status-description", std::string("Accepted"));
  const auto ok = detail::parse_put_token_response(r, "put-token-1");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->ok());
  EXPECT_EQ(ok->description, "Accepted");
  EXPECT_FALSE(detail::parse_put_token_response(r, "put-token-2"));
  r.properties().put("status-code", std::int32_t{401});
  EXPECT_FALSE(detail::parse_put_token_response(r, "put-token-1")->ok());
  r.properties().put("status-code", std::string("200"));  // malformed: not a number
  EXPECT_FALSE(detail::parse_put_token_response(r, "put-token-1")->ok());
}

options servicebus_options(const testing::fake_peer& peer, const testing::fake_peer::settings& s) {
  options o;
  o.url = "amqp://127.0.0.1:" + std::to_string(peer.port());  // the fake peer speaks plain AMQP on loopback
  o.broker = flavour::servicebus;
  o.mechanism = auth::sas;
  o.sas_key_name = s.sas_key_name;
  o.sas_key = std::make_shared<const core::secret_string>(s.sas_key);
  o.seal_key = std::make_shared<const core::secret_string>("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  o.reconnect_min = 100ms;
  o.reconnect_max = 500ms;
  o.connect_timeout = 3s;
  return o;
}

error_code publish_sync(bus& b, message m) {
  std::promise<error_code> p;
  b.publish(std::move(m), [&p](error_code ec) { p.set_value(ec); });
  return p.get_future().get();
}

TEST(CbsAgainstAFakePeer, PutsAValidTokenBeforeAnyEntityLinkAndPublishes) {
  testing::fake_peer::settings s;
  testing::fake_peer peer(s);
  core::testing::log_capture logs;
  auto b = open({}, servicebus_options(peer, s));
  ASSERT_TRUE(b);
  message m;
  m.topic = "channel.activity";
  m.tenant = "bankx";
  m.body = "hello";
  EXPECT_FALSE(publish_sync(**b, m));
  EXPECT_TRUE(wait_until([&] { return !(*b)->status().error; }, 5s)) << (*b)->status().detail;
  const auto seen = peer.seen();
  EXPECT_EQ(seen.valid_tokens, 1) << (seen.problems.empty() ? "" : seen.problems.front());
  EXPECT_TRUE(seen.problems.empty());
  EXPECT_TRUE(seen.early_attaches.empty());
  EXPECT_EQ(seen.entity_attaches, (std::vector<std::string>{"channel.activity"}));
  EXPECT_EQ(seen.messages.at("channel.activity"), 1);
  (*b)->stop();
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.find(s.sas_key), std::string::npos) << line;
    EXPECT_EQ(line.find("SharedAccessSignature"), std::string::npos) << line;
  }
}

TEST(CbsAgainstAFakePeer, RenewsTheTokenBeforeItExpires) {
  testing::fake_peer::settings s;
  testing::fake_peer peer(s);
  auto o = servicebus_options(peer, s);
  o.sas_token_lifetime = 2s;  // renewed at 80 %: 1.6 s
  auto b = open({}, std::move(o));
  ASSERT_TRUE(b);
  ASSERT_TRUE(wait_until([&] { return peer.seen().valid_tokens >= 3; }, 10s))
      << peer.seen().put_tokens << " " << ::testing::PrintToString(peer.seen().problems);
  const auto seen = peer.seen();
  EXPECT_EQ(seen.connections, 1);  // on the same connection
  EXPECT_LT(seen.expiries[0], seen.expiries[2]);
  EXPECT_FALSE((*b)->status().error) << (*b)->status().detail;
}

TEST(CbsAgainstAFakePeer, ARefusedTokenIsUnauthorizedAndAttachesNothing) {
  testing::fake_peer::settings s;
  s.answer = 401;
  testing::fake_peer peer(s);
  auto b = open({}, servicebus_options(peer, s));
  ASSERT_TRUE(b);
  auto sub = (*b)->subscribe({.topic = "channel.activity"}, boost::asio::system_executor(),
                             [](message) -> boost::asio::awaitable<error_code> { co_return error_code{}; });
  ASSERT_TRUE(sub);
  ASSERT_TRUE(wait_until([&] { return (*b)->status().error == errc::unauthorized; }, 5s)) << (*b)->status().detail;
  EXPECT_NE((*b)->status().detail.find("CBS put-token refused: 401"), std::string::npos) << (*b)->status().detail;
  EXPECT_TRUE(peer.seen().entity_attaches.empty());
  EXPECT_FALSE((*sub)->attached());
}

TEST(PinnedMechanism, PlainIsNeverDowngradedToAnonymous) {
  // The peer offers ANONYMOUS only: a client that fell back to it would connect.
  testing::fake_peer::settings s;
  testing::fake_peer peer(s);
  options o;
  o.url = "amqp://127.0.0.1:" + std::to_string(peer.port());
  o.user = "parley";
  o.password = std::make_shared<const core::secret_string>("a-password-the-peer-never-sees");
  o.seal_key = std::make_shared<const core::secret_string>("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  o.reconnect_min = 100ms;
  auto b = open({}, std::move(o));
  ASSERT_TRUE(b);
  ASSERT_TRUE(wait_until([&] { return (*b)->status().error == errc::unauthorized; }, 5s)) << (*b)->status().detail;
  EXPECT_EQ(peer.seen().connections, 0);
}

}  // namespace
}  // namespace parley::bus::amqp
