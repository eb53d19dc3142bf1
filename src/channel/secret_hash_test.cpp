#include <parley/channel/error.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/core/testing/fake_random.hpp>

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

const std::string secret = "a-generated-channel-secret-0123456789";

TEST(SecretHash, HashThenVerify) {
  auto h = hash_secret(secret, core::os_random());
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_TRUE(h->starts_with("$scrypt$ln=14,r=8,p=1$"));
  EXPECT_EQ(h->find(secret), std::string::npos);
  auto parsed = parse_secret_hash(*h);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(verify_secret(secret, *parsed));
  EXPECT_FALSE(verify_secret(secret + "x", *parsed));
  EXPECT_FALSE(verify_secret(secret.substr(1), *parsed));
  EXPECT_FALSE(verify_secret("", *parsed));
}

TEST(SecretHash, SaltMakesEveryHashDifferent) {
  auto a = hash_secret(secret, core::os_random());
  auto b = hash_secret(secret, core::os_random());
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(SecretHash, RefusesShortSecrets) {
  EXPECT_EQ(hash_secret("short", core::os_random()).error(), errc::bad_argument);
  EXPECT_EQ(hash_secret(std::string(min_secret_length - 1, 'x'), core::os_random()).error(), errc::bad_argument);
  EXPECT_TRUE(hash_secret(std::string(min_secret_length, 'x'), core::os_random()));
}

TEST(SecretHash, ParseIsStrict) {
  core::testing::counter_random rng;
  auto good = hash_secret(secret, rng);
  ASSERT_TRUE(good);
  EXPECT_TRUE(parse_secret_hash(*good));
  const std::string salt_and_hash = good->substr(good->find("p=1$") + 3);
  for (const std::string& bad : std::vector<std::string>{
           std::string(""), std::string("plain-secret"), "$scrypt$ln=14,r=8$" + salt_and_hash.substr(1),
           "$scrypt$ln=9,r=8,p=1" + salt_and_hash,    // too weak
           "$scrypt$ln=21,r=8,p=1" + salt_and_hash,   // too costly
           "$scrypt$ln=014,r=8,p=1" + salt_and_hash,  // leading zero
           "$scrypt$ln=14,r=8,p=1" + salt_and_hash + "$", "$bcrypt$ln=14,r=8,p=1" + salt_and_hash,
           "$scrypt$ln=14,r=8,p=1$AAAA$" + salt_and_hash.substr(salt_and_hash.rfind('$') + 1),  // short salt
           *good + "A",                                                                            // hash length
       }) {
    EXPECT_FALSE(parse_secret_hash(bad)) << bad;
  }
}

}  // namespace
}  // namespace parley::channel
