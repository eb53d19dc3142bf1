#include "test_util.hpp"

#include <parley/core/async.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/remote_jwks.hpp>
#include <parley/jose/testing/fake_jwks_fetcher.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <future>

namespace parley::jose {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs one coroutine to completion. (result<validated_token> is deliberately not
// default-constructible, so the value is passed out through an optional.)
template <class T>
T run_sync(asio::awaitable<T> a) {
  asio::io_context io;
  std::optional<T> out;
  std::exception_ptr error;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(a)); },
      [&](std::exception_ptr e) { error = e; });
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

void run_sync(asio::awaitable<void> a) {
  asio::io_context io;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(a), [&](std::exception_ptr e) { error = e; });
  io.run();
  if (error) std::rethrow_exception(error);
}

std::string set_json(std::initializer_list<const signing_key*> keys) {
  std::vector<jwk> v;
  for (const auto* k : keys) v.push_back(jwk{k->public_part(), k->kid(), {}, std::nullopt});
  return to_json(*jwks::make(std::move(v)));
}

class RemoteJwks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    k1_ = new signing_key(*signing_key::generate(algorithm::es256));
    k2_ = new signing_key(*signing_key::generate(algorithm::es256));
    k3_ = new signing_key(*signing_key::generate(algorithm::eddsa));
  }
  static void TearDownTestSuite() {
    delete k1_;
    delete k2_;
    delete k3_;
  }
  remote_jwks_options opts() const {
    remote_jwks_options o;
    o.url = url_;
    return o;
  }
  std::shared_ptr<const jwks> keys_for(remote_jwks_cache& c, const std::string& kid) {
    return run_sync(c.keys_for(kid));
  }
  bool has(remote_jwks_cache& c, const std::string& kid) {
    auto s = keys_for(c, kid);
    return s && s->find(kid) != nullptr;
  }

  inline static const std::string url_ = "https://idp.test/keys";
  static signing_key* k1_;
  static signing_key* k2_;
  static signing_key* k3_;
  core::testing::fake_clock clock_;
  testing::fake_jwks_fetcher fetcher_;
};

signing_key* RemoteJwks::k1_ = nullptr;
signing_key* RemoteJwks::k2_ = nullptr;
signing_key* RemoteJwks::k3_ = nullptr;

TEST_F(RemoteJwks, FirstUseFetchesThenServesFromCache) {
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  EXPECT_EQ(cache.snapshot(), nullptr);
  EXPECT_TRUE(has(cache, k1_->kid()));
  const auto first = cache.snapshot();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(has(cache, k1_->kid()));
  clock_.advance(23h);
  EXPECT_TRUE(has(cache, k1_->kid()));
  EXPECT_EQ(fetcher_.count(url_), 1u);
  EXPECT_EQ(cache.snapshot(), first);  // the same immutable snapshot
}

TEST_F(RemoteJwks, RefreshesAfter24Hours) {
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  run_sync(cache.refresh_if_due());
  EXPECT_EQ(fetcher_.count(url_), 1u);
  fetcher_.serve(url_, set_json({k2_}));  // the IdP rotated
  clock_.advance(24h - 1s);
  run_sync(cache.refresh_if_due());
  EXPECT_EQ(fetcher_.count(url_), 1u);
  EXPECT_NE(cache.snapshot()->find(k1_->kid()), nullptr);
  clock_.advance(1s);
  run_sync(cache.refresh_if_due());
  EXPECT_EQ(fetcher_.count(url_), 2u);
  EXPECT_EQ(cache.snapshot()->find(k1_->kid()), nullptr);
  EXPECT_NE(cache.snapshot()->find(k2_->kid()), nullptr);
}

TEST_F(RemoteJwks, UnknownKidRefetchesAtMostOncePerFiveMinutes) {
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  EXPECT_TRUE(has(cache, k1_->kid()));
  EXPECT_EQ(fetcher_.count(url_), 1u);
  // A flood of unknown kids inside the cooldown costs no fetch.
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(has(cache, "attacker-" + std::to_string(i)));
  clock_.advance(4min + 59s);
  EXPECT_FALSE(has(cache, k2_->kid()));
  EXPECT_EQ(fetcher_.count(url_), 1u);
  // After five minutes one unknown kid triggers one fetch, which finds the new key.
  fetcher_.serve(url_, set_json({k1_, k2_}));
  clock_.advance(1s);
  EXPECT_TRUE(has(cache, k2_->kid()));
  EXPECT_EQ(fetcher_.count(url_), 2u);
  EXPECT_FALSE(has(cache, "still-unknown"));
  clock_.advance(1min);
  EXPECT_FALSE(has(cache, "still-unknown"));
  EXPECT_EQ(fetcher_.count(url_), 2u);
  clock_.advance(4min);
  EXPECT_FALSE(has(cache, "still-unknown"));
  EXPECT_EQ(fetcher_.count(url_), 3u);
}

TEST_F(RemoteJwks, KeepsLastKnownGoodWhenFetchesFail) {
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  run_sync(cache.refresh_if_due());
  const auto good = cache.snapshot();
  fetcher_.fail(url_);
  clock_.advance(24h);
  run_sync(cache.refresh_if_due());
  EXPECT_EQ(cache.snapshot(), good);
  EXPECT_EQ(cache.stats().failures, 1u);
  EXPECT_TRUE(has(cache, k1_->kid()));
  // Retries wait retry_after_failure, not max_age.
  clock_.advance(4min);
  run_sync(cache.refresh_if_due());
  EXPECT_EQ(cache.stats().fetches, 2u);
  clock_.advance(1min);
  run_sync(cache.refresh_if_due());
  EXPECT_EQ(cache.stats().fetches, 3u);
  // A document Parley refuses (a private key, an empty set, not JSON) is a failure too.
  std::string with_private = set_json({k1_});
  with_private.insert(with_private.find("\"kid\""), R"("d":"AAAA",)");
  for (const std::string& doc : {with_private, std::string(R"({"keys":[]})"), std::string("<html>")}) {
    fetcher_.serve(url_, doc);
    clock_.advance(5min);
    run_sync(cache.refresh_if_due());
    EXPECT_EQ(cache.snapshot(), good) << doc;
  }
  EXPECT_EQ(cache.stats().failures, 5u);
}

TEST_F(RemoteJwks, EmptyCacheRetriesOnlyAfterTheCooldown) {
  remote_jwks_cache cache(opts(), fetcher_, clock_);  // nothing served: every fetch fails
  EXPECT_EQ(keys_for(cache, "k"), nullptr);
  EXPECT_EQ(keys_for(cache, "k"), nullptr);
  EXPECT_EQ(fetcher_.count(url_), 1u);
  clock_.advance(5min);
  fetcher_.serve(url_, set_json({k1_}));
  EXPECT_TRUE(has(cache, k1_->kid()));
}

TEST_F(RemoteJwks, OpenIdDiscoveryFindsJwksUriAndChecksTheIssuer) {
  const std::string meta_url = "https://idp.test/.well-known/openid-configuration";
  fetcher_.serve(meta_url, R"({"issuer":"https://idp.test","jwks_uri":"https://idp.test/jwks"})");
  fetcher_.serve("https://idp.test/jwks", set_json({k3_}));
  remote_jwks_options o;
  o.url = meta_url;
  o.discovery = true;
  o.expected_issuer = "https://idp.test";
  remote_jwks_cache cache(o, fetcher_, clock_);
  EXPECT_TRUE(has(cache, k3_->kid()));

  o.expected_issuer = "https://other.test";
  remote_jwks_cache wrong_issuer(o, fetcher_, clock_);
  EXPECT_EQ(keys_for(wrong_issuer, k3_->kid()), nullptr);

  fetcher_.serve(meta_url, R"({"issuer":"https://idp.test","jwks_uri":"http://idp.test/jwks"})");
  fetcher_.serve("http://idp.test/jwks", set_json({k3_}));
  o.expected_issuer = "https://idp.test";
  remote_jwks_cache plain_http(o, fetcher_, clock_);
  EXPECT_EQ(keys_for(plain_http, k3_->kid()), nullptr);
  // Plain http is allowed only to loopback (a development IdP, a channel on this host): a
  // metadata document cannot send the key fetch to plain http anywhere else (issue 14).
  o.allow_http = true;
  remote_jwks_cache not_loopback(o, fetcher_, clock_);
  EXPECT_EQ(keys_for(not_loopback, k3_->kid()), nullptr);
  EXPECT_EQ(fetcher_.count("http://idp.test/jwks"), 0u);
  for (const std::string uri : {"http://127.0.0.1:9401/jwks", "http://localhost/jwks", "http://[::1]:8/jwks"}) {
    fetcher_.serve(meta_url, R"({"issuer":"https://idp.test","jwks_uri":")" + uri + R"("})");
    fetcher_.serve(uri, set_json({k3_}));
    remote_jwks_cache dev(o, fetcher_, clock_);
    EXPECT_TRUE(has(dev, k3_->kid())) << uri;
  }
  for (const std::string uri : {"http://127.0.0.1.evil.example/jwks", "http://128.0.0.1/jwks",
                                "http://user@127.0.0.1/jwks", "http://localhost.evil.example/jwks"}) {
    fetcher_.serve(meta_url, R"({"issuer":"https://idp.test","jwks_uri":")" + uri + R"("})");
    fetcher_.serve(uri, set_json({k3_}));
    remote_jwks_cache refused(o, fetcher_, clock_);
    EXPECT_EQ(keys_for(refused, k3_->kid()), nullptr) << uri;
  }
}

TEST_F(RemoteJwks, ValidatorRefetchesForANewKidOnce) {
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  const token_validator v(test::dl_profile(), clock_);
  const auto t1 = *sign(test::good_claims(clock_), *k1_, "dl+jwt");
  auto r = run_sync(v.validate(t1, cache));
  ASSERT_TRUE(r) << r.error().message();
  // The issuer rotates to k2 and publishes it; the first k2 token (5 min later) triggers a refetch.
  fetcher_.serve(url_, set_json({k1_, k2_}));
  clock_.advance(5min);
  const auto t2 = *sign(test::good_claims(clock_), *k2_, "dl+jwt");
  EXPECT_TRUE(run_sync(v.validate(t2, cache)));
  EXPECT_EQ(fetcher_.count(url_), 2u);
  // A token for a kid nobody published is refused without another fetch.
  const auto t3 = *sign(test::good_claims(clock_), *k3_, "dl+jwt");
  EXPECT_EQ(run_sync(v.validate(t3, cache)).error(), errc::unknown_key);
  EXPECT_EQ(fetcher_.count(url_), 2u);
  // Malformed tokens never reach the cache.
  EXPECT_EQ(run_sync(v.validate("a.b", cache)).error(), errc::malformed);
}

// A fetcher that takes a while, to show that concurrent callers share one fetch.
class slow_fetcher final : public jwks_fetcher {
 public:
  explicit slow_fetcher(std::string body) : body_(std::move(body)) {}
  asio::awaitable<result<std::string>> fetch(std::string) override {
    ++calls;
    asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
    co_await t.async_wait(core::use_tuple);
    co_return body_;
  }
  std::atomic<int> calls{0};

 private:
  std::string body_;
};

TEST_F(RemoteJwks, ConcurrentCallersShareOneFetch) {
  slow_fetcher slow(set_json({k1_}));
  remote_jwks_cache cache(opts(), slow, clock_);
  asio::io_context io;
  std::atomic<int> found{0};
  for (int i = 0; i < 8; ++i) {
    asio::co_spawn(io, cache.keys_for(k1_->kid()), [&](std::exception_ptr e, std::shared_ptr<const jwks> s) {
      if (!e && s && s->find(k1_->kid())) ++found;
    });
  }
  core::thread_group threads(io, 2, "jose-test");
  threads.join();
  EXPECT_EQ(slow.calls.load(), 1);
  EXPECT_EQ(found.load(), 8);
}

TEST_F(RemoteJwks, RunRefreshesInTheBackgroundUntilStopped) {
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  asio::io_context io;
  std::promise<void> done;
  asio::co_spawn(io, cache.run(10ms), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    done.set_value();
  });
  std::thread t([&] { io.run(); });
  for (int i = 0; i < 500 && fetcher_.count(url_) == 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(fetcher_.count(url_), 1u);
  clock_.advance(24h);
  for (int i = 0; i < 500 && fetcher_.count(url_) < 2; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(fetcher_.count(url_), 2u);
  cache.stop();
  EXPECT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  t.join();
}

TEST_F(RemoteJwks, WakeMakesRunLookAtTheClockNow) {
  // One thread (this one) runs the loop with poll(): nothing waits on real time.
  fetcher_.serve(url_, set_json({k1_}));
  remote_jwks_cache cache(opts(), fetcher_, clock_);
  asio::io_context io;
  bool done = false;
  asio::co_spawn(io, cache.run(1h), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    done = true;
  });
  io.poll();  // the first fetch, then asleep for an hour
  EXPECT_EQ(fetcher_.count(url_), 1u);
  fetcher_.serve(url_, set_json({k2_}));  // the issuer rotated
  clock_.advance(24h - 1s);
  cache.wake();
  io.poll();
  EXPECT_EQ(fetcher_.count(url_), 1u);  // awake, but not due yet
  clock_.advance(1s);
  cache.wake();
  io.poll();
  EXPECT_EQ(fetcher_.count(url_), 2u);
  EXPECT_NE(cache.snapshot()->find(k2_->kid()), nullptr);
  EXPECT_FALSE(done);
  cache.stop();
  io.poll();
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace parley::jose
