#include <bankx/tokens.hpp>

#include <parley/core/testing/fake_clock.hpp>

#include <gtest/gtest.h>

namespace bankx {
namespace {

using namespace std::chrono_literals;

struct TokenStore : ::testing::Test {
  parley::core::testing::fake_clock clock;
  token_store store{"bxa_", 600s, 3, clock, parley::core::os_random()};
};

TEST_F(TokenStore, IssuesOpaqueTokensThatNameTheirSubject) {
  auto t = store.issue("anna.schmidt");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token.size(), 4u + 43u);
  EXPECT_EQ(t->token.substr(0, 4), "bxa_");
  EXPECT_EQ(t->token.find("anna"), std::string::npos) << "opaque: nothing of the subject in the token";
  EXPECT_EQ(t->expires_in, 600s);
  EXPECT_EQ(store.validate(t->token).value(), "anna.schmidt");
  EXPECT_NE(store.issue("anna.schmidt")->token, t->token);
}

TEST_F(TokenStore, ExpiresAfterItsLifetime) {
  const auto t = store.issue("anna.schmidt")->token;
  clock.advance(599s);
  EXPECT_TRUE(store.validate(t));
  clock.advance(1s);
  EXPECT_EQ(store.validate(t).error(), errc::invalid_token);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(TokenStore, RevokedTokensAreGone) {
  const auto t = store.issue("anna.schmidt")->token;
  const auto other = store.issue("anna.schmidt")->token;
  EXPECT_TRUE(store.revoke(t));
  EXPECT_EQ(store.validate(t).error(), errc::invalid_token);
  EXPECT_FALSE(store.revoke(t)) << "a second revoke is a no-op";
  EXPECT_TRUE(store.validate(other)) << "only that token";
}

TEST_F(TokenStore, RefusesForeignAndMalformedTokens) {
  const auto t = store.issue("anna.schmidt")->token;
  token_store sessions{"bxd_", 600s, 3, clock, parley::core::os_random()};
  EXPECT_EQ(sessions.validate(t).error(), errc::invalid_token) << "another store's token";
  std::string tampered = t;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(store.validate(tampered).error(), errc::invalid_token);
  EXPECT_EQ(store.validate("").error(), errc::invalid_token);
  EXPECT_EQ(store.validate(t + "x").error(), errc::invalid_token);
  EXPECT_EQ(store.validate("bxd_" + t.substr(4)).error(), errc::invalid_token);
}

TEST_F(TokenStore, BoundedAndFreedByExpiry) {
  ASSERT_TRUE(store.issue("a"));
  ASSERT_TRUE(store.issue("b"));
  ASSERT_TRUE(store.issue("c"));
  EXPECT_EQ(store.issue("d").error(), errc::temporarily_unavailable);
  clock.advance(601s);
  EXPECT_TRUE(store.issue("d"));
}

TEST(TokenLogId, IsAShortHashPrefixNotThePrefixOfTheToken) {
  const std::string token = "bxa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const auto id = token_log_id(token);
  EXPECT_EQ(id.size(), 12u);
  EXPECT_EQ(token.find(id), std::string::npos);
  EXPECT_EQ(id, token_log_id(token));
}

}  // namespace
}  // namespace bankx
