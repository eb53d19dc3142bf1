#include "test_support.hpp"
#include "user_ids.hpp"

#include <parley/core/testing/log_capture.hpp>
#include <parley/jose/dpop.hpp>

namespace parley::bot::test {
namespace {

using hdrs = std::vector<std::pair<std::string, std::string>>;

hdrs from(std::string o) { return {{"Origin", std::move(o)}}; }

TEST(handshake, new_token_for_an_allowed_origin) {
  core::testing::log_capture logs;
  harness h;
  auto r = h.call("/api/token", json::object{}, from(origin));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = r.json();
  EXPECT_EQ(o.at("conversationId"), "conv-1");
  EXPECT_EQ(o.at("expiresIn"), 1800);
  EXPECT_EQ(str(o.at("channelUrl")), channel_url + "/v3/directline");
  const std::string user(o.at("userId").as_string());
  EXPECT_TRUE(user.starts_with("dl_"));
  EXPECT_GE(user.size(), 3U + 22U);  // 128 bits in base64url
  EXPECT_FALSE(o.at("token").as_string().empty());
  // The channel was called with the secret and the bot's chosen user id, never the page's.
  auto calls = h.http().to(channel_url + "/v3/directline/tokens/generate");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].headers.get("Authorization").value_or(""), "Bearer " + secret);
  auto sent = *core::parse_json_object(calls[0].body);
  EXPECT_EQ(str(sent.at("user").at("id")), user);
  EXPECT_EQ(str(sent.at("trustedOrigins").at(0)), origin);
  // The secret is in no response and no log line.
  EXPECT_EQ(r.body.find(secret), std::string::npos);
  for (const auto& l : logs.lines()) EXPECT_EQ(l.find(secret), std::string::npos) << l;
}

TEST(handshake, the_channel_secret_travels_as_a_sensitive_header) {
  harness h;
  ASSERT_EQ(h.call("/api/token", json::object{}, from(origin)).status, 200);
  auto calls = h.http().to(channel_url + "/v3/directline/tokens/generate");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_TRUE(calls[0].sensitive) << "the HTTP client wipes its copies of the Authorization header";
}

// The widget's proof of its key on GetNewToken (RFC 9449 §5).
std::string proof_for(const jose::signing_key& key, std::string_view htu, core::testing::fake_clock& clock,
                      std::string jti = "jti-0123456789abcdef", std::chrono::seconds skew = {}) {
  jose::claims c;
  c.set("jti", jti);
  c.set("htm", "POST");
  c.set("htu", htu);
  c.set_time("iat", clock.now() + skew);
  return *jose::make_dpop_proof(key, c);
}

TEST(handshake, a_proof_of_a_key_binds_the_token_to_it) {
  harness h;
  const auto key = *jose::signing_key::generate(jose::algorithm::es256);
  const hdrs with_proof = {{"Origin", origin}, {"Host", "assistant.bank.example"},
                           {"DPoP", proof_for(key, "http://assistant.bank.example/api/token", h.clock())}};
  auto r = h.call("/api/token", json::object{}, with_proof);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("tokenType"), "DPoP");
  auto calls = h.http().to(channel_url + "/v3/directline/tokens/generate");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(str(core::parse_json_object(calls[0].body)->at("dpopJkt")), key.kid()) << "the key's RFC 7638 thumbprint";
  // The same proof again is refused (a proof is single-use), and nothing reaches the channel.
  auto replayed = h.call("/api/token", json::object{}, with_proof, "10.0.0.2");
  EXPECT_EQ(replayed.status, 400);
  EXPECT_EQ(h.http().to(channel_url + "/v3/directline/tokens/generate").size(), 1U);
  // Without a proof: a bearer token (the channel decides whether the tenant allows it).
  auto bearer = h.call("/api/token", json::object{}, from(origin), "10.0.0.3");
  ASSERT_EQ(bearer.status, 200);
  EXPECT_EQ(bearer.json().at("tokenType"), "Bearer");
  EXPECT_FALSE(core::parse_json_object(h.http().to(channel_url + "/v3/directline/tokens/generate").back().body)->contains("dpopJkt"));
}

TEST(handshake, an_invalid_proof_is_refused_never_answered_with_a_bearer_token) {
  harness h;
  const auto key = *jose::signing_key::generate(jose::algorithm::es256);
  const auto refused = [&](std::string proof, std::string address) {
    auto r = h.call("/api/token", json::object{}, {{"Origin", origin}, {"Host", "assistant.bank.example"}, {"DPoP", std::move(proof)}},
                    std::move(address));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json().at("error"), "invalid_dpop_proof");
    EXPECT_NE(std::string(r.headers.get("WWW-Authenticate").value_or("")).find("invalid_dpop_proof"), std::string::npos);
    return r;
  };
  refused(proof_for(key, "http://evil.example/api/token", h.clock(), "jti-a-0123456789abcdef"), "10.0.1.1");
  refused(proof_for(key, "http://assistant.bank.example/api/token/refresh", h.clock(), "jti-b-0123456789abcdef"), "10.0.1.2");
  auto skewed = refused(proof_for(key, "http://assistant.bank.example/api/token", h.clock(), "jti-c-0123456789abcdef",
                                  std::chrono::seconds(-120)),
                        "10.0.1.3");
  EXPECT_NE(skewed.body.find("Date header"), std::string::npos) << "the widget learns to use the server's clock";
  refused("not.a.proof", "10.0.1.4");
  EXPECT_TRUE(h.http().to(channel_url + "/v3/directline/tokens/generate").empty());
}

TEST(handshake, user_ids_are_fresh_every_time) {
  harness h;
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = h.call("/api/token", json::object{}, from(origin), "10.0.0." + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    ids.insert(std::string(r.json().at("userId").as_string()));
  }
  EXPECT_EQ(ids.size(), 5U);
}

TEST(handshake, origin_missing_or_not_allowed_is_403_without_calling_the_channel) {
  harness h;
  EXPECT_EQ(h.call("/api/token", json::object{}, {}).status, 403);
  EXPECT_EQ(h.call("/api/token", json::object{}, from("https://evil.example")).status, 403);
  EXPECT_EQ(h.call("/api/token", json::object{}, from("https://www.bankx.example.evil.example")).status, 403);
  EXPECT_EQ(h.call("/api/token", json::object{}, from("http://www.bankx.example")).status, 403);
  EXPECT_TRUE(h.http().to(channel_url + "/v3/directline/tokens/generate").empty());
}

TEST(handshake, body_must_be_empty_object_or_a_user_assertion) {
  harness h;
  EXPECT_EQ(h.call("/api/token", json::object{{"user", json::object{{"id", "dl_mine"}}}}, from(origin)).status, 400);
  EXPECT_EQ(h.call("/api/token", json::array{}, from(origin)).status, 400);
  EXPECT_EQ(h.call("/api/token", json::object{{"userAssertion", 5}}, from(origin)).status, 400);
  // No assertion sites configured: an assertion is refused, not ignored.
  EXPECT_EQ(h.call("/api/token", json::object{{"userAssertion", "a.b.c"}}, from(origin)).status, 400);
}

TEST(handshake, per_address_limit_answers_429_with_retry_after_then_recovers) {
  harness h;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(h.call("/api/token", json::object{}, from(origin)).status, 200) << i;
  auto refused = h.call("/api/token", json::object{}, from(origin));
  EXPECT_EQ(refused.status, 429);
  const auto retry = refused.headers.get("Retry-After");
  ASSERT_TRUE(retry);
  EXPECT_GE(std::stoi(std::string(*retry)), 1);
  // Another address is not affected.
  EXPECT_EQ(h.call("/api/token", json::object{}, from(origin), "10.9.9.9").status, 200);
  // After the advertised wait, the first address gets a token again.
  h.clock().advance(std::chrono::seconds{std::stoi(std::string(*retry))});
  EXPECT_EQ(h.call("/api/token", json::object{}, from(origin)).status, 200);
}

TEST(handshake, global_limit_protects_the_channel_from_many_addresses) {
  harness h({.tweak = [](options& o) {
    o.token_burst_global = 3;
    o.token_rate_global = 1;
  }});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(h.call("/api/token", json::object{}, from(origin), "10.1.0." + std::to_string(i)).status, 200);
  auto r = h.call("/api/token", json::object{}, from(origin), "10.2.0.1");
  EXPECT_EQ(r.status, 429);
  EXPECT_TRUE(r.headers.get("Retry-After"));
  EXPECT_EQ(h.http().to(channel_url + "/v3/directline/tokens/generate").size(), 3U);
}

TEST(handshake, refresh_passes_the_token_and_answers_the_same_shape) {
  harness h;
  auto r = h.call("/api/token/refresh", json::object{}, {{"Authorization", "Bearer current-token"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("userId"), "dl_refreshed");
  EXPECT_EQ(r.json().at("conversationId"), "conv-1");
  EXPECT_EQ(r.json().at("expiresIn"), 1800);
  EXPECT_EQ(str(r.json().at("channelUrl")), channel_url + "/v3/directline");
  auto calls = h.http().to(channel_url + "/v3/directline/tokens/refresh");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].headers.get("Authorization").value_or(""), "Bearer current-token");
}

TEST(handshake, refresh_of_an_expired_token_is_403_token_expired) {
  harness h;
  h.set_refresh_expired(true);
  auto r = h.call("/api/token/refresh", json::object{}, {{"Authorization", "Bearer old"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json().at("error").at("code"), "TokenExpired");
}

TEST(handshake, refresh_needs_a_bearer_token) {
  harness h;
  EXPECT_EQ(h.call("/api/token/refresh", json::object{}, {}).status, 401);
  EXPECT_EQ(h.call("/api/token/refresh", json::object{}, {{"Authorization", "Basic abc"}}).status, 401);
  EXPECT_EQ(h.call("/api/token/refresh", json::object{{"x", 1}}, {{"Authorization", "Bearer t"}}).status, 400);
}

// ---- signed user assertions ----

struct site_keys {
  jose::signing_key key = *jose::signing_key::generate(jose::algorithm::es256);
  jose::signing_key other = *jose::signing_key::generate(jose::algorithm::es256);
};

harness assertion_harness(const site_keys& k) {
  return harness({.tweak = [&k](options& o) {
    assertion_site s;
    s.id = "bankx-web";
    s.issuer = "https://www.bankx.example";
    s.audience = "bankx-assistant";
    s.jwk = jose::to_json(jose::jwk{k.key.public_part(), k.key.kid(), {}, std::nullopt});
    s.algorithms = {"ES256"};
    o.assertion_sites = {s};
    o.user_id_key = std::make_shared<core::secret_string>(std::string(32, 'k'));
  }});
}

std::string assertion(const jose::signing_key& key, core::testing::fake_clock& clock, std::string sub,
                      std::function<void(jose::claims&)> change = {}) {
  jose::claims c;
  c.set("iss", "https://www.bankx.example");
  c.set("aud", "bankx-assistant");
  c.set("sub", sub);
  c.set_time("iat", clock.now());
  c.set_time("exp", clock.now() + 2min);
  if (change) change(c);
  return *jose::sign(c, key, "JWT");
}

TEST(user_assertion, gives_a_stable_pseudonym_that_hides_the_customer_id) {
  site_keys k;
  auto h = assertion_harness(k);
  auto a1 = h.call("/api/token", json::object{{"userAssertion", assertion(k.key, h.clock(), "customer-4711")}}, from(origin));
  ASSERT_EQ(a1.status, 200) << a1.body;
  auto a2 = h.call("/api/token", json::object{{"userAssertion", assertion(k.key, h.clock(), "customer-4711")}}, from(origin));
  auto b = h.call("/api/token", json::object{{"userAssertion", assertion(k.key, h.clock(), "customer-4712")}}, from(origin));
  const std::string id1(a1.json().at("userId").as_string());
  EXPECT_TRUE(id1.starts_with("dl_"));
  EXPECT_EQ(str(a2.json().at("userId")), id1);
  EXPECT_NE(str(b.json().at("userId")), id1);
  for (const auto& req : h.http().to(channel_url + "/v3/directline/tokens/generate")) {
    EXPECT_EQ(req.body.find("customer-47"), std::string::npos);
  }
}

TEST(user_assertion, bad_assertions_are_refused) {
  site_keys k;
  auto h = assertion_harness(k);
  auto& c = h.clock();
  const std::vector<std::string> bad = {
      assertion(k.other, c, "s"),                                                              // wrong key
      assertion(k.key, c, "s", [](jose::claims& x) { x.set("aud", "someone-else"); }),        // wrong audience
      assertion(k.key, c, "s", [](jose::claims& x) { x.set("iss", "https://evil.example"); }),  // unknown issuer
      assertion(k.key, c, "s", [&c](jose::claims& x) { x.set_time("exp", c.now() - 10min); }),  // expired
      assertion(k.key, c, "s", [&c](jose::claims& x) { x.set_time("exp", c.now() + 1h); }),     // lifetime > 5 min
      assertion(k.key, c, "s", [](jose::claims& x) { x.erase("sub"); }),                       // no subject
      core::base64url_encode(std::string_view(R"({"alg":"none","typ":"JWT"})")) + "." +
          core::base64url_encode(std::string_view(R"({"iss":"https://www.bankx.example","aud":"bankx-assistant","sub":"s"})")) + ".",
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    auto r = h.call("/api/token", json::object{{"userAssertion", bad[i]}}, from(origin), "10.0.1." + std::to_string(i));
    EXPECT_EQ(r.status, 401) << i << " " << r.body;
  }
  EXPECT_TRUE(h.http().to(channel_url + "/v3/directline/tokens/generate").empty());
}

TEST(user_ids, random_ids_have_128_bits_and_pseudonyms_depend_on_key_site_and_subject) {
  const auto a = new_user_id(core::os_random());
  EXPECT_EQ(a.size(), 3U + 22U);
  EXPECT_NE(a, new_user_id(core::os_random()));
  auto key = [](char c) {
    const std::string k(32, c);
    return pseudonym_key(*crypto::secure_buffer::copy_of(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(k.data()), k.size())));
  };
  const auto k1 = key('a');
  const auto k2 = key('b');
  EXPECT_EQ(k1.user_id("site", "sub"), k1.user_id("site", "sub"));
  EXPECT_NE(k1.user_id("site", "sub"), k2.user_id("site", "sub"));
  EXPECT_NE(k1.user_id("site", "sub"), k1.user_id("other", "sub"));
  EXPECT_NE(k1.user_id("ab", "c"), k1.user_id("a", "bc"));
  EXPECT_EQ(k1.user_id("site", "sub").find("sub"), std::string::npos);
}

}  // namespace
}  // namespace parley::bot::test
