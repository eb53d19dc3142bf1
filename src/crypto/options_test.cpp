#include <parley/core/base64.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/options.hpp>

#include <gtest/gtest.h>

namespace parley::crypto {
namespace {

TEST(CryptoOptions, ParsesTheSection) {
  auto cfg = core::config::parse(
      "[crypto]\nroot_key_env = \"PARLEY_ROOT_KEY\"\nroot_key_version = 3\nerasure_secrets_file = \"/x/e\"\n", {});
  const auto o = parse_options(cfg->section("crypto"));
  EXPECT_TRUE(cfg->ok());
  EXPECT_EQ(o.root_key_env, "PARLEY_ROOT_KEY");
  EXPECT_EQ(o.root_key_version, 3u);
  EXPECT_EQ(o.erasure_secrets_file, "/x/e");
}

TEST(CryptoOptions, RefusesBothSourcesUnknownKeysAndVersionZero) {
  auto cfg = core::config::parse(
      "[crypto]\nroot_key_file = \"/k\"\nroot_key_env = \"K\"\nroot_key_version = 0\nroot_key = \"inline\"\n", {});
  (void)parse_options(cfg->section("crypto"));
  EXPECT_EQ(cfg->errors().size(), 3u);
}

TEST(CryptoOptions, LoadsTheRootKeyFromTheEnvironment) {
  const std::vector<std::uint8_t> raw(32, 0x5a);
  options o;
  o.root_key_env = "PARLEY_ROOT_KEY";
  o.root_key_version = 4;
  auto key = load_root_key(o, {{"PARLEY_ROOT_KEY", core::base64url_encode(raw)}});
  ASSERT_TRUE(key);
  EXPECT_EQ(key->version(), 4u);
  EXPECT_EQ(load_root_key(o, {}).error(), errc::malformed);
  EXPECT_EQ(load_root_key(options{}, {}).error(), errc::invalid_argument);
}

}  // namespace
}  // namespace parley::crypto
