#include "secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace parley::desk::detail {
namespace {

TEST(desk_secrets, tokens_are_256_random_bits_in_base64url) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto t = random_token(core::os_random());
    EXPECT_TRUE(well_formed_token(t)) << t;
    EXPECT_TRUE(seen.insert(t).second);
  }
  EXPECT_FALSE(well_formed_token("short"));
  EXPECT_FALSE(well_formed_token(std::string(43, '.')));
  EXPECT_FALSE(well_formed_token(std::string(44, 'a')));
}

TEST(desk_secrets, hashes_and_derivations_are_labelled_and_distinct) {
  const std::string s = random_token(core::os_random());
  EXPECT_EQ(hash_ref("session", s), hash_ref("session", s));
  EXPECT_NE(hash_ref("session", s), hash_ref("state", s));
  EXPECT_TRUE(well_formed_token(hash_ref("session", s)));
  const std::string b = random_token(core::os_random());
  EXPECT_NE(derive(b, "pkce", s), derive(b, "nonce", s));
  EXPECT_NE(derive(b, "pkce", s), derive(random_token(core::os_random()), "pkce", s));
  EXPECT_TRUE(well_formed_token(derive(b, "pkce", s)));  // a valid PKCE verifier: 43 unreserved characters
}

TEST(desk_secrets, pkce_s256_matches_rfc7636_appendix_b) {
  EXPECT_EQ(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(desk_secrets, actors_are_keyed_by_issuer_and_subject) {
  EXPECT_EQ(actor_id("https://a", "anna"), actor_id("https://a", "anna"));
  EXPECT_NE(actor_id("https://a", "anna"), actor_id("https://b", "anna"));
  EXPECT_NE(actor_id("https://a", "anna"), actor_id("https://a", "ann"));
  EXPECT_NE(actor_id(std::string("https://a\0b", 11), "c"), actor_id("https://a", std::string("b\0c", 3)));
  EXPECT_EQ(actor_id("https://a", "anna").rfind("c_", 0), 0u);
  EXPECT_EQ(actor_id("https://a", "anna").size(), 2u + 22u);
}

}  // namespace
}  // namespace parley::desk::detail
