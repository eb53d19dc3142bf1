#include "test_util.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/testing/fake_random.hpp>
#include <parley/crypto/aead.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/crypto/root_key.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace parley::crypto {
namespace {

namespace fs = std::filesystem;

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/parley-crypto-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& p, std::string_view content, fs::perms mode) {
    std::ofstream(p, std::ios::binary) << content;
    fs::permissions(p, mode);
  }
  fs::path dir_;
};

using RootKeyFile = TempDir;

TEST_F(RootKeyFile, CreateWritesA0600FileOfThirtyTwoBytesAndRefusesToOverwrite) {
  const auto file = dir_ / "root.key";
  auto check = root_key::create_file(file);
  ASSERT_TRUE(check) << check.error().message();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto key = root_key::load_file(file, 1);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->check_value(), *check);
  const auto before = fs::last_write_time(file);
  EXPECT_EQ(root_key::create_file(file).error(), errc::already_exists);
  EXPECT_EQ(fs::last_write_time(file), before);
  // Not through a symlink either, dangling or not.
  fs::create_symlink(dir_ / "elsewhere.key", dir_ / "link.key");
  EXPECT_EQ(root_key::create_file(dir_ / "link.key").error(), errc::already_exists);
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere.key"));
}

TEST_F(RootKeyFile, LooserPermissionsAreRefused) {
  const auto file = dir_ / "root.key";
  ASSERT_TRUE(root_key::create_file(file));
  for (const auto mode : {fs::perms(0640), fs::perms(0604), fs::perms(0700), fs::perms(0666)}) {
    fs::permissions(file, mode);
    EXPECT_EQ(root_key::load_file(file, 1).error(), errc::insecure_file) << static_cast<int>(mode);
  }
  fs::permissions(file, fs::perms(0400));
  EXPECT_TRUE(root_key::load_file(file, 1));
}

TEST_F(RootKeyFile, WrongSizeSymlinkAndMissingFilesAreRefused) {
  write(dir_ / "short.key", std::string(31, 'k'), fs::perms(0600));
  EXPECT_EQ(root_key::load_file(dir_ / "short.key", 1).error(), errc::malformed);
  write(dir_ / "long.key", std::string(33, 'k'), fs::perms(0600));
  EXPECT_EQ(root_key::load_file(dir_ / "long.key", 1).error(), errc::malformed);
  write(dir_ / "real.key", std::string(32, 'k'), fs::perms(0600));
  fs::create_symlink(dir_ / "real.key", dir_ / "link.key");
  EXPECT_EQ(root_key::load_file(dir_ / "link.key", 1).error(), errc::insecure_file);
  EXPECT_EQ(root_key::load_file(dir_ / "absent.key", 1).error(), errc::io_error);
  EXPECT_EQ(root_key::load_file(dir_, 1).error(), errc::io_error);
}

TEST(RootKey, Base64UrlFormMatchesTheFileForm) {
  std::vector<std::uint8_t> raw(32);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7);
  auto a = root_key::from_base64url(core::base64url_encode(raw), 1);
  auto b = root_key::from_bytes(*secure_buffer::copy_of(raw), 1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->check_value(), b->check_value());
  EXPECT_EQ(a->check_value(), hmac_sha256(raw, as_bytes("parley/v1/root-key-check")));
  EXPECT_EQ(root_key::from_base64url(core::base64url_encode(std::span(raw).first(31)), 1).error(), errc::malformed);
  EXPECT_EQ(root_key::from_base64url(core::base64_encode(raw), 1).error(), errc::malformed);  // padded
  EXPECT_EQ(root_key::from_base64url("", 1).error(), errc::malformed);
  EXPECT_EQ(root_key::from_bytes(*secure_buffer::copy_of(raw), 0).error(), errc::invalid_argument);
}

TEST(RootKey, WrongRootKeyIsDetectedByTheCheckValue) {
  auto right = *root_key::generate(1);
  auto wrong = *root_key::generate(1);
  const key_check_value stored = right.check_value();  // what the store keeps beside the data
  EXPECT_TRUE(right.verify(stored));
  EXPECT_EQ(wrong.verify(stored).error(), errc::wrong_root_key);
  EXPECT_EQ(right.verify(std::span(stored).first(31)).error(), errc::wrong_root_key);
  EXPECT_NE(right.check_value(), wrong.check_value());
}

TEST(RootKey, GenericWrapBindsAssociatedData) {
  auto root = *root_key::generate(2);
  const auto secret = test::bytes_of("-----BEGIN PRIVATE KEY----- pretend PKCS#8 -----END PRIVATE KEY-----");
  const auto ad = test::bytes_of("jose:signing-key:kid=2026-11-a");
  auto wrapped = root.wrap(secret, ad);
  ASSERT_TRUE(wrapped);
  EXPECT_FALSE(test::contains(*wrapped, std::span(secret).first(16)));
  auto h = parse_sealed(*wrapped);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->key_id, "root");
  EXPECT_EQ(h->key_version, 2u);
  auto back = root.unwrap(*wrapped, ad);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->is_protected());
  EXPECT_TRUE(std::equal(secret.begin(), secret.end(), back->data(), back->data() + back->size()));
  EXPECT_EQ(root.unwrap(*wrapped, test::bytes_of("jose:signing-key:kid=other")).error(), errc::authentication_failed);
  auto other_same_version = *root_key::generate(2);
  EXPECT_EQ(other_same_version.unwrap(*wrapped, ad).error(), errc::authentication_failed);
  EXPECT_EQ(root_key::generate(3)->unwrap(*wrapped, ad).error(), errc::key_mismatch);
  EXPECT_EQ(root.wrap({}, ad).error(), errc::invalid_argument);
}

using ErasureSecretsFile = TempDir;

TEST_F(ErasureSecretsFile, SaveAndLoadRoundTripWithPrivatePermissions) {
  erasure_secrets s;
  ASSERT_TRUE(s.create("bankx", 1));
  ASSERT_TRUE(s.create("bankx", 2));
  ASSERT_TRUE(s.create("insurer-y", 1));
  EXPECT_EQ(s.create("bankx", 2).error(), errc::already_exists);
  EXPECT_EQ(s.create("bad tenant", 1).error(), errc::invalid_argument);
  const auto file = dir_ / "erasure.secrets";
  ASSERT_TRUE(s.save_file(file));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto loaded = erasure_secrets::load_file(file);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->size(), 3u);
  EXPECT_TRUE(loaded->contains("insurer-y", 1));
  EXPECT_TRUE(loaded->destroy("bankx", 1));
  EXPECT_FALSE(loaded->destroy("bankx", 1));
  ASSERT_TRUE(loaded->save_file(file));
  auto again = erasure_secrets::load_file(file);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->contains("bankx", 1));
  EXPECT_TRUE(again->contains("bankx", 2));
  EXPECT_FALSE(fs::exists(dir_ / "erasure.secrets.tmp"));
}

TEST_F(ErasureSecretsFile, CorruptionTruncationAndLoosePermissionsAreRefused) {
  erasure_secrets s;
  ASSERT_TRUE(s.create("bankx", 1));
  const auto file = dir_ / "erasure.secrets";
  ASSERT_TRUE(s.save_file(file));
  std::string image;
  {
    std::ifstream in(file, std::ios::binary);
    image.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (std::size_t i = 0; i < image.size(); i += 7) {
    auto bad = image;
    bad[i] ^= 0x01;
    write(file, bad, fs::perms(0600));
    EXPECT_EQ(erasure_secrets::load_file(file).error(), errc::malformed) << i;
  }
  write(file, image.substr(0, image.size() - 1), fs::perms(0600));
  EXPECT_EQ(erasure_secrets::load_file(file).error(), errc::malformed);
  write(file, image, fs::perms(0644));
  EXPECT_EQ(erasure_secrets::load_file(file).error(), errc::insecure_file);
  EXPECT_EQ(s.save_file(file).error(), errc::insecure_file);
}

}  // namespace
}  // namespace parley::crypto
