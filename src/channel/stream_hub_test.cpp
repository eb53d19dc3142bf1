#include "stream_hub.hpp"

#include "activity.hpp"

#include <parley/core/json.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace parley::channel {
namespace {

struct recorder {
  std::mutex mutex;
  std::vector<std::string> frames;
  std::vector<std::pair<std::uint16_t, std::string>> closes;
  bool accept = true;

  stream_sink sink() {
    return {[this](std::string f) {
              std::lock_guard lock(mutex);
              frames.push_back(std::move(f));
              return accept;
            },
            [this](std::uint16_t code, std::string reason) {
              std::lock_guard lock(mutex);
              closes.emplace_back(code, std::move(reason));
            }};
  }
  // Every activity id seen, in frame order, and the watermark of each frame.
  std::vector<std::string> ids() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& f : frames) {
      auto o = core::parse_json_object(f, {.max_bytes = 1 << 24});
      for (const auto& a : o->at("activities").as_array()) out.emplace_back(a.at("id").as_string());
    }
    return out;
  }
  std::vector<std::string> watermarks() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& f : frames)
      out.emplace_back(core::parse_json_object(f, {.max_bytes = 1 << 24})->at("watermark").as_string());
    return out;
  }
};

std::string body(std::uint64_t seq, std::string_view type = "message") {
  return R"({"type":")" + std::string(type) + R"(","id":")" + activity_id("c", seq) + "\"}";
}

sequenced_activity rec(std::uint64_t seq, std::string type = "message") {
  return {seq, type, body(seq, type)};
}

TEST(StreamSubscriber, ReplayThenLiveInOrderWithoutDuplicates) {
  recorder r;
  stream_subscriber s(2, r.sink());
  s.offer(5, "message", body(5));  // arrives while replaying: waits
  s.offer(4, "message", body(4));
  s.replay({rec(3), rec(4)});  // the store had 3 and 4
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000003", "c|0000004"}));
  s.go_live();
  s.offer(6, "message", body(6));
  s.offer(6, "message", body(6));  // duplicate
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000003", "c|0000004", "c|0000005", "c|0000006"}));
  EXPECT_EQ(r.watermarks(), (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(s.delivered(), 6u);
}

TEST(StreamSubscriber, OutOfOrderLiveEventsAreReordered) {
  recorder r;
  stream_subscriber s(0, r.sink());
  s.go_live();
  s.offer(2, "message", body(2));
  EXPECT_TRUE(r.ids().empty());
  s.offer(1, "message", body(1));
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000001", "c|0000002"}));
  EXPECT_EQ(r.watermarks(), (std::vector<std::string>{"2"}));
}

TEST(StreamSubscriber, TypingLiveOnlyConversationUpdateNever) {
  recorder r;
  stream_subscriber s(0, r.sink());
  s.replay({rec(1, "conversationUpdate"), rec(2, "typing"), rec(3)});
  s.go_live();
  s.offer(4, "typing", body(4, "typing"));
  s.offer(5, "conversationUpdate", body(5, "conversationUpdate"));
  s.offer(6, "message", body(6));
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000003", "c|0000004", "c|0000006"}));
  EXPECT_EQ(s.delivered(), 6u);
}

TEST(StreamSubscriber, PendingOverflowClosesForResync) {
  recorder r;
  stream_subscriber s(0, r.sink(), 3);
  s.go_live();
  for (std::uint64_t seq = 2; seq <= 5; ++seq) s.offer(seq, "message", body(seq));  // 1 never comes
  ASSERT_EQ(r.closes.size(), 1u);
  EXPECT_EQ(r.closes[0].second, "resync");
  EXPECT_TRUE(s.closed());
  s.offer(1, "message", body(1));
  EXPECT_TRUE(r.ids().empty());
}

TEST(StreamSubscriber, LargeReplaysAreSplitIntoBoundedFrames) {
  recorder r;
  stream_subscriber s(0, r.sink());
  std::vector<sequenced_activity> page;
  const std::string filler(200 * 1024, 'x');
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    page.push_back(
        {seq, "message", R"({"type":"message","id":")" + activity_id("c", seq) + R"(","text":")" + filler + "\"}"});
  }
  s.replay(page);
  EXPECT_EQ(r.ids().size(), 5u);
  EXPECT_GE(r.frames.size(), 3u);
  for (const auto& f : r.frames) EXPECT_LE(f.size(), 700u * 1024);
  EXPECT_EQ(r.watermarks().back(), "5");
}

TEST(StreamHub, DeliversToTheAttachedStreamAndReportsCollisions) {
  stream_hub hub;
  recorder a;
  recorder b;
  auto first = std::make_shared<stream_subscriber>(0, a.sink());
  first->go_live();
  EXPECT_EQ(hub.attach(stream_hub::key("t", "c"), first), nullptr);
  hub.deliver({"t", "c", 1, "message", body(1)});
  hub.deliver({"t", "other", 1, "message", body(1)});
  hub.deliver({"t2", "c", 2, "message", body(2)});  // same id, other tenant
  EXPECT_EQ(a.ids(), (std::vector<std::string>{"c|0000001"}));
  auto second = std::make_shared<stream_subscriber>(1, b.sink());
  second->go_live();
  EXPECT_EQ(hub.attach(stream_hub::key("t", "c"), second), first);
  hub.detach(stream_hub::key("t", "c"), first.get());  // the old one's close must not remove the new one
  hub.deliver({"t", "c", 2, "message", body(2)});
  EXPECT_EQ(b.ids(), (std::vector<std::string>{"c|0000002"}));
  hub.detach(stream_hub::key("t", "c"), second.get());
  EXPECT_EQ(hub.size(), 0u);
}

TEST(StreamHub, ConcurrentDeliveriesReachTheStreamInOrder) {
  stream_hub hub;
  recorder r;
  auto s = std::make_shared<stream_subscriber>(0, r.sink(), 100'000);
  s->go_live();
  hub.attach(stream_hub::key("t", "c"), s);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t seq = 1 + t; seq <= 400; seq += 4) hub.deliver({"t", "c", seq, "message", body(seq)});
    });
  }
  for (auto& t : threads) t.join();
  const auto ids = r.ids();
  ASSERT_EQ(ids.size(), 400u);
  for (std::uint64_t seq = 1; seq <= 400; ++seq) EXPECT_EQ(ids[seq - 1], activity_id("c", seq));
}

// What the stream route does with the fetch function: read the store after `after`.
struct fake_store_reader {
  std::vector<sequenced_activity> store;
  std::vector<std::uint64_t> asked;
  void answer(stream_subscriber& s, bool ok = true) {
    const auto after = asked.back();
    std::vector<sequenced_activity> page;
    for (const auto& a : store) {
      if (a.seq > after) page.push_back(a);
    }
    if (ok) s.replay(page);
    s.fetched(ok);
  }
};

TEST(StreamSubscriber, AGapBeforeALiveEventIsReadFromTheStoreOnce) {
  recorder r;
  fake_store_reader st;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) st.store.push_back(rec(seq));
  stream_subscriber s(1, r.sink());
  s.on_gap([&](std::uint64_t after) { st.asked.push_back(after); });
  s.go_live();
  s.offer(4, "message", body(4));  // node C's event overtook node B's 2 and 3
  s.offer(4, "message", body(4));
  ASSERT_EQ(st.asked, (std::vector<std::uint64_t>{1}));
  s.offer(5, "message", body(5));  // a read is in flight: not asked twice
  EXPECT_EQ(st.asked.size(), 1u);
  st.answer(s);                    // 2, 3, 4 from the store; then 5, which waited
  s.offer(3, "message", body(3));  // the late bus copies are duplicates
  s.offer(2, "message", body(2));
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000002", "c|0000003", "c|0000004", "c|0000005"}));
  EXPECT_EQ(s.delivered(), 5u);
  EXPECT_EQ(st.asked.size(), 1u);
}

TEST(StreamSubscriber, AGapTheStoreCannotFillYetWaitsForTheNextEvent) {
  recorder r;
  fake_store_reader st;  // the store has nothing after 1
  st.store.push_back(rec(1));
  stream_subscriber s(1, r.sink());
  s.on_gap([&](std::uint64_t after) { st.asked.push_back(after); });
  s.go_live();
  s.offer(3, "message", body(3));
  st.answer(s);
  EXPECT_EQ(st.asked.size(), 1u);  // no spinning
  s.offer(2, "message", body(2));
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000002", "c|0000003"}));
}

// The store read may complete before the fetch function returns (a memory store, or a co_spawn
// that runs at once on an executor thread): it calls replay() and fetched() on the same thread,
// which deadlocked while the fetch function was called under the subscriber's lock.
TEST(StreamSubscriber, AReadThatCompletesAtOnceDeliversTheGap) {
  recorder r;
  fake_store_reader st;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) st.store.push_back(rec(seq));
  auto s = std::make_shared<stream_subscriber>(1, r.sink());
  s->on_gap([&st, w = std::weak_ptr<stream_subscriber>(s)](std::uint64_t after) {
    st.asked.push_back(after);
    if (auto sub = w.lock()) st.answer(*sub);
  });
  s->go_live();
  s->offer(4, "message", body(4));  // before the fix: hung here until the test's timeout
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000002", "c|0000003", "c|0000004"}));
  EXPECT_EQ(st.asked, (std::vector<std::uint64_t>{1}));
  s->catch_up();  // a catch-up that completes at once, too
  EXPECT_EQ(st.asked, (std::vector<std::uint64_t>{1, 4}));
  EXPECT_EQ(s->delivered(), 4u);
}

TEST(StreamSubscriber, AFailedStoreReadClosesForResync) {
  recorder r;
  fake_store_reader st;
  stream_subscriber s(0, r.sink());
  s.on_gap([&](std::uint64_t after) { st.asked.push_back(after); });
  s.go_live();
  s.offer(2, "message", body(2));
  st.answer(s, false);
  ASSERT_EQ(r.closes.size(), 1u);
  EXPECT_EQ(r.closes[0].second, "resync");
}

TEST(StreamHub, CatchUpReadsWhatLiveStreamsMayHaveMissed) {
  stream_hub hub;
  recorder r;
  fake_store_reader st;
  for (std::uint64_t seq = 1; seq <= 3; ++seq) st.store.push_back(rec(seq));
  auto s = std::make_shared<stream_subscriber>(1, r.sink());
  s->on_gap([&](std::uint64_t after) { st.asked.push_back(after); });
  hub.attach(stream_hub::key("t", "c"), s);
  hub.catch_up_all();  // still replaying: the replay covers it
  EXPECT_TRUE(st.asked.empty());
  s->go_live();
  hub.catch_up_all();  // 2 and 3 were published while the bus was down
  hub.catch_up_all();
  ASSERT_EQ(st.asked, (std::vector<std::uint64_t>{1}));
  st.answer(*s);
  EXPECT_EQ(r.ids(), (std::vector<std::string>{"c|0000002", "c|0000003"}));
}

}  // namespace
}  // namespace parley::channel
