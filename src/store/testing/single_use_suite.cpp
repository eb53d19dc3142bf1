// The conformance suite (store_suite.hpp), part four: single use across processes
// (single_use.hpp, ADR 0025) over every backend: first use true, every later use false, also
// under a race between two stores on one database; uses apart from the conversation's
// idempotency keys; gone with the conversation.
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace parley::store::testing {
namespace {
namespace asio = boost::asio;
}  // namespace

TEST_P(store_suite, AUseIsFirstOnceAndApartFromIdempotencyKeys) {
  make_conversation("bankx", "c1");
  make_conversation("bankx", "c2");
  EXPECT_TRUE(*run(store_->use_once("bankx", "c1", "jti-1")));
  EXPECT_FALSE(*run(store_->use_once("bankx", "c1", "jti-1")));
  EXPECT_TRUE(*run(store_->use_once("bankx", "c2", "jti-1")));  // per conversation
  EXPECT_TRUE(*run(store_->use_once("bankx", "c1", "jti-2")));
  // A client's idempotency key with the same text is another thing, both ways.
  const auto seq = append("bankx", "c1", "a1", R"({"text":"hi"})", "jti-3");
  EXPECT_TRUE(*run(store_->use_once("bankx", "c1", "jti-3")));
  EXPECT_EQ(append("bankx", "c1", "a2", R"({"text":"hi"})", "jti-2"), seq + 1);
  EXPECT_EQ(run(store_->use_once("bankx", "nope", "jti-1")).error(), errc::not_found);
  EXPECT_EQ(run(store_->use_once("bankx", "c1", "")).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->use_once("bankx", "c1", std::string(257, 'x'))).error(), errc::invalid_argument);
  // Kept across a reopen; gone with the conversation.
  open_store();
  EXPECT_FALSE(*run(store_->use_once("bankx", "c1", "jti-1")));
  ASSERT_TRUE(run(store_->erase_conversation("bankx", "c1")));
  EXPECT_EQ(run(store_->use_once("bankx", "c1", "jti-1")).error(), errc::not_found);
}

TEST_P(store_suite, ExactlyOneOfManyUsesOnTwoStoresIsFirst) {
  make_conversation("bankx", "c1");
  auto second = try_open(root());  // a second channel node on the same database
  ASSERT_TRUE(second) << second.error().message();
  constexpr int tries = 8;
  std::atomic<int> first{0}, again{0}, failed{0};
  asio::io_context ctx;
  for (int i = 0; i < tries; ++i) {
    encrypted_store& s = i % 2 == 0 ? *store_ : **second;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          auto r = co_await s.use_once("bankx", "c1", "the-token");
          if (!r)
            ++failed;
          else if (*r)
            ++first;
          else
            ++again;
        },
        core::log_exceptions{core::logger("test"), "use"});
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(again.load(), tries - 1);
}

}  // namespace parley::store::testing
