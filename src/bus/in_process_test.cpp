#include <parley/bus/in_process.hpp>
#include <parley/bus/testing/bus_suite.hpp>
#include <parley/core/async.hpp>
#include <parley/net/metrics.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <future>

namespace parley::bus {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::BusSuite;
using testing::wait_until;

class in_process_env final : public testing::bus_env {
 public:
  std::string name() const override { return "in-process"; }
  std::unique_ptr<bus> make(std::string node_id, options o) override {
    o.node_id = std::move(node_id);
    return std::make_unique<in_process_bus>(std::move(o), broker_);
  }
  std::string fan_out_topic(std::string_view label) override { return "test." + std::string(label); }
  competing_names competing(std::string_view label) override {
    return {"test.work." + std::string(label), "work-" + std::string(label)};
  }
  std::chrono::milliseconds patience() const override { return 5s; }

 private:
  std::shared_ptr<in_process_broker> broker_ = std::make_shared<in_process_broker>();
};

INSTANTIATE_TEST_SUITE_P(InProcess, BusSuite,
                         ::testing::Values(testing::bus_env_factory{[] { return std::make_unique<in_process_env>(); }}),
                         [](const auto&) { return std::string("in_process"); });

error_code publish_sync(bus& b, message m) {
  std::promise<error_code> p;
  b.publish(std::move(m), [&p](error_code ec) { p.set_value(ec); });
  return p.get_future().get();
}

message msg(std::string topic, std::string body) {
  message m;
  m.topic = std::move(topic);
  m.body = std::move(body);
  return m;
}

struct io_threads {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(io)};
  core::thread_group threads{io, 2, "bus-test"};
  ~io_threads() {
    work.reset();
    io.stop();
    threads.join();
  }
};

TEST(InProcessBus, ASlowSubscriberPushesBackOnPublishersWithoutGrowing) {
  io_threads t;
  options o;
  o.max_outgoing = 3;
  o.max_in_flight = 1;
  in_process_bus b(o);
  std::promise<void> gate;
  auto opened = gate.get_future().share();
  std::atomic<int> handled{0};
  auto sub = b.subscribe({.topic = "slow"}, t.io.get_executor(), [&](message) -> asio::awaitable<error_code> {
    while (opened.wait_for(0s) != std::future_status::ready) {
      asio::steady_timer timer(co_await asio::this_coro::executor, 2ms);
      co_await timer.async_wait(core::use_tuple);
    }
    ++handled;
    co_return error_code{};
  });
  ASSERT_TRUE(sub);
  // One in the handler, three queued: the fifth publish is refused, nothing is enqueued for it.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(publish_sync(b, msg("slow", "m"))) << i;
  EXPECT_EQ(publish_sync(b, msg("slow", "m")), errc::overloaded);
  gate.set_value();
  EXPECT_TRUE(wait_until([&] { return handled.load() == 4; }, 5s));
  EXPECT_FALSE(publish_sync(b, msg("slow", "m")));
  EXPECT_TRUE(wait_until([&] { return handled.load() == 5; }, 5s));
}

TEST(InProcessBus, ATopicWithoutSubscribersTakesAndDropsTheMessage) {
  in_process_bus b;
  EXPECT_FALSE(publish_sync(b, msg("nobody.listens", "m")));
}

TEST(InProcessBus, HandlersRunOnTheSubscriptionsExecutorNotThePublishersThread) {
  io_threads t;
  in_process_bus b;
  std::promise<std::thread::id> ran_on;
  auto sub = b.subscribe({.topic = "where"}, t.io.get_executor(), [&](message) -> asio::awaitable<error_code> {
    ran_on.set_value(std::this_thread::get_id());
    co_return error_code{};
  });
  ASSERT_TRUE(sub);
  EXPECT_FALSE(publish_sync(b, msg("where", "m")));
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
}

TEST(InProcessBus, MetricsCountPublishesConsumptionAndRedeliveries) {
  io_threads t;
  net::metrics_registry metrics;
  options o;
  o.redelivery_delay = 1ms;
  in_process_bus b(o, &metrics);
  std::atomic<int> calls{0};
  auto sub = b.subscribe({.topic = "m"}, t.io.get_executor(), [&](message) -> asio::awaitable<error_code> {
    co_return ++calls == 1 ? make_error_code(errc::unavailable) : error_code{};
  });
  ASSERT_TRUE(sub);
  EXPECT_FALSE(publish_sync(b, msg("m", "x")));
  ASSERT_TRUE(wait_until([&] { return calls.load() == 2; }, 5s));
  EXPECT_EQ(publish_sync(b, msg("BAD", "x")), errc::invalid_argument);
  ASSERT_TRUE(wait_until(
      [&] { return metrics.render().find("parley_bus_consumed_total{backend=\"in-process\"} 2") != std::string::npos; },
      5s));
  const auto text = metrics.render();
  EXPECT_NE(text.find("parley_bus_published_total{backend=\"in-process\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_redeliveries_total{backend=\"in-process\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_handler_failures_total{backend=\"in-process\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_publish_failures_total{backend=\"in-process\",reason=\"invalid_argument\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("parley_bus_unsettled{backend=\"in-process\",direction=\"in\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_bus_consume_latency_seconds_count{backend=\"in-process\"} 2"), std::string::npos) << text;
}

TEST(InProcessBus, NodeIdsAreGivenOrMade) {
  options o;
  o.node_id = "channel-1";
  EXPECT_EQ(in_process_bus(o).node_id(), "channel-1");
  in_process_bus a;
  in_process_bus b;
  EXPECT_TRUE(valid_node_id(a.node_id()));
  EXPECT_NE(a.node_id(), b.node_id());
}

TEST(BusNames, TopicsSubscriptionsAndNodeIds) {
  EXPECT_TRUE(valid_name("channel.activity"));
  EXPECT_TRUE(valid_name("desk-handoff_1"));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name(".x"));
  EXPECT_FALSE(valid_name("Upper"));
  EXPECT_FALSE(valid_name("a/b"));
  EXPECT_FALSE(valid_name("a.*"));
  EXPECT_FALSE(valid_name("a.#"));
  EXPECT_FALSE(valid_name(std::string(65, 'a')));
  EXPECT_TRUE(valid_node_id("Node_1-a"));
  EXPECT_FALSE(valid_node_id("node.1"));
  EXPECT_FALSE(valid_node_id(std::string(49, 'a')));
}

}  // namespace
}  // namespace parley::bus
