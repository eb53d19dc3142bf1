#include "conversations.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/json.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace parley::channel {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

template <class T>
T run(asio::io_context& io, asio::awaitable<T> a) {
  auto f = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  io.run();
  return f.get();
}

class Conversations : public ::testing::Test {
 protected:
  appended_activity add(std::string type, std::string role = "user", std::optional<std::string> key = std::nullopt) {
    auto r =
        run(io_, svc_.append(ref_, {json::object{{"type", type}, {"text", "hello"}}, role, std::move(key), {}, {}}));
    EXPECT_TRUE(r) << r.error().message();
    return *r;
  }

  asio::io_context io_;
  store::testing::memory_store store_;
  core::testing::fake_clock clock_;
  std::vector<activity_event> published_;
  conversation_service svc_{store_, [this](activity_event e) { published_.push_back(std::move(e)); }, clock_,
                            core::os_random()};
  conversation_ref ref_{"bankx", "conv1"};
};

TEST_F(Conversations, EnsureCreatesOnce) {
  EXPECT_EQ(*run(io_, svc_.ensure(ref_, "bot", "dl_u")), true);
  EXPECT_EQ(*run(io_, svc_.ensure(ref_, "bot", "dl_u")), false);
  auto c = run(io_, svc_.get(ref_));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_id, "dl_u");
  EXPECT_EQ(run(io_, svc_.get({"otherbank", "conv1"})).error(), errc::not_found);  // tenants are isolated
}

TEST_F(Conversations, AppendAssignsIdsTimestampsAndPublishes) {
  ASSERT_TRUE(run(io_, svc_.ensure(ref_, "bot", "dl_u")));
  const auto a = add("message");
  const auto b = add("message");
  EXPECT_EQ(a.id, "conv1|0000001");
  EXPECT_EQ(b.id, "conv1|0000002");
  ASSERT_EQ(published_.size(), 2u);
  auto body = core::parse_json_object(published_[1].body);
  EXPECT_EQ(body->at("id"), "conv1|0000002");
  // Strictly increasing timestamps although the clock did not move.
  const auto t1 = core::parse_json_object(published_[0].body)->at("timestamp").as_string();
  const auto t2 = body->at("timestamp").as_string();
  EXPECT_EQ(t1, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(t2, "2026-01-01T00:00:00.001Z");
}

TEST_F(Conversations, RetriedAppendWithTheSameKeyIsNotRepeated) {
  ASSERT_TRUE(run(io_, svc_.ensure(ref_, "bot", "dl_u")));
  const auto a = add("message", "bot", "b:req-1");
  const auto again = add("message", "bot", "b:req-1");
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, a.id);
  EXPECT_EQ(published_.size(), 1u);
}

TEST_F(Conversations, PollingPagesByWatermarkAndSkipsTypingAndConversationUpdate) {
  ASSERT_TRUE(run(io_, svc_.ensure(ref_, "bot", "dl_u")));
  add("conversationUpdate", "channel");  // 1
  add("message");                        // 2
  add("typing");                         // 3
  add("message", "bot");                 // 4
  add("message");                        // 5
  auto page = run(io_, svc_.poll(ref_, 0, 2, 1 << 20));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->bodies.size(), 2u);
  EXPECT_EQ(core::parse_json_object(page->bodies[0])->at("id"), "conv1|0000002");
  EXPECT_EQ(core::parse_json_object(page->bodies[1])->at("id"), "conv1|0000004");
  EXPECT_EQ(page->watermark, 4u);
  page = run(io_, svc_.poll(ref_, 4, 2, 1 << 20));
  ASSERT_EQ(page->bodies.size(), 1u);
  EXPECT_EQ(page->watermark, 5u);
  page = run(io_, svc_.poll(ref_, 5, 2, 1 << 20));
  EXPECT_TRUE(page->bodies.empty());
  EXPECT_EQ(page->watermark, 5u);
  // A byte budget smaller than one activity still returns one (progress is guaranteed).
  page = run(io_, svc_.poll(ref_, 0, 10, 1));
  EXPECT_EQ(page->bodies.size(), 1u);
  EXPECT_EQ(page->watermark, 3u);  // the typing at 3 is skipped, not withheld
  EXPECT_EQ(run(io_, svc_.poll({"bankx", "nope"}, 0, 10, 1000)).error(), errc::not_found);
}

TEST_F(Conversations, ARecordThatFailsItsIntegrityCheckIsShownAsAMarkerNeverSkipped) {
  ASSERT_TRUE(run(io_, svc_.ensure(ref_, "bot", "dl_u")));
  add("message");         // 1
  add("typing");          // 2: tampered; its real type is unknown, so it is shown too
  add("message", "bot");  // 3: tampered
  add("message");         // 4
  ASSERT_TRUE(store_.corrupt("bankx", "conv1", 2));
  ASSERT_TRUE(store_.corrupt("bankx", "conv1", 3));
  clock_.advance(5s);
  auto page = run(io_, svc_.poll(ref_, 0, 10, 1 << 20));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->bodies.size(), 4u);
  EXPECT_EQ(page->watermark, 4u);
  for (std::size_t i : {1u, 2u}) {
    auto marker = core::parse_json_object(page->bodies[i]);
    ASSERT_TRUE(marker);
    const auto seq = i + 1;
    EXPECT_EQ(marker->at("type"), "message");
    EXPECT_EQ(marker->at("id").as_string(), "conv1|000000" + std::to_string(seq));
    EXPECT_EQ(marker->at("from").at("role"), "channel");
    EXPECT_EQ(marker->at("channelData").at("parley").at("integrity").at("status"), "failed");
    EXPECT_EQ(marker->at("channelData").at("parley").at("integrity").at("seq").as_int64(),
              static_cast<std::int64_t>(seq));
    EXPECT_NE(marker->at("text").as_string().find("integrity"), json::string::npos);
    EXPECT_EQ(marker->at("timestamp").as_string(), iso_timestamp(clock_.now()));
  }
  // The stream's replay gets the same markers, as messages.
  auto replay = run(io_, svc_.read(ref_, 0, 10));
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->activities[1].type, "message");
  EXPECT_EQ(core::parse_json_object(replay->activities[2].body)->at("id"), "conv1|0000003");
  // A bot cannot update or delete what it cannot read: the error says why.
  EXPECT_EQ(run(io_, svc_.find(ref_, "conv1|0000003")).error(), errc::integrity_failure);
}

TEST_F(Conversations, NewVersionKeepsTheIdAndFindReturnsIt) {
  ASSERT_TRUE(run(io_, svc_.ensure(ref_, "bot", "dl_u")));
  const auto original = add("message", "bot");
  auto found = run(io_, svc_.find(ref_, original.id));
  ASSERT_TRUE(found);
  auto v = run(io_, svc_.append(ref_, {json::object{{"type", "message"}, {"text", "edited"}}, "bot", std::nullopt,
                                       original.id, found->activity_id}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->id, original.id);
  EXPECT_EQ(v->seq, 2u);
  auto newest = run(io_, svc_.find(ref_, original.id));
  ASSERT_TRUE(newest);
  EXPECT_EQ(core::parse_json_object(newest->body)->at("text"), "edited");
  auto page = run(io_, svc_.poll(ref_, 1, 10, 1 << 20));
  ASSERT_EQ(page->bodies.size(), 1u);
  EXPECT_EQ(core::parse_json_object(page->bodies[0])->at("id").as_string(), original.id);
  EXPECT_EQ(run(io_, svc_.find(ref_, "conv1|0000009")).error(), errc::not_found);
  EXPECT_EQ(run(io_, svc_.find(ref_, "other|0000001")).error(), errc::not_found);
}

TEST_F(Conversations, ConcurrentAppendsKeepSeqAndTimestampOrder) {
  ASSERT_TRUE(run(io_, svc_.ensure(ref_, "bot", "dl_u")));
  std::vector<std::future<result<appended_activity>>> futures;
  for (int i = 0; i < 50; ++i) {
    futures.push_back(asio::co_spawn(
        io_, svc_.append(ref_, {json::object{{"type", "message"}}, "user", std::nullopt, {}, {}}), asio::use_future));
  }
  io_.restart();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([this] { io_.run(); });
  for (auto& t : threads) t.join();
  for (auto& f : futures) ASSERT_TRUE(f.get());
  ASSERT_EQ(published_.size(), 50u);
  std::string last;
  for (std::size_t i = 0; i < published_.size(); ++i) {
    EXPECT_EQ(published_[i].seq, i + 1);
    const auto ts = std::string(core::parse_json_object(published_[i].body)->at("timestamp").as_string());
    EXPECT_GT(ts, last);
    last = ts;
  }
}

}  // namespace
}  // namespace parley::channel
