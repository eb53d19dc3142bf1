// The channel's key set, and each assertion site's, are refreshed in the background for the bot's
// lifetime: a key rotated in is known before the first token signed with it arrives. Time is the harness's fake
// clock; the loop is woken after the clock moves instead of waiting for its real timer.
#include "service_test_access.hpp"
#include "test_support.hpp"

namespace parley::bot::test {
namespace {

const std::string metadata_url = channel_url + "/v1/.well-known/openidconfiguration";
const std::string keys_url = channel_url + "/v1/.well-known/keys";

// Waits (bounded) for something the loop does on the harness's I/O threads.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

jose::remote_jwks_cache& channel_keys(harness& h) {
  auto* keys = service_test_access::get(h.bot())->auth->keys();
  PARLEY_CHECK(keys != nullptr, "an authenticated bot has a key cache");
  return *keys;
}

void serve_keys(harness& h, std::vector<const jose::signing_key*> keys) {
  h.http().on(keys_url, [keys](const net::client_request&) {
    std::vector<jose::jwk> set;
    for (const auto* k : keys) set.push_back(jose::jwk{k->public_part(), k->kid(), {"directline"}, std::nullopt});
    return net::client_response{200, {}, jose::to_json(*jose::jwks::make(std::move(set)))};
  });
}

TEST(channel_keys, a_rotated_key_is_fetched_in_the_background_before_its_first_token) {
  harness h;
  // Started with the service, before any token arrived.
  ASSERT_TRUE(eventually([&] { return h.http().to(keys_url).size() == 1; }));
  auto& cache = channel_keys(h);
  ASSERT_TRUE(eventually([&] { return cache.snapshot() != nullptr; }));
  const auto& next = h.other_key();
  EXPECT_EQ(cache.snapshot()->find(next.kid()), nullptr);

  // The channel rotates to a new key; a day after the last fetch the bot refreshes on its own.
  serve_keys(h, {&next});
  h.clock().advance(24h);
  cache.wake();
  ASSERT_TRUE(eventually([&] {
    auto s = cache.snapshot();
    return s && s->find(next.kid()) != nullptr;
  }));
  EXPECT_EQ(h.http().to(keys_url).size(), 2U);
  EXPECT_EQ(h.http().to(metadata_url).size(), 2U);

  // The first token signed with the new key needs no fetch of its own.
  EXPECT_EQ(h.deliver(harness::activity("message", "hello"), h.channel_token({}, &next)).status, 200);
  EXPECT_EQ(h.http().to(keys_url).size(), 2U);
}

TEST(channel_keys, a_failed_fetch_at_start_up_is_retried_after_30_seconds) {
  harness h({.tweak = [](options& o) { o.openid_metadata_url = channel_url + "/v1/late/openidconfiguration"; }});
  const std::string late = channel_url + "/v1/late/openidconfiguration";
  auto& cache = channel_keys(h);
  // The channel is not up yet: the start-up fetch fails; a token is refused, and fetches nothing
  // (the unknown-kid cooldown).
  ASSERT_TRUE(eventually([&] { return cache.stats().failures == 1; }));
  h.http().on(late, [](const net::client_request&) {
    return json_answer(200, json::object{{"issuer", channel_url}, {"jwks_uri", keys_url}});
  });
  EXPECT_EQ(h.deliver(harness::activity("message", "hello")).status, 401);
  EXPECT_EQ(h.http().to(late).size(), 1U);
  // 30 s later the background loop tries again, and tokens are accepted.
  h.clock().advance(channel_keys_retry);
  cache.wake();
  ASSERT_TRUE(eventually([&] { return cache.snapshot() != nullptr; }));
  EXPECT_EQ(h.http().to(late).size(), 2U);
  EXPECT_EQ(h.deliver(harness::activity("message", "hello")).status, 200);
}

TEST(channel_keys, stop_ends_the_refresh_loop) {
  harness h;
  auto state = service_test_access::get(h.bot());
  ASSERT_TRUE(eventually([&] { return h.http().to(keys_url).size() == 1; }));
  // The loop holds the state while it runs, and lets go once stopped.
  const auto held = state.use_count();
  h.bot().stop();
  EXPECT_TRUE(eventually([&] { return state.use_count() == held - 1; }));
}

TEST(channel_keys, an_anonymous_bot_fetches_no_keys) {
  harness h({.anonymous = true});
  // The channel started the conversation (an anonymous bot takes no other: issue 14).
  ASSERT_TRUE(h.run(h.store().ensure_tenant("bankx")));
  ASSERT_TRUE(h.run(h.store().create_conversation("bankx", "conv-1", "bankx-assistant", "dl_user1")));
  EXPECT_EQ(h.deliver(harness::activity("message", "hello"), std::string{}).status, 200);
  EXPECT_TRUE(h.http().to(metadata_url).empty());
}

TEST(site_keys, an_assertion_sites_jwks_is_fetched_in_the_background_and_retried_after_30_seconds) {
  const std::string site_jwks = "https://www.bankx.example/.well-known/jwks.json";
  harness h({.tweak = [&](options& o) {
    assertion_site s;
    s.id = "bankx-web";
    s.issuer = "https://www.bankx.example";
    s.audience = "bankx-assistant";
    s.jwks_url = site_jwks;
    s.algorithms = {"ES256"};
    o.assertion_sites = {s};
    o.user_id_key = std::make_shared<core::secret_string>(std::string(32, 'k'));
  }});
  auto caches = service_test_access::get(h.bot())->assertions->remote_caches();
  ASSERT_EQ(caches.size(), 1U);
  auto& cache = *caches[0];
  // Fetched at start, before any assertion (the site does not answer yet).
  ASSERT_TRUE(eventually([&] { return cache.stats().failures == 1; }));
  EXPECT_EQ(h.http().to(site_jwks).size(), 1U);
  const auto key = *jose::signing_key::generate(jose::algorithm::es256);
  h.http().on(site_jwks, [&key](const net::client_request&) {
    const jose::jwk k{key.public_part(), key.kid(), {}, std::nullopt};
    return net::client_response{200, {}, jose::to_json(*jose::jwks::make({k}))};
  });
  h.clock().advance(site_keys_retry);
  cache.wake();
  ASSERT_TRUE(eventually([&] { return cache.snapshot() != nullptr; }));
  // An assertion signed with it is accepted without a fetch of its own.
  jose::claims c;
  c.set("iss", "https://www.bankx.example");
  c.set("aud", "bankx-assistant");
  c.set("sub", "customer-4711");
  c.set_time("iat", h.clock().now());
  c.set_time("exp", h.clock().now() + 2min);
  auto r = h.call("/api/token", json::object{{"userAssertion", *jose::sign(c, key, "JWT")}}, {{"Origin", origin}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(h.http().to(site_jwks).size(), 2U);
}

}  // namespace
}  // namespace parley::bot::test
