// The AMQP bus against a real RabbitMQ 3.x with the AMQP 1.0 plugin (the "rabbitmq" CTest fixture,
// testing/rabbitmq.sh): the behaviour every backend shows, then what only a broker can show:
// TLS with a test CA, SASL PLAIN and EXTERNAL, a broker crash and a graceful restart in the middle
// of publishing, accepts that must not be lost when a consumer stops.
#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/bus/amqp/testing/test_broker.hpp>
#include <parley/bus/testing/bus_suite.hpp>
#include <parley/core/async.hpp>
#include <parley/core/random.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/net/metrics.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace parley::bus::amqp {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using parley::bus::testing::BusSuite;
using parley::bus::testing::wait_until;
using testing::test_broker;

std::string lower_random() {
  std::string s = core::random_id(core::os_random(), "", 6);
  std::string out;
  for (const char c : s)
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : (c == '_' ? 'x' : c));
  return out;
}

class rabbitmq_env final : public parley::bus::testing::bus_env {
 public:
  std::string name() const override { return "rabbitmq"; }
  std::unique_ptr<bus> make(std::string node_id, parley::bus::options o) override {
    o.node_id = std::move(node_id);
    auto b = open(o, test_broker::shared().plain());
    if (!b) throw std::runtime_error("open: " + b.error().message());
    return std::move(*b);
  }
  std::string fan_out_topic(std::string_view label) override {
    return "test.fan." + std::string(label) + "." + lower_random();
  }
  // Competing subscriptions are queues declared out of band on RabbitMQ 3.x (rabbitmq.sh).
  competing_names competing(std::string_view label) override {
    static const std::map<std::string, std::string, std::less<>> prepared{{"share", "a"}, {"durable", "b"}};
    const auto& x = prepared.at(std::string(label));
    return {"test.work." + x, "test-work-" + x};
  }
  std::chrono::milliseconds patience() const override { return 20s; }
};

INSTANTIATE_TEST_SUITE_P(RabbitMq, BusSuite, ::testing::Values(parley::bus::testing::bus_env_factory{[] {
                           return std::make_unique<rabbitmq_env>();
                         }}),
                         [](const auto&) { return std::string("rabbitmq"); });

struct io_threads {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(io)};
  core::thread_group threads{io, 2, "broker-test"};
  ~io_threads() {
    work.reset();
    io.stop();
    threads.join();
  }
};

message msg(std::string topic, std::string body, std::uint64_t seq = 0) {
  message m;
  m.topic = std::move(topic);
  m.tenant = "bankx";
  m.key = "conv-1";
  m.seq = seq;
  m.type = "message";
  m.body = std::move(body);
  return m;
}

error_code publish_sync(bus& b, message m) {
  std::promise<error_code> p;
  b.publish(std::move(m), [&p](error_code ec) { p.set_value(ec); });
  return p.get_future().get();
}

// Counts what a subscription receives, by body.
struct counter {
  std::mutex mutex;
  std::map<std::string, int> seen;
  handler make() {
    return [this](message m) -> asio::awaitable<error_code> {
      std::lock_guard lock(mutex);
      ++seen[m.body];
      co_return error_code{};
    };
  }
  std::size_t distinct() {
    std::lock_guard lock(mutex);
    return seen.size();
  }
  std::size_t total() {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& [k, v] : seen) n += static_cast<std::size_t>(v);
    return n;
  }
};

parley::bus::options fast_options(std::string node) {
  parley::bus::options o;
  o.node_id = std::move(node);
  o.publish_timeout = 30s;
  o.redelivery_delay = 50ms;
  return o;
}

TEST(RabbitMq, TlsWithTheTestCaCarriesMessages) {
  io_threads t;
  auto b = open(fast_options("tls-node"), test_broker::shared().tls());
  ASSERT_TRUE(b);
  counter got;
  const auto topic = "test.tls." + lower_random();
  auto sub = (*b)->subscribe({.topic = topic}, t.io.get_executor(), got.make());
  ASSERT_TRUE(sub);
  ASSERT_TRUE(wait_until([&] { return (*sub)->attached(); }, 20s)) << (*b)->status().detail;
  EXPECT_FALSE(publish_sync(**b, msg(topic, "over tls")));
  EXPECT_TRUE(wait_until([&] { return got.total() == 1; }, 20s));
}

TEST(RabbitMq, TlsWithAnUnknownCaNeverConnects) {
  auto o = test_broker::shared().tls();
  o.tls_ca_file = test_broker::shared().file("OTHER_CA_FILE");
  auto b = open(fast_options("stranger"), o);
  ASSERT_TRUE(b);
  ASSERT_TRUE(wait_until([&] { return (*b)->status().detail.find("connection:") != std::string::npos; }, 20s))
      << (*b)->status().detail;
  EXPECT_EQ((*b)->status().error, errc::unavailable);
  std::this_thread::sleep_for(500ms);  // and it stays so: the reconnects fail the same way
  EXPECT_TRUE((*b)->status().error);
}

TEST(RabbitMq, ExternalAuthenticatesWithTheClientCertificate) {
  io_threads t;
  auto o = test_broker::shared().tls();
  o.mechanism = auth::external;
  o.user.clear();
  o.password.reset();
  o.tls_cert_file = test_broker::shared().file("CLIENT_CERT_FILE");
  o.tls_key_file = test_broker::shared().file("CLIENT_KEY_FILE");
  auto b = open(fast_options("external-node"), o);
  ASSERT_TRUE(b);
  const auto topic = "test.external." + lower_random();
  counter got;
  auto sub = (*b)->subscribe({.topic = topic}, t.io.get_executor(), got.make());
  ASSERT_TRUE(wait_until([&] { return (*sub)->attached(); }, 20s)) << (*b)->status().detail;
  EXPECT_FALSE(publish_sync(**b, msg(topic, "as bus-client")));
  EXPECT_TRUE(wait_until([&] { return got.total() == 1; }, 20s));
}

TEST(RabbitMq, AWrongPasswordIsRefusedClearlyAndNeverDowngraded) {
  core::testing::log_capture logs;
  auto o = test_broker::shared().plain();
  o.password = std::make_shared<const core::secret_string>("wrong-password-zq7");
  auto b = open(fast_options("wrong-password"), o);
  ASSERT_TRUE(b);
  // The broker also offers ANONYMOUS (as guest): a client that fell back to it would connect.
  ASSERT_TRUE(wait_until([&] { return (*b)->status().error == errc::unauthorized; }, 20s)) << (*b)->status().detail;
  EXPECT_NE((*b)->status().detail.find("amqp:unauthorized-access"), std::string::npos) << (*b)->status().detail;
  parley::bus::options quick = fast_options("wrong-password-2");
  quick.publish_timeout = 500ms;
  auto b2 = open(quick, o);
  EXPECT_EQ(publish_sync(**b2, msg("test.refused", "x")), errc::unavailable);
  (*b)->stop();
  (*b2)->stop();
  EXPECT_FALSE(logs.contains("wrong-password-zq7"));
  EXPECT_TRUE(logs.contains("unauthorized-access"));
}

TEST(RabbitMq, AMessageSealedWithAnotherKeyIsRejectedNotHandled) {
  io_threads t;
  net::metrics_registry metrics;
  auto good = open(fast_options("sealed-consumer"), test_broker::shared().plain(), &metrics);
  auto o = test_broker::shared().plain();
  o.seal_key = std::make_shared<const core::secret_string>("HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4");
  auto forger = open(fast_options("forger"), o);
  const auto topic = "test.forged." + lower_random();
  counter got;
  auto sub = (*good)->subscribe({.topic = topic}, t.io.get_executor(), got.make());
  ASSERT_TRUE(wait_until([&] { return (*sub)->attached(); }, 20s));
  EXPECT_FALSE(publish_sync(**forger, msg(topic, "forged")));
  EXPECT_FALSE(publish_sync(**good, msg(topic, "genuine")));
  ASSERT_TRUE(wait_until([&] { return got.total() == 1; }, 20s));
  ASSERT_TRUE(wait_until(
      [&] { return metrics.render().find("parley_bus_rejected_total{backend=\"amqp\"} 1") != std::string::npos; }, 20s))
      << metrics.render();
  EXPECT_EQ(got.seen.count("forged"), 0u);
}

TEST(RabbitMq, AConsumerThatStopsLosesNoAcceptAndGetsNothingTwice) {
  io_threads t;
  // Queue test-work-c: durable, declared out of band.
  const std::string topic = "test.work.c";
  const subscription_options o{
      .topic = topic, .kind = subscription_kind::competing, .name = "test-work-c", .max_in_flight = 200};
  auto publisher = open(fast_options("detach-publisher"), test_broker::shared().plain());
  const auto run = lower_random();
  constexpr int n = 300;
  for (int i = 0; i < n; ++i) ASSERT_FALSE(publish_sync(**publisher, msg(topic, run + std::to_string(i))));
  counter first;
  {
    auto consumer = open(fast_options("detach-first"), test_broker::shared().plain());
    auto sub = (*consumer)->subscribe(o, t.io.get_executor(), first.make());
    ASSERT_TRUE(wait_until([&] { return first.total() >= n; }, 30s)) << first.total();
    (*consumer)->stop();  // right after the last accept: detach, then close
  }
  counter second;
  auto consumer = open(fast_options("detach-second"), test_broker::shared().plain());
  auto sub = (*consumer)->subscribe(o, t.io.get_executor(), second.make());
  ASSERT_TRUE(wait_until([&] { return (*sub)->attached(); }, 20s));
  ASSERT_FALSE(publish_sync(**publisher, msg(topic, run + "marker")));
  ASSERT_TRUE(wait_until([&] { return second.seen.count(run + "marker") == 1; }, 20s));
  EXPECT_EQ(second.total(), 1u) << "messages accepted by the first consumer came back";
  EXPECT_EQ(first.distinct(), static_cast<std::size_t>(n));
}

// Publishes 1..n with up to `window` in flight, retrying what failed; returns what was confirmed.
class steady_publisher {
 public:
  steady_publisher(bus& b, std::string topic, int n) : b_(b), topic_(std::move(topic)), n_(n) {}
  void run(const std::atomic<bool>& go_on) {
    std::atomic<int> in_flight{0};
    std::mutex m;
    std::set<int> retry;
    int next = 1;
    while (go_on.load()) {
      if (in_flight.load() >= 100) {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      int i = 0;
      {
        std::lock_guard lock(m);
        if (!retry.empty()) {
          i = *retry.begin();
          retry.erase(retry.begin());
        } else if (next <= n_) {
          i = next++;
        }
      }
      if (i == 0) {
        {
          std::lock_guard lock(mutex_);
          if (confirmed_.size() == static_cast<std::size_t>(n_)) break;
        }
        std::this_thread::sleep_for(2ms);
        continue;
      }
      ++in_flight;
      b_.publish(msg(topic_, std::to_string(i), static_cast<std::uint64_t>(i)), [&, i](error_code ec) {
        if (ec) {
          std::lock_guard lock(m);
          retry.insert(i);
        } else {
          std::lock_guard lock(mutex_);
          confirmed_.insert(i);
        }
        --in_flight;
      });
    }
    while (in_flight.load() > 0) std::this_thread::sleep_for(2ms);
  }
  std::set<int> confirmed() {
    std::lock_guard lock(mutex_);
    return confirmed_;
  }

 private:
  bus& b_;
  std::string topic_;
  int n_;
  std::mutex mutex_;
  std::set<int> confirmed_;
};

void broker_restart_mid_publish(bool crash) {
  io_threads t;
  const std::string topic = crash ? "test.work.d" : "test.work.e";
  const std::string queue = crash ? "test-work-d" : "test-work-e";
  net::metrics_registry metrics;
  parley::bus::options po = fast_options(crash ? "crash-publisher" : "halt-publisher");
  po.publish_timeout = 5s;
  auto publisher = open(po, test_broker::shared().plain(), &metrics);
  auto consumer = open(fast_options(crash ? "crash-consumer" : "halt-consumer"), test_broker::shared().plain());
  counter got;
  std::atomic<int> reattached{0};
  auto sub = (*consumer)->subscribe(
      {.topic = topic, .kind = subscription_kind::competing, .name = queue, .on_reattached = [&] { ++reattached; }},
      t.io.get_executor(), got.make());
  ASSERT_TRUE(wait_until([&] { return (*sub)->attached(); }, 20s));
  constexpr int n = 3000;
  steady_publisher p(**publisher, topic, n);
  std::atomic<bool> go_on{true};
  std::thread publishing([&] { p.run(go_on); });
  ASSERT_TRUE(wait_until([&] { return p.confirmed().size() >= 500; }, 30s));
  if (crash) {
    test_broker::shared().kill();
  } else {
    test_broker::shared().halt();
  }
  const auto down_at = p.confirmed().size();
  EXPECT_TRUE(wait_until([&] { return (*publisher)->status().error == errc::unavailable; }, 10s));
  test_broker::shared().restart();
  const bool all = wait_until([&] { return p.confirmed().size() == static_cast<std::size_t>(n); }, 120s);
  go_on = false;
  publishing.join();
  ASSERT_TRUE(all) << p.confirmed().size() << " of " << n << " confirmed; publisher: " << (*publisher)->status().detail
                   << "; consumer: " << (*consumer)->status().detail << "; received " << got.distinct();
  EXPECT_LT(down_at, static_cast<std::size_t>(n)) << "the broker went down after the last publish: nothing tested";
  // Every confirmed message arrives (at least once) on the durable queue, through the restart.
  ASSERT_TRUE(wait_until([&] { return got.distinct() == static_cast<std::size_t>(n); }, 120s))
      << got.distinct() << " of " << n << " received";
  EXPECT_TRUE(wait_until([&] { return !(*publisher)->status().error && !(*consumer)->status().error; }, 20s))
      << (*publisher)->status().detail << " / " << (*consumer)->status().detail;
  EXPECT_GE(reattached.load(), 1);
  EXPECT_NE(metrics.render().find("parley_bus_reconnects_total{backend=\"amqp\"} "), std::string::npos);
  ::testing::Test::RecordProperty("duplicates", static_cast<int>(got.total() - got.distinct()));
}

TEST(RabbitMq, BrokerKilledMidPublishLosesNothingConfirmed) {
  broker_restart_mid_publish(true);
}

TEST(RabbitMq, BrokerRestartedGracefullyMidPublishRestoresEveryLink) {
  broker_restart_mid_publish(false);
}

TEST(RabbitMq, MetricsShowLinksLatencyAndUnsettled) {
  io_threads t;
  net::metrics_registry metrics;
  auto b = open(fast_options("metrics-node"), test_broker::shared().plain(), &metrics);
  const auto topic = "test.metrics." + lower_random();
  counter got;
  auto sub = (*b)->subscribe({.topic = topic}, t.io.get_executor(), got.make());
  ASSERT_TRUE(wait_until([&] { return (*sub)->attached(); }, 20s));
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(publish_sync(**b, msg(topic, std::to_string(i))));
  ASSERT_TRUE(wait_until([&] { return got.total() == 10; }, 20s));
  ASSERT_TRUE(wait_until([&] { return !(*b)->status().error; }, 20s));
  const auto text = metrics.render();
  EXPECT_NE(text.find("parley_bus_connected{backend=\"amqp\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_link_up{backend=\"amqp\",link=\"publish:" + topic + "\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("parley_bus_link_up{backend=\"amqp\",link=\"subscribe:" + topic + "/fan-out\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("parley_bus_publish_seconds_count{backend=\"amqp\"} 10"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_consume_latency_seconds_count{backend=\"amqp\"} 10"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_unsettled{backend=\"amqp\",direction=\"out\"} 0"), std::string::npos) << text;
}

}  // namespace
}  // namespace parley::bus::amqp
