// Tests of the in-memory fake, so that other components' tests can trust its semantics.
#include <parley/core/testing/run.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace parley::store {
namespace {

using parley::core::testing::run;

TEST(MemoryStore, SequencesAreGapFreeAndIdempotent) {
  testing::memory_store s;
  ASSERT_TRUE(run(s.ensure_tenant("t1")));
  ASSERT_TRUE(run(s.create_conversation("t1", "c1", "bot", "dl_u")));
  new_activity a{"a1", {}, "message", "user", "{}", "key-1"};
  auto r1 = run(s.append_activity("t1", "c1", a));
  auto r2 = run(s.append_activity("t1", "c1", a));
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->seq, 1u);
  EXPECT_TRUE(r2->duplicate);
  a.idempotency_key.reset();
  a.activity_id = "a2";
  EXPECT_EQ(run(s.append_activity("t1", "c1", a))->seq, 2u);
  auto page = run(s.read_activities("t1", "c1", 1, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 1u);
  EXPECT_EQ(page->activities[0].activity_id, "a2");
}

TEST(MemoryStore, TenantsAreIsolated) {
  testing::memory_store s;
  ASSERT_TRUE(run(s.ensure_tenant("t1")));
  ASSERT_TRUE(run(s.ensure_tenant("t2")));
  ASSERT_TRUE(run(s.create_conversation("t1", "c1", "bot", "dl_u")));
  EXPECT_EQ(run(s.get_conversation("t2", "c1")).error(), errc::not_found);
}

TEST(MemoryStore, BotStateUsesEtags) {
  testing::memory_store s;
  ASSERT_TRUE(run(s.ensure_tenant("t1")));
  ASSERT_TRUE(run(s.create_conversation("t1", "c1", "bot", "dl_u")));
  auto e1 = run(s.put_bot_state("t1", "c1", "{}", std::nullopt));
  ASSERT_TRUE(e1);
  EXPECT_EQ(run(s.put_bot_state("t1", "c1", "{}", std::nullopt)).error(), errc::etag_mismatch);
  EXPECT_TRUE(run(s.put_bot_state("t1", "c1", "{\"x\":1}", *e1)));
  EXPECT_EQ(run(s.put_bot_state("t1", "c1", "{}", *e1)).error(), errc::etag_mismatch);
}

}  // namespace
}  // namespace parley::store
