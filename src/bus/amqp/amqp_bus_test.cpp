// The AMQP bus without a broker: what it does while none answers.
#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/bus/testing/bus_suite.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <boost/asio/system_executor.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

namespace parley::bus::amqp {
namespace {

using namespace std::chrono_literals;
using parley::bus::testing::wait_until;

// A loopback port with nothing listening on it.
int dead_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

options nowhere() {
  options o;
  o.url = "amqp://127.0.0.1:" + std::to_string(dead_port());
  o.user = "parley";
  o.password = std::make_shared<const core::secret_string>("never-logged-password");
  o.seal_key = std::make_shared<const core::secret_string>("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  o.reconnect_min = 50ms;
  o.reconnect_max = 200ms;
  return o;
}

message msg() {
  message m;
  m.topic = "channel.activity";
  m.tenant = "bankx";
  m.body = "x";
  return m;
}

TEST(AmqpBusWithoutBroker, ReportsUnavailableAndBoundsWhatWaits) {
  core::testing::log_capture logs;
  parley::bus::options common;
  common.max_outgoing = 5;
  common.publish_timeout = 300ms;
  auto b = open(common, nowhere());
  ASSERT_TRUE(b);
  EXPECT_TRUE(wait_until([&] { return (*b)->status().error == errc::unavailable; }, 5s));
  std::vector<std::future<error_code>> waiting;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<std::promise<error_code>>();
    waiting.push_back(p->get_future());
    (*b)->publish(msg(), [p](error_code ec) { p->set_value(ec); });
  }
  // The sixth finds no room: refused at once, nothing grows.
  std::promise<error_code> sixth;
  (*b)->publish(msg(), [&](error_code ec) { sixth.set_value(ec); });
  EXPECT_EQ(sixth.get_future().get(), errc::overloaded);
  // The five were never confirmed: they fail after publish_timeout.
  for (auto& f : waiting) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(f.get(), errc::unavailable);
  }
  // And there is room again.
  std::promise<error_code> again;
  (*b)->publish(msg(), [&](error_code ec) { again.set_value(ec); });
  EXPECT_EQ(again.get_future().wait_for(5s), std::future_status::ready);
  (*b)->stop();
  EXPECT_EQ((*b)->status().error, errc::stopped);
  EXPECT_FALSE(logs.contains("never-logged-password"));
  EXPECT_TRUE(logs.contains("connection:"));  // the reason was logged (once per change)
}

TEST(AmqpBusWithoutBroker, StopsPromptlyAndRefusesLaterWork) {
  parley::bus::options common;
  common.stop_timeout = 2s;
  auto b = open(common, nowhere());
  ASSERT_TRUE(b);
  auto sub = (*b)->subscribe({.topic = "channel.activity"}, boost::asio::system_executor(),
                             [](message) -> boost::asio::awaitable<error_code> { co_return error_code{}; });
  ASSERT_TRUE(sub);
  EXPECT_FALSE((*sub)->attached());
  const auto start = std::chrono::steady_clock::now();
  (*b)->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  std::promise<error_code> p;
  (*b)->publish(msg(), [&](error_code ec) { p.set_value(ec); });
  EXPECT_EQ(p.get_future().get(), errc::stopped);
  EXPECT_EQ((*b)->subscribe({.topic = "x"}, boost::asio::system_executor(),
                            [](message) -> boost::asio::awaitable<error_code> { co_return error_code{}; })
                .error(),
            errc::stopped);
  (*b)->stop();  // idempotent
}

TEST(AmqpBusWithoutBroker, OpenRefusesUnusableOptions) {
  auto o = nowhere();
  o.url = "amqp://broker.example:5672";  // plain AMQP off loopback
  EXPECT_EQ(open({}, o).error(), errc::invalid_argument);
  o = nowhere();
  o.seal_key.reset();
  EXPECT_EQ(open({}, o).error(), errc::invalid_argument);
}

}  // namespace
}  // namespace parley::bus::amqp
