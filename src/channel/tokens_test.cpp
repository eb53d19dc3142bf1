#include "test_support.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

using namespace std::chrono_literals;

conversation_grant grant() {
  conversation_grant g;
  g.conversation_id = "conv-A";
  g.user_id = "dl_user1";
  g.bot_id = "bankx-assistant";
  g.tenant_id = "bankx";
  g.trusted_origins = {"https://www.bankx.example"};
  g.session_id = "session-A";
  g.session_start = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));  // fake_clock's start
  g.generation = 0;
  return g;
}

// The decoded JSON of one segment of a compact JWS.
boost::json::object segment(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  const auto end = token.find('.', start);
  return *core::parse_json_object(*core::base64url_decode_string(token.substr(start, end - start)));
}

class Tokens : public ::testing::Test {
 protected:
  testing::key_fixture fx_;
  options opts_ = testing::test_options();
  token_service tokens_{opts_, fx_.keys(), fx_.clock(), core::os_random()};
};

TEST_F(Tokens, ConversationTokenRoundTripWithUserClaim) {
  auto t = tokens_.issue_conversation_token(grant(), 30min);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, 30min);
  const auto header = segment(t->token, 0);
  EXPECT_EQ(header.at("alg"), "ES256");
  EXPECT_EQ(header.at("typ"), "dl+jwt");
  const auto payload = segment(t->token, 1);
  EXPECT_EQ(payload.at("user"), "dl_user1");  // what directlinejs and Web Chat read
  EXPECT_EQ(payload.at("conv"), "conv-A");
  auto g = tokens_.verify_conversation_token(t->token);
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ(g->conversation_id, "conv-A");
  EXPECT_EQ(g->user_id, "dl_user1");
  EXPECT_EQ(g->bot_id, "bankx-assistant");
  EXPECT_EQ(g->tenant_id, "bankx");
  EXPECT_EQ(g->trusted_origins, std::vector<std::string>{"https://www.bankx.example"});
}

TEST_F(Tokens, ExpiryIsTokenExpiredWithAndWithoutCache) {
  auto t = tokens_.issue_conversation_token(grant(), 60s);
  ASSERT_TRUE(tokens_.verify_conversation_token(t->token));  // cached now
  EXPECT_EQ(tokens_.cached_verifications(), 1u);
  fx_.clock().advance(59s);
  EXPECT_TRUE(tokens_.verify_conversation_token(t->token));
  fx_.clock().advance(5s);  // past exp, within the 5 s of skew: still accepted (cached)
  EXPECT_TRUE(tokens_.verify_conversation_token(t->token));
  fx_.clock().advance(2s);  // past exp + 5 s
  EXPECT_EQ(tokens_.verify_conversation_token(t->token).error(), errc::token_expired);
  auto fresh = tokens_.issue_conversation_token(grant(), 60s);
  fx_.clock().advance(2min);
  EXPECT_EQ(tokens_.verify_conversation_token(fresh->token).error(), errc::token_expired);
}

TEST_F(Tokens, TamperedOrForeignTokensAreRefused) {
  auto t = tokens_.issue_conversation_token(grant(), 30min);
  std::string tampered = t->token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(tokens_.verify_conversation_token(tampered).error(), errc::bad_credentials);
  EXPECT_EQ(tokens_.verify_conversation_token("not-a-token").error(), errc::bad_credentials);
  EXPECT_EQ(tokens_.verify_conversation_token("").error(), errc::bad_credentials);
  // A stream token or a bot access token is not a conversation token, and the reverse.
  auto stream = tokens_.issue_stream_token(grant());
  EXPECT_EQ(tokens_.verify_conversation_token(*stream).error(), errc::bad_credentials);
  auto access = tokens_.issue_bot_access_token("app-bankx", "botframework.com");
  EXPECT_EQ(tokens_.verify_conversation_token(access->token).error(), errc::bad_credentials);
  EXPECT_EQ(tokens_.verify_bot_access_token(t->token).error(), errc::bad_credentials);
  EXPECT_EQ(tokens_.redeem_stream_token(t->token).error(), errc::bad_credentials);
  // Another channel's keys (another key store) do not verify here.
  testing::key_fixture other;
  token_service foreign(opts_, other.keys(), fx_.clock(), core::os_random());
  auto forged = foreign.issue_conversation_token(grant(), 30min);
  EXPECT_EQ(tokens_.verify_conversation_token(forged->token).error(), errc::bad_credentials);
}

TEST_F(Tokens, SessionClaimsAndKeyBindingRoundTrip) {
  auto g = grant();
  g.generation = 3;
  g.jkt = std::string(43, 'K');
  auto t = tokens_.issue_conversation_token(g, 5min);
  ASSERT_TRUE(t);
  const auto payload = segment(t->token, 1);
  EXPECT_EQ(payload.at("sid"), "session-A");
  EXPECT_EQ(payload.at("sst").as_int64(), 1767225600);
  EXPECT_EQ(payload.at("gen").as_int64(), 3);
  EXPECT_EQ(std::string(payload.at("cnf").at("jkt").as_string()), g.jkt);
  auto back = tokens_.verify_conversation_token(t->token);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->session_id, "session-A");
  EXPECT_EQ(back->session_start, g.session_start);
  EXPECT_EQ(back->generation, 3u);
  EXPECT_EQ(back->jkt, g.jkt);
  EXPECT_TRUE(back->bound());
  // The stream token carries the binding too.
  auto stream = tokens_.issue_stream_token(g);
  EXPECT_EQ(std::string(segment(*stream, 1).at("cnf").at("jkt").as_string()), g.jkt);
  // Without a key: a bearer token, no cnf.
  auto bearer = tokens_.issue_conversation_token(grant(), 5min);
  EXPECT_FALSE(segment(bearer->token, 1).contains("cnf"));
  EXPECT_FALSE(tokens_.verify_conversation_token(bearer->token)->bound());
}

TEST_F(Tokens, ATokenWithoutSessionClaimsIsRefused) {
  auto g = grant();
  g.session_id.clear();  // what a token from before sessions looks like to the parser
  auto t = tokens_.issue_conversation_token(g, 5min);
  EXPECT_EQ(tokens_.verify_conversation_token(t->token).error(), errc::bad_credentials);
}

TEST_F(Tokens, AStreamTokenFailingItsCheckStaysUnused) {
  auto s = tokens_.issue_stream_token(grant());
  int calls = 0;
  auto refused = tokens_.redeem_stream_token(*s, [&](const conversation_grant&) {
    ++calls;
    return make_error_code(errc::dpop_required);
  });
  EXPECT_EQ(refused.error(), errc::dpop_required);
  EXPECT_TRUE(tokens_.redeem_stream_token(*s, [&](const conversation_grant&) {
    ++calls;
    return error_code{};
  }));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(tokens_.redeem_stream_token(*s).error(), errc::bad_credentials);
}

TEST_F(Tokens, StreamTokenIsSingleUseAndShortLived) {
  auto s = tokens_.issue_stream_token(grant());
  ASSERT_TRUE(s);
  const auto payload = segment(*s, 1);
  EXPECT_EQ(payload.at("exp").as_int64() - payload.at("nbf").as_int64(), 60);
  auto g = tokens_.redeem_stream_token(*s);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->conversation_id, "conv-A");
  EXPECT_EQ(tokens_.redeem_stream_token(*s).error(), errc::bad_credentials);
  auto late = tokens_.issue_stream_token(grant());
  fx_.clock().advance(91s);
  EXPECT_EQ(tokens_.redeem_stream_token(*late).error(), errc::token_expired);
}

TEST_F(Tokens, ToBotTokenHasAzuresClaimsAndIsCachedPerServiceUrl) {
  auto a = tokens_.to_bot_token("app-bankx", "http://127.0.0.1:8401/");
  ASSERT_TRUE(a);
  const auto header = segment(*a, 0);
  EXPECT_EQ(header.at("alg"), "RS256");
  EXPECT_EQ(header.at("typ"), "JWT");
  const auto claims = segment(*a, 1);
  EXPECT_EQ(claims.size(), 5u);
  EXPECT_EQ(claims.at("serviceurl"), "http://127.0.0.1:8401/");
  EXPECT_EQ(claims.at("aud"), "app-bankx");
  EXPECT_EQ(claims.at("iss"), "http://127.0.0.1:8401");
  EXPECT_EQ(claims.at("exp").as_int64() - claims.at("nbf").as_int64(), 3600);
  EXPECT_EQ(*tokens_.to_bot_token("app-bankx", "http://127.0.0.1:8401/"), *a);
  EXPECT_NE(*tokens_.to_bot_token("app-bankx", "http://other/"), *a);
  fx_.clock().advance(54min);
  EXPECT_EQ(*tokens_.to_bot_token("app-bankx", "http://127.0.0.1:8401/"), *a);
  fx_.clock().advance(2min);  // inside the 5-minute margin: a new one
  EXPECT_NE(*tokens_.to_bot_token("app-bankx", "http://127.0.0.1:8401/"), *a);
}

TEST_F(Tokens, ToBotJwksCarriesEndorsements) {
  auto jwks = tokens_.to_bot_jwks();
  ASSERT_TRUE(jwks);
  auto doc = core::parse_json_object(*jwks);
  ASSERT_TRUE(doc);
  const auto& keys = doc->at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].at("kty"), "RSA");
  EXPECT_EQ(keys[0].at("endorsements").as_array().at(0), "directline");
  EXPECT_FALSE(keys[0].as_object().contains("d"));
}

TEST_F(Tokens, BotAccessTokenRoundTrip) {
  auto t = tokens_.issue_bot_access_token("app-bankx", "bankx");
  ASSERT_TRUE(t);
  const auto claims = segment(t->token, 1);
  EXPECT_EQ(claims.at("aud"), "http://127.0.0.1:8401");
  EXPECT_EQ(claims.at("appid"), "app-bankx");
  auto g = tokens_.verify_bot_access_token(t->token);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->app_id, "app-bankx");
  EXPECT_EQ(g->tenant_id, "bankx");
  fx_.clock().advance(2h);
  EXPECT_EQ(tokens_.verify_bot_access_token(t->token).error(), errc::token_expired);
}

TEST_F(Tokens, CacheCanBeDisabled) {
  opts_.verify_cache_entries = 0;
  token_service uncached(opts_, fx_.keys(), fx_.clock(), core::os_random());
  auto t = uncached.issue_conversation_token(grant(), 30min);
  EXPECT_TRUE(uncached.verify_conversation_token(t->token));
  EXPECT_TRUE(uncached.verify_conversation_token(t->token));
  EXPECT_EQ(uncached.cached_verifications(), 0u);
}

}  // namespace
}  // namespace parley::channel
