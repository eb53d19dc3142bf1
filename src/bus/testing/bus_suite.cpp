#include <parley/bus/testing/bus_suite.hpp>
#include <parley/core/async.hpp>
#include <parley/core/random.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace parley::bus::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

namespace {

// Handlers run here (two threads, as in production).
class runner {
 public:
  runner() : work_(asio::make_work_guard(io_)), threads_(io_, 2, "bus-suite") {}
  ~runner() {
    work_.reset();
    io_.stop();
    threads_.join();
  }
  asio::any_io_executor executor() { return io_.get_executor(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  core::thread_group threads_;
};

// What one subscription received, by body (the tests' bodies are unique per run).
class inbox {
 public:
  explicit inbox(std::string run) : run_(std::move(run)) {}
  handler make(std::function<error_code(const message&)> verdict = {}) {
    return [this, verdict](message m) -> asio::awaitable<error_code> {
      if (!m.body.starts_with(run_)) co_return error_code{};  // left over from another run: settle it
      error_code ec = verdict ? verdict(m) : error_code{};
      std::lock_guard lock(mutex_);
      seen_.push_back(m);
      co_return ec;
    };
  }
  std::vector<message> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::size_t count() const { return seen().size(); }
  std::multiset<std::string> bodies() const {
    std::multiset<std::string> out;
    for (const auto& m : seen()) out.insert(m.body);
    return out;
  }

 private:
  std::string run_;
  mutable std::mutex mutex_;
  std::vector<message> seen_;
};

std::string run_id() {
  return core::random_id(core::os_random(), "run-", 9) + ":";
}

message make_message(const std::string& topic, const std::string& body, std::uint64_t seq = 0) {
  message m;
  m.topic = topic;
  m.tenant = "bankx";
  m.key = "conv-1";
  m.seq = seq;
  m.type = "message";
  m.body = body;
  return m;
}

// Publishes and waits for the broker's confirmation.
error_code publish_sync(bus& b, message m) {
  std::promise<error_code> p;
  auto f = p.get_future();
  b.publish(std::move(m), [&p](error_code ec) { p.set_value(ec); });
  return f.get();
}

std::unique_ptr<subscription> subscribe_attached(bus_env& env, bus& b, subscription_options o, asio::any_io_executor ex,
                                                 handler h) {
  auto s = b.subscribe(std::move(o), std::move(ex), std::move(h));
  EXPECT_TRUE(s) << s.error().message();
  if (!s) return nullptr;
  EXPECT_TRUE(wait_until([&] { return (*s)->attached(); }, env.patience())) << "the subscription did not attach";
  return std::move(*s);
}

options node_options() {
  options o;
  o.redelivery_delay = 50ms;
  o.publish_timeout = 10s;
  return o;
}

}  // namespace

// Binaries that link the suite for wait_until() alone need not instantiate it.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BusSuite);

TEST_P(BusSuite, RoundTripKeepsEveryField) {
  runner r;
  auto a = env().make("node-a", node_options());
  const auto run = run_id();
  inbox in(run);
  const auto topic = env().fan_out_topic("round-trip");
  auto sub = subscribe_attached(env(), *a, {.topic = topic}, r.executor(), in.make());
  std::string body = run + "body with ";
  body.push_back('\0');
  body += " and \xff bytes";
  auto m = make_message(topic, body, 42);
  ASSERT_FALSE(publish_sync(*a, m));
  ASSERT_TRUE(wait_until([&] { return in.count() == 1; }, env().patience()));
  const auto got = in.seen().front();
  EXPECT_EQ(got.topic, topic);
  EXPECT_EQ(got.tenant, "bankx");
  EXPECT_EQ(got.key, "conv-1");
  EXPECT_EQ(got.seq, 42u);
  EXPECT_EQ(got.type, "message");
  EXPECT_EQ(got.body, m.body);
  EXPECT_FALSE(got.id.empty());
  EXPECT_EQ(got.origin, a->node_id());
  EXPECT_EQ(got.delivery_count, 0u);
  EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - got.published_at), 1min);
  EXPECT_FALSE(a->status().error) << a->status().detail;
}

TEST_P(BusSuite, FanOutReachesEverySubscriptionOnEveryNode) {
  runner r;
  auto a = env().make("node-a", node_options());
  auto b = env().make("node-b", node_options());
  const auto run = run_id();
  const auto topic = env().fan_out_topic("fan-out");
  inbox on_a(run);
  inbox on_b(run);
  inbox on_b2(run);
  auto s1 = subscribe_attached(env(), *a, {.topic = topic}, r.executor(), on_a.make());
  auto s2 = subscribe_attached(env(), *b, {.topic = topic}, r.executor(), on_b.make());
  auto s3 = subscribe_attached(env(), *b, {.topic = topic}, r.executor(), on_b2.make());
  std::multiset<std::string> sent;
  for (int i = 0; i < 20; ++i) {
    auto m = make_message(topic, run + std::to_string(i), static_cast<std::uint64_t>(i + 1));
    sent.insert(m.body);
    ASSERT_FALSE(publish_sync(i % 2 ? *a : *b, std::move(m)));
  }
  for (auto* in : {&on_a, &on_b, &on_b2}) {
    EXPECT_TRUE(wait_until([&] { return in->count() >= 20; }, env().patience()));
  }
  // Exactly once each: nothing more arrives.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(on_a.bodies(), sent);
  EXPECT_EQ(on_b.bodies(), sent);
  EXPECT_EQ(on_b2.bodies(), sent);
}

TEST_P(BusSuite, CompetingConsumersShareEachMessageOnce) {
  runner r;
  auto a = env().make("node-a", node_options());
  auto b = env().make("node-b", node_options());
  const auto run = run_id();
  const auto names = env().competing("share");
  inbox on_a(run);
  inbox on_b(run);
  const subscription_options o{
      .topic = names.topic, .kind = subscription_kind::competing, .name = names.subscription, .max_in_flight = 4};
  auto s1 = subscribe_attached(env(), *a, o, r.executor(), on_a.make());
  auto s2 = subscribe_attached(env(), *b, o, r.executor(), on_b.make());
  std::multiset<std::string> sent;
  for (int i = 0; i < 40; ++i) {
    auto m = make_message(names.topic, run + std::to_string(i));
    sent.insert(m.body);
    ASSERT_FALSE(publish_sync(*a, std::move(m)));
  }
  ASSERT_TRUE(wait_until([&] { return on_a.count() + on_b.count() >= 40; }, env().patience()));
  std::this_thread::sleep_for(100ms);
  auto all = on_a.bodies();
  const auto from_b = on_b.bodies();
  all.insert(from_b.begin(), from_b.end());
  EXPECT_EQ(all, sent);
  EXPECT_GT(on_a.count(), 0u);
  EXPECT_GT(on_b.count(), 0u);
}

TEST_P(BusSuite, CompetingSubscriptionKeepsMessagesWhileNoConsumerIsAttached) {
  runner r;
  auto a = env().make("node-a", node_options());
  const auto run = run_id();
  const auto names = env().competing("durable");
  const subscription_options o{.topic = names.topic, .kind = subscription_kind::competing, .name = names.subscription};
  {
    inbox first(run);
    auto s = subscribe_attached(env(), *a, o, r.executor(), first.make());  // the subscription exists from now on
    s->close();
  }
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(publish_sync(*a, make_message(names.topic, run + std::to_string(i))));
  auto b = env().make("node-b", node_options());
  inbox later(run);
  auto s = subscribe_attached(env(), *b, o, r.executor(), later.make());
  EXPECT_TRUE(wait_until([&] { return later.count() >= 5; }, env().patience())) << later.count();
}

TEST_P(BusSuite, FailedHandlerGetsTheMessageAgain) {
  runner r;
  auto a = env().make("node-a", node_options());
  const auto run = run_id();
  const auto topic = env().fan_out_topic("redeliver");
  std::atomic<int> failures{0};
  inbox in(run);
  auto sub = subscribe_attached(env(), *a, {.topic = topic}, r.executor(), in.make([&](const message& m) {
    if (m.body == run + "first" && failures.fetch_add(1) == 0) return make_error_code(errc::unavailable);
    return error_code{};
  }));
  ASSERT_FALSE(publish_sync(*a, make_message(topic, run + "first")));
  ASSERT_FALSE(publish_sync(*a, make_message(topic, run + "second")));
  ASSERT_TRUE(wait_until([&] { return in.count() >= 3; }, env().patience())) << in.count();
  std::this_thread::sleep_for(100ms);
  const auto seen = in.seen();
  ASSERT_EQ(seen.size(), 3u);
  int first = 0;
  std::uint32_t redelivery_count = 0;
  for (const auto& m : seen) {
    if (m.body != run + "first") continue;
    ++first;
    redelivery_count = std::max(redelivery_count, m.delivery_count);
  }
  EXPECT_EQ(first, 2);
  EXPECT_GT(redelivery_count, 0u);
}

TEST_P(BusSuite, ThrowingHandlerGetsTheMessageAgain) {
  runner r;
  auto a = env().make("node-a", node_options());
  const auto run = run_id();
  const auto topic = env().fan_out_topic("throw");
  std::atomic<int> calls{0};
  auto sub =
      subscribe_attached(env(), *a, {.topic = topic}, r.executor(), [&](message m) -> asio::awaitable<error_code> {
        if (!m.body.starts_with(run)) co_return error_code{};
        if (calls.fetch_add(1) == 0) throw std::runtime_error("handler bug");
        co_return error_code{};
      });
  ASSERT_FALSE(publish_sync(*a, make_message(topic, run + "x")));
  EXPECT_TRUE(wait_until([&] { return calls.load() >= 2; }, env().patience()));
}

TEST_P(BusSuite, HandlersRunAtMostMaxInFlightAtOnce) {
  runner r;
  auto a = env().make("node-a", node_options());
  const auto run = run_id();
  const auto topic = env().fan_out_topic("credit");
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::atomic<int> done{0};
  std::atomic<bool> release{false};
  auto sub = subscribe_attached(env(), *a, {.topic = topic, .max_in_flight = 2}, r.executor(),
                                [&](message m) -> asio::awaitable<error_code> {
                                  if (!m.body.starts_with(run)) co_return error_code{};
                                  const int now = ++running;
                                  int p = peak.load();
                                  while (now > p && !peak.compare_exchange_weak(p, now)) {
                                  }
                                  while (!release.load()) {
                                    asio::steady_timer t(co_await asio::this_coro::executor, 5ms);
                                    co_await t.async_wait(core::use_tuple);
                                  }
                                  --running;
                                  ++done;
                                  co_return error_code{};
                                });
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(publish_sync(*a, make_message(topic, run + std::to_string(i))));
  EXPECT_TRUE(wait_until([&] { return running.load() == 2; }, env().patience()));
  std::this_thread::sleep_for(100ms);  // give a third delivery the chance to (wrongly) start
  EXPECT_EQ(peak.load(), 2);
  release = true;
  EXPECT_TRUE(wait_until([&] { return done.load() == 10; }, env().patience())) << done.load();
  EXPECT_LE(peak.load(), 2);
}

TEST_P(BusSuite, BadNamesAndSizesAreRefused) {
  runner r;
  auto o = node_options();
  o.max_message_bytes = 4096;
  auto a = env().make("node-a", o);
  EXPECT_EQ(publish_sync(*a, make_message("Bad Topic!", "x")), errc::invalid_argument);
  EXPECT_EQ(publish_sync(*a, make_message(env().fan_out_topic("size"), std::string(5000, 'x'))), errc::too_large);
  inbox in("");
  EXPECT_EQ(
      a->subscribe({.topic = "ok", .kind = subscription_kind::competing, .name = ""}, r.executor(), in.make()).error(),
      errc::invalid_argument);
  EXPECT_EQ(a->subscribe({.topic = "#"}, r.executor(), in.make()).error(), errc::invalid_argument);
}

TEST_P(BusSuite, StoppedBusRefusesPublishes) {
  auto a = env().make("node-a", node_options());
  a->stop();
  EXPECT_EQ(publish_sync(*a, make_message(env().fan_out_topic("stop"), "x")), errc::stopped);
  EXPECT_EQ(a->status().error, errc::stopped);
  a->stop();  // idempotent
}

}  // namespace parley::bus::testing
