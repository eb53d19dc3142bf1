#include <parley/core/testing/fake_clock.hpp>
#include <parley/login/token_vault.hpp>

#include <gtest/gtest.h>

namespace parley::login {
namespace {

using namespace std::chrono_literals;

class vault_test : public ::testing::Test {
 protected:
  crypto::sealed_secret seal(std::string_view token) { return *sealer.seal(token, "test/access-token"); }
  std::string open(const conversation_key& k) {
    auto r = vault.with_token(k, [](const crypto::sealed_secret& s) {
      return *s.with_plaintext([](std::string_view t) { return std::string(t); });
    });
    return r ? *r : std::string("<none>");
  }

  core::testing::fake_clock clock;
  crypto::secret_sealer sealer = *crypto::secret_sealer::create();
  token_vault vault{clock, 15min};
  conversation_key anna{"bankx", "conv-anna"};
  conversation_key ben{"bankx", "conv-ben"};
};

TEST_F(vault_test, keeps_one_token_per_conversation_and_opens_it_only_in_the_callback) {
  vault.put(anna, seal("token-anna"), 600s);
  vault.put(ben, seal("token-ben"), 600s);
  EXPECT_TRUE(vault.contains(anna));
  EXPECT_EQ(open(anna), "token-anna");
  EXPECT_EQ(open(ben), "token-ben");
  vault.put(anna, seal("token-anna-2"), 600s);  // a new login replaces the old token
  EXPECT_EQ(open(anna), "token-anna-2");
  EXPECT_EQ(vault.size(), 2u);
  EXPECT_FALSE(vault.contains({"other-tenant", "conv-anna"}));
}

TEST_F(vault_test, entry_expires_with_the_bank_token) {
  vault.put(anna, seal("token-anna"), 600s);
  clock.advance(599s);
  // Used recently enough not to be idle: only the bank's expiry matters here.
  EXPECT_EQ(open(anna), "token-anna");
  clock.advance(1s);
  EXPECT_FALSE(vault.contains(anna));
  EXPECT_EQ(open(anna), "<none>");
  auto r = vault.with_token(anna, [](const crypto::sealed_secret&) { return 1; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_logged_in);
}

TEST_F(vault_test, idle_timeout_wipes_an_unused_token_and_every_use_resets_it) {
  token_vault v(clock, 5min);
  v.put(anna, seal("token-anna"), 3600s);
  v.put(ben, seal("token-ben"), 3600s);
  clock.advance(4min);
  EXPECT_TRUE(v.use(anna) != nullptr);  // a use at 4 min
  clock.advance(4min);                  // anna: 4 min idle; ben: 8 min idle
  EXPECT_TRUE(v.contains(anna));
  EXPECT_FALSE(v.contains(ben));
  EXPECT_EQ(v.sweep(), 1u);
  EXPECT_EQ(v.size(), 1u);
  clock.advance(1min);
  EXPECT_FALSE(v.contains(anna));
  EXPECT_EQ(v.sweep(), 1u);
  EXPECT_EQ(v.size(), 0u);
}

TEST_F(vault_test, sweep_wipes_expired_entries_and_keeps_live_ones) {
  vault.put(anna, seal("token-anna"), 60s);
  vault.put(ben, seal("token-ben"), 600s);
  clock.advance(61s);
  EXPECT_EQ(vault.sweep(), 1u);
  EXPECT_EQ(vault.size(), 1u);
  EXPECT_EQ(open(ben), "token-ben");
}

TEST_F(vault_test, logout_takes_the_token_once_and_erase_wipes) {
  vault.put(anna, seal("token-anna"), 600s);
  auto taken = vault.take(anna);
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken->token.with_plaintext([](std::string_view t) { return std::string(t); }), "token-anna");
  EXPECT_FALSE(vault.contains(anna));
  EXPECT_EQ(vault.take(anna), nullptr);
  vault.put(ben, seal("token-ben"), 600s);
  EXPECT_TRUE(vault.erase(ben));
  EXPECT_FALSE(vault.erase(ben));
  EXPECT_EQ(open(ben), "<none>");
}

TEST_F(vault_test, take_refuses_an_expired_token) {
  vault.put(anna, seal("token-anna"), 60s);
  clock.advance(60s);
  EXPECT_EQ(vault.take(anna), nullptr);
  EXPECT_EQ(vault.size(), 0u);
}

TEST_F(vault_test, clear_wipes_everything_at_shutdown) {
  vault.put(anna, seal("token-anna"), 600s);
  vault.put(ben, seal("token-ben"), 600s);
  auto held = vault.use(anna);  // a call in flight keeps its handle...
  vault.clear();
  EXPECT_EQ(vault.size(), 0u);
  EXPECT_FALSE(vault.contains(anna));
  ASSERT_TRUE(held);  // ...which stays usable until the call ends, and is wiped when dropped
  EXPECT_FALSE(held->token.empty());
}

TEST_F(vault_test, the_vault_holds_only_sealed_bytes) {
  const std::string token = "token-anna-plaintext-0123456789";
  vault.put(anna, seal(token), 600s);
  auto e = vault.use(anna);
  ASSERT_TRUE(e);
  const auto bytes = e->token.sealed_bytes();
  const std::string_view sealed(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  EXPECT_EQ(sealed.find(token), std::string_view::npos);
  EXPECT_EQ(fmt::format("{}", e->token), "[sealed]");
}

}  // namespace
}  // namespace parley::login
