#include <parley/bus/ordering.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::bus {
namespace {

std::vector<std::uint64_t> drained(sequencer<std::string>& s) {
  std::vector<std::uint64_t> out;
  s.drain([&](std::uint64_t seq, std::string&) { out.push_back(seq); });
  return out;
}

TEST(Sequencer, DeliversInOrderAndDropsDuplicates) {
  sequencer<std::string> s(2);
  EXPECT_EQ(s.offer(2, "old"), offer_result::duplicate);
  EXPECT_EQ(s.offer(4, "d"), offer_result::held);
  EXPECT_EQ(s.offer(4, "d again"), offer_result::duplicate);
  EXPECT_TRUE(drained(s).empty());  // 3 is missing
  EXPECT_EQ(s.offer(3, "c"), offer_result::held);
  EXPECT_EQ(drained(s), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(s.delivered(), 4u);
  EXPECT_EQ(s.offer(3, "c again"), offer_result::duplicate);
  EXPECT_TRUE(s.is_next(5));
  EXPECT_FALSE(s.is_next(6));
}

TEST(Sequencer, NamesTheGapToReadFromTheStoreOnce) {
  sequencer<std::string> s(10);
  EXPECT_FALSE(s.begin_fetch());  // nothing waits
  s.offer(14, "n");
  s.offer(13, "m");
  const auto g = s.begin_fetch();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->after, 10u);
  EXPECT_EQ(g->until, 12u);
  EXPECT_FALSE(s.begin_fetch());  // already asked
  // The store had 11..14: delivered from there; the held copies are dropped.
  s.advance_to(14);
  s.end_fetch();
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_TRUE(drained(s).empty());
  EXPECT_EQ(s.offer(12, "late bus copy"), offer_result::duplicate);
  EXPECT_FALSE(s.gap());
}

TEST(Sequencer, AdvancingPastSomeHeldValuesKeepsTheRest) {
  sequencer<std::string> s(0);
  s.offer(2, "b");
  s.offer(5, "e");
  s.advance_to(3);
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.gap()->after, 3u);
  EXPECT_EQ(s.gap()->until, 4u);
  s.offer(4, "d");
  EXPECT_EQ(drained(s), (std::vector<std::uint64_t>{4, 5}));
}

TEST(Sequencer, BoundsWhatItHolds) {
  sequencer<std::string> s(0, 2);
  EXPECT_EQ(s.offer(3, "c"), offer_result::held);
  EXPECT_EQ(s.offer(4, "d"), offer_result::held);
  EXPECT_EQ(s.offer(5, "e"), offer_result::overflow);
  s.clear();
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Sequencer, ACatchUpIsOneReadAtATime) {
  sequencer<std::string> s(7);
  EXPECT_TRUE(s.begin_catch_up());
  EXPECT_FALSE(s.begin_catch_up());
  s.offer(9, "i");
  EXPECT_FALSE(s.begin_fetch());  // the catch-up in flight covers it
  s.end_fetch();
  EXPECT_TRUE(s.begin_fetch());
}

TEST(Sequencer, DrainStopsWhenTheConsumerRefuses) {
  sequencer<std::string> s(0);
  s.offer(1, "a");
  s.offer(2, "b");
  s.offer(3, "c");
  std::vector<std::uint64_t> seen;
  s.drain([&](std::uint64_t seq, std::string&) {
    seen.push_back(seq);
    return seq < 2;
  });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(s.delivered(), 2u);
  EXPECT_EQ(s.pending(), 1u);
}

}  // namespace
}  // namespace parley::bus
