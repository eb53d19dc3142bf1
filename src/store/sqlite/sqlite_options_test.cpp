// [store.sqlite] options, the durability setting reaching the connections, and the v1 -> v2
// migration of the activities table (rows written under v1 still read after it).
#include "sqlite_db.hpp"
#include "sqlite_test_env.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/store/encrypted_store.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace parley::store::sqlite {
namespace {

using store::testing::run;

struct parsed {
  std::unique_ptr<core::config> cfg;
  options opts;
};

parsed parse(std::string_view toml) {
  parsed p{core::config::parse(toml, {}), {}};
  p.opts = parse_options(p.cfg->section("store").section("sqlite"));
  return p;
}

TEST(SqliteOptions, DurabilityIsFullUnlessNormalIsAskedFor) {
  auto d = parse("[store.sqlite]\npath = \"x.db\"\n");
  EXPECT_TRUE(d.cfg->ok());
  EXPECT_EQ(d.opts.synchronous, synchronous_mode::full);
  auto n = parse("[store.sqlite]\npath = \"x.db\"\nsynchronous = \"normal\"\n");
  EXPECT_TRUE(n.cfg->ok());
  EXPECT_EQ(n.opts.synchronous, synchronous_mode::normal);
  for (const char* bad : {"off", "FULL", "extra", ""}) {
    auto b = parse(std::string("[store.sqlite]\npath = \"x.db\"\nsynchronous = \"") + bad + "\"\n");
    EXPECT_FALSE(b.cfg->ok()) << bad;
  }
}

int synchronous_of(detail::connection& c) {
  auto st = c.prepare("PRAGMA synchronous");
  EXPECT_TRUE(st);
  auto row = st->step();
  EXPECT_TRUE(row && *row);
  return static_cast<int>(st->int64(0));
}

TEST(SqliteOptions, TheConnectionUsesTheChosenSynchronousSetting) {
  testing::sqlite_env env;
  detail::connection_options co;
  auto full = detail::connection::open(env.options().path, co, core::logger("test"));
  ASSERT_TRUE(full);
  EXPECT_EQ(synchronous_of(**full), 2);  // FULL
  co.synchronous_full = false;
  auto normal = detail::connection::open(env.options().path, co, core::logger("test"));
  ASSERT_TRUE(normal);
  EXPECT_EQ(synchronous_of(**normal), 1);  // NORMAL
}

// A coroutine function, not a lambda: its arguments live in the coroutine frame.
boost::asio::awaitable<void> append_one(encrypted_store& s, int i, time_point t, std::atomic<int>& acknowledged) {
  // Named, not a temporary in the co_await expression (GCC 12, PR 99576).
  new_activity a{"a" + std::to_string(i), t, "message", "user", std::string(1024, 'x'), std::nullopt};
  auto r = co_await s.append_activity("t1", "c1", std::move(a));
  if (r) ++acknowledged;
}

TEST(SqliteCheckpoints, TheBackendsThreadCopiesTheWalIntoTheDataFile) {
  testing::sqlite_env env;
  env.options().wal_autocheckpoint = 16;  // pages
  const auto root_file = env.dir() / "root.key";
  ASSERT_TRUE(crypto::root_key::create_file(root_file));
  auto b = sqlite::open(env.options());
  ASSERT_TRUE(b);
  auto s = encrypted_store::open(std::move(*b), *crypto::root_key::load_file(root_file, 1),
                                 env.dir() / "erasure.secrets", store::options{});
  ASSERT_TRUE(s);
  const auto t = time_point{} + std::chrono::seconds(1'800'000'000);
  ASSERT_TRUE(run((*s)->ensure_tenant("t1")));
  ASSERT_TRUE(run((*s)->create_conversation("t1", "c1", "bot", "u1")));
  // Concurrent appends: group commit makes them a few large transactions (fast), each past the
  // threshold, so each signals the checkpoint thread.
  boost::asio::io_context ctx;
  std::atomic<int> acknowledged{0};
  for (int i = 0; i < 300; ++i) {
    boost::asio::co_spawn(ctx, append_one(**s, i, t, acknowledged),
                          core::log_exceptions{core::logger("test"), "append"});
  }
  ctx.run();
  ASSERT_EQ(acknowledged.load(), 300);
  // The writer no longer checkpoints; without the backend's thread the rows would stay in the
  // WAL and the data file would keep its initial few pages. (Polled: it is another thread's work.)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::uintmax_t size = 0;
  while ((size = std::filesystem::file_size(env.options().path)) < 300 * 1024 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(size, 300u * 1024);
}

}  // namespace
}  // namespace parley::store::sqlite
