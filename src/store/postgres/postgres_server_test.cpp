// PostgreSQL-specific tests: a server restart under a running store, several stores (as several
// channel processes would be) on one database, and password authentication.
#include "pg_test_env.hpp"

#include <parley/core/async.hpp>
#include <parley/store/encrypted_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace parley::store::postgres {
namespace {

namespace asio = boost::asio;
using store::testing::run;
namespace fs = std::filesystem;

time_point at(int s) { return time_point{} + std::chrono::seconds(1'800'000'000 + s); }

class PostgresServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("parley-pgtest-" + core::random_id(core::os_random(), "", 6));
    fs::create_directories(dir_);
    ASSERT_TRUE(crypto::root_key::create_file(dir_ / "root.key"));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<encrypted_store> open_store(unsigned writers = 2) {
    auto o = testing::backend_options(env_.server(), env_.database());
    o.writer_threads = writers;
    auto b = postgres::open(o);
    EXPECT_TRUE(b);
    if (!b) return nullptr;
    auto s = encrypted_store::open(std::move(*b), *crypto::root_key::load_file(dir_ / "root.key", 1),
                                   dir_ / "erasure.secrets", store::options{});
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }

  testing::postgres_env env_;
  fs::path dir_;
};

TEST_F(PostgresServer, ALostConnectionGivesUnavailableThenTheStoreReconnects) {
  auto s = open_store();
  ASSERT_TRUE(run(s->ensure_tenant("bankx")));
  ASSERT_TRUE(run(s->create_conversation("bankx", "c1", "bot", "u")));
  ASSERT_TRUE(run(s->append_activity("bankx", "c1", {"a1", at(1), "message", "user", "before", std::nullopt})));

  env_.server().stop();
  auto during = run(s->append_activity("bankx", "c1", {"a2", at(2), "message", "user", "during", std::nullopt}));
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error(), errc::unavailable);
  EXPECT_EQ(run(s->read_activities("bankx", "c1", 0, 10)).error(), errc::unavailable);

  env_.server().start_again();
  // The first calls may still meet connections the restart broke; each such call drops them.
  result<append_result> after = make_error_code(errc::unavailable);
  for (int attempt = 0; attempt < 5 && !after; ++attempt) {
    after = run(s->append_activity("bankx", "c1", {"a3", at(3), "message", "user", "after", std::nullopt}));
  }
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->seq, 2u) << "the failed append must not have used a sequence number";
  result<activity_page> page = make_error_code(errc::unavailable);
  for (int attempt = 0; attempt < 5 && !page; ++attempt) page = run(s->read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 2u);
  EXPECT_EQ(page->activities[1].body, "after");
}

TEST_F(PostgresServer, SeveralStoresOnOneDatabaseKeepSequencesGapFree) {
  // Two stores with their own connections and writer threads: to the database, two processes.
  auto a = open_store();
  auto b = open_store();
  ASSERT_TRUE(run(a->ensure_tenant("bankx")));
  ASSERT_TRUE(run(b->ensure_tenant("bankx")));
  for (const char* c : {"shared-1", "shared-2"}) ASSERT_TRUE(run(a->create_conversation("bankx", c, "bot", "u")));

  asio::io_context ctx;
  std::atomic<int> failures{0};
  constexpr int per_writer = 20;
  for (auto* st : {a.get(), b.get()}) {
    for (int w = 0; w < 8; ++w) {
      asio::co_spawn(
          ctx,
          [&, st, w]() -> asio::awaitable<void> {
            for (int i = 0; i < per_writer; ++i) {
              const std::string conv = (i % 2) ? "shared-1" : "shared-2";
              // A named variable, not a braced temporary: GCC 12 bitwise-copies aggregate
              // temporaries inside a co_await expression (found by ASan here).
              new_activity act{"x", at(i), "message", "user", "w" + std::to_string(w), std::nullopt};
              auto r = co_await st->append_activity("bankx", conv, std::move(act));
              if (!r) ++failures;
            }
          },
          core::log_exceptions{core::logger("test"), "appender"});
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const char* c : {"shared-1", "shared-2"}) {
    auto page = run(b->read_activities("bankx", c, 0, 1000));
    ASSERT_TRUE(page);
    ASSERT_EQ(page->activities.size(), static_cast<std::size_t>(2 * 8 * per_writer / 2));
    for (std::size_t k = 0; k < page->activities.size(); ++k) {
      EXPECT_EQ(page->activities[k].seq, k + 1);
      EXPECT_FALSE(page->activities[k].corrupt);
    }
  }
}

TEST_F(PostgresServer, ARotationInOneStoreNeverStrandsKeysCreatedByAnother) {
  auto a = open_store();
  auto b = open_store();
  ASSERT_TRUE(run(a->ensure_tenant("bankx")));
  asio::io_context ctx;
  std::atomic<int> failures{0};
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 6; ++i) {
          if (!co_await a->rotate_tenant_key("bankx")) ++failures;
        }
      },
      core::log_exceptions{core::logger("test"), "rotator"});
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 30; ++i) {
          const auto id = "r" + std::to_string(i);
          if (!co_await b->create_conversation("bankx", id, "bot", "u" + std::to_string(i))) ++failures;
          new_activity act{"a", at(i), "message", "user", "m" + id, std::nullopt};
          if (!co_await b->append_activity("bankx", id, std::move(act))) ++failures;
        }
      },
      core::log_exceptions{core::logger("test"), "creator"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  a.reset();
  b.reset();
  // A fresh store, nothing cached: every key must open through the current tenant key.
  auto c = open_store();
  for (int i = 0; i < 30; ++i) {
    const auto id = "r" + std::to_string(i);
    auto page = run(c->read_activities("bankx", id, 0, 10));
    ASSERT_TRUE(page) << id << ": " << page.error().message();
    EXPECT_EQ(page->activities.at(0).body, "m" + id);
    EXPECT_EQ(run(c->get_conversation("bankx", id))->user_id, "u" + std::to_string(i));
  }
}

TEST_F(PostgresServer, ThePasswordComesFromTheSecretAndIsRequired) {
  auto o = testing::backend_options(env_.server(), env_.database());
  o.password.reset();
  EXPECT_EQ(postgres::open(o).error(), errc::unavailable);
  o.password = std::make_shared<const core::secret_string>("wrong");
  EXPECT_EQ(postgres::open(o).error(), errc::unavailable);
  EXPECT_TRUE(postgres::open(testing::backend_options(env_.server(), env_.database())));
}

}  // namespace
}  // namespace parley::store::postgres
