#include "key_file.hpp"
#include "test_util.hpp"

#include <parley/core/config.hpp>
#include <parley/core/json.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/key_store.hpp>
#include <parley/jose/options.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace parley::jose {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class KeyStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("parley-jose-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    opts_.file = dir_ / "data" / "signing-keys.json";
    opts_.overlap = 2h;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<signing_key_store> open(testing::test_key_wrapper& w, std::vector<key_purpose> purposes = purposes_) {
    auto s = signing_key_store::open(opts_, std::move(purposes), w, clock_);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }
  std::string file_text() const { return *core::read_file(opts_.file); }

  fs::path dir_;
  key_store_options opts_;
  core::testing::fake_clock clock_;
  testing::test_key_wrapper wrapper_;
  inline static const std::vector<key_purpose> purposes_ = {{"directline", algorithm::es256},
                                                            {"connector", algorithm::rs256}};
};

TEST_F(KeyStore, FirstStartGeneratesOneActiveKeyPerPurposeAndWritesA0600File) {
  core::testing::log_capture logs;
  auto s = open(wrapper_);
  ASSERT_TRUE(s);
  auto dl = s->signer("directline");
  auto conn = s->signer("connector");
  ASSERT_TRUE(dl && conn);
  EXPECT_EQ((*dl)->alg(), algorithm::es256);
  EXPECT_EQ((*conn)->alg(), algorithm::rs256);
  EXPECT_EQ(s->signer("other").error(), errc::unknown_purpose);
  EXPECT_EQ((*s->public_keys("directline"))->keys().size(), 1u);

  struct stat st {};
  ASSERT_EQ(::stat(opts_.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The file holds no private key in the clear: the PKCS#8 DER is not in it in any encoding.
  auto der = (*dl)->to_pkcs8();
  const auto text = file_text();
  EXPECT_EQ(text.find(core::base64url_encode(der->bytes())), std::string::npos);
  EXPECT_EQ(text.find(core::base64_encode(der->bytes())), std::string::npos);
  EXPECT_EQ(text.find("\"d\""), std::string::npos);
  // Logs name the keys (kid, purpose, alg) and never carry key material or wrapped bytes.
  EXPECT_TRUE(logs.contains((*dl)->kid()));
  const auto wrapped = detail::parse_key_file(text);
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.find(core::base64url_encode(der->bytes()).substr(0, 40)), std::string::npos) << line;
    for (const auto& k : *wrapped) EXPECT_EQ(line.find(core::base64url_encode(k.wrapped).substr(0, 40)), std::string::npos);
  }
}

TEST_F(KeyStore, RestartLoadsTheSameKeys) {
  std::string dl_kid, conn_kid;
  {
    auto s = open(wrapper_);
    dl_kid = (*s->signer("directline"))->kid();
    conn_kid = (*s->signer("connector"))->kid();
  }
  const auto before = file_text();
  auto s = open(wrapper_);
  EXPECT_EQ((*s->signer("directline"))->kid(), dl_kid);
  EXPECT_EQ((*s->signer("connector"))->kid(), conn_kid);
  EXPECT_EQ(file_text(), before);  // nothing regenerated or rewritten
  // A token signed before the restart verifies with the keys after it.
  auto t = sign(test::good_claims(clock_), **s->signer("directline"), "dl+jwt");
  EXPECT_TRUE(token_validator(test::dl_profile(), clock_).validate(*t, **s->public_keys("directline")));
}

TEST_F(KeyStore, RewrapFileMovesEveryKeyToAnotherWrapperAndLeavesTheOriginal) {
  std::string before;
  std::vector<std::string> kids;
  {
    auto s = open(wrapper_);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->rotate("directline"));
    for (const auto& k : s->list()) kids.push_back(k.kid);
    before = file_text();
  }
  testing::test_key_wrapper next;
  const auto out = dir_ / "data" / "signing-keys.json.rotating";
  ASSERT_FALSE(signing_key_store::rewrap_file(opts_, wrapper_, next, out));
  EXPECT_EQ(file_text(), before) << "the original stays until the caller replaces it";
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  fs::rename(out, opts_.file);
  EXPECT_FALSE(signing_key_store::open(opts_, purposes_, wrapper_, clock_)) << "the old wrapper no longer opens it";
  auto s = open(next);
  ASSERT_TRUE(s);
  std::vector<std::string> after;
  for (const auto& k : s->list()) after.push_back(k.kid);
  EXPECT_EQ(after, kids);
  // A wrapper that never wrapped these keys cannot re-wrap them.
  testing::test_key_wrapper stranger;
  EXPECT_EQ(signing_key_store::rewrap_file(opts_, stranger, next, out), errc::unwrap_failed);
}

TEST_F(KeyStore, RotationKeepsTheOldPublicKeyDuringTheOverlapAndDropsItAfter) {
  auto s = open(wrapper_);
  const auto old_signer = *s->signer("directline");
  const auto old_token = *sign(test::good_claims(clock_), *old_signer, "dl+jwt");
  clock_.advance(10min);
  auto info = s->rotate("directline");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->state, key_state::active);
  EXPECT_NE(info->kid, old_signer->kid());
  EXPECT_EQ((*s->signer("directline"))->kid(), info->kid);
  EXPECT_EQ((*s->signer("connector"))->alg(), algorithm::rs256);  // other purposes untouched

  const token_validator v(test::dl_profile(), clock_);
  auto published = *s->public_keys("directline");
  EXPECT_EQ(published->keys().size(), 2u);
  EXPECT_TRUE(v.validate(old_token, *published));

  clock_.advance(2h - 1s);  // still inside the overlap
  EXPECT_NE((*s->public_keys("directline"))->find(old_signer->kid()), nullptr);
  clock_.advance(2s);  // past it
  published = *s->public_keys("directline");
  EXPECT_EQ(published->keys().size(), 1u);
  EXPECT_EQ(published->find(old_signer->kid()), nullptr);
  EXPECT_EQ(v.validate(old_token, *published).error(), errc::unknown_key);

  auto list = s->list();
  ASSERT_EQ(list.size(), 3u);
  int expired = 0;
  for (const auto& k : list) expired += k.state == key_state::expired ? 1 : 0;
  EXPECT_EQ(expired, 1);
  // The next write (here a reopen) drops the expired key from the file.
  s.reset();
  s = open(wrapper_);
  EXPECT_EQ(s->list().size(), 2u);
  EXPECT_EQ(file_text().find(old_signer->kid()), std::string::npos);
}

TEST_F(KeyStore, ActivationDelayPublishesBeforeSigning) {
  opts_.activation_delay = 1h;
  auto s = open(wrapper_);
  const auto first = (*s->signer("directline"))->kid();  // first key: active at once
  auto info = s->rotate("directline");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->state, key_state::pending);
  EXPECT_EQ((*s->signer("directline"))->kid(), first);
  EXPECT_NE((*s->public_keys("directline"))->find(info->kid), nullptr);  // already published
  clock_.advance(1h);
  EXPECT_EQ((*s->signer("directline"))->kid(), info->kid);
  EXPECT_NE((*s->public_keys("directline"))->find(first), nullptr);  // retired, still published
}

TEST_F(KeyStore, AnotherProcessRotationIsSeenAfterReloadAndNeverLost) {
  auto server = open(wrapper_);
  auto cli = open(wrapper_, {});  // `parley keys rotate` opens without purposes
  auto rotated = cli->rotate("connector");
  ASSERT_TRUE(rotated);
  EXPECT_NE((*server->signer("connector"))->kid(), rotated->kid);
  ASSERT_FALSE(server->reload());
  EXPECT_EQ((*server->signer("connector"))->kid(), rotated->kid);
  // The server's own rotation re-reads the file first: the CLI's key survives it.
  auto mine = server->rotate("directline");
  ASSERT_TRUE(mine);
  auto listed = signing_key_store::list_file(opts_, clock_);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 4u);
  EXPECT_EQ(cli->rotate("nope").error(), errc::unknown_purpose);
}

TEST_F(KeyStore, ListFileShowsMetadataWithoutTheRootKey) {
  { auto s = open(wrapper_); }
  const auto before = wrapper_.unwraps();
  auto list = signing_key_store::list_file(opts_, clock_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(wrapper_.unwraps(), before);
  for (const auto& k : *list) {
    EXPECT_EQ(k.state, key_state::active);
    EXPECT_EQ(k.created, k.activates);
  }
}

TEST_F(KeyStore, AlgorithmChangeRotatesThePurpose) {
  { auto s = open(wrapper_); }
  auto s = open(wrapper_, {{"directline", algorithm::eddsa}, {"connector", algorithm::rs256}});
  EXPECT_EQ((*s->signer("directline"))->alg(), algorithm::eddsa);
  EXPECT_EQ((*s->public_keys("directline"))->keys().size(), 2u);  // the ES256 key overlaps
}

TEST_F(KeyStore, WrongRootKeyFailsClearly) {
  { auto s = open(wrapper_); }
  testing::test_key_wrapper other;
  core::testing::log_capture logs;
  auto s = signing_key_store::open(opts_, purposes_, other, clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::unwrap_failed);
  EXPECT_NE(s.error().message().find("wrong root key"), std::string::npos);
  EXPECT_TRUE(logs.contains("could not be unwrapped"));
}

TEST_F(KeyStore, CorruptedFilesFailClearly) {
  { auto s = open(wrapper_); }
  const auto good = file_text();
  auto write = [&](const std::string& text) {
    std::ofstream(opts_.file, std::ios::trunc) << text;
  };
  auto expect_error = [&](const std::string& text, errc e) {
    write(text);
    auto s = signing_key_store::open(opts_, purposes_, wrapper_, clock_);
    ASSERT_FALSE(s) << text.substr(0, 80);
    EXPECT_EQ(s.error(), e) << text.substr(0, 80);
  };
  expect_error("not json", errc::key_file_corrupt);
  expect_error(good.substr(0, good.size() / 2), errc::key_file_corrupt);
  expect_error(R"({"format":"something-else","keys":[]})", errc::key_file_corrupt);
  expect_error(R"({"format":"parley-jose-signing-keys/1","keys":[{"kid":"x"}]})", errc::key_file_corrupt);
  // Metadata edited (activation time, purpose): the associated data no longer matches.
  auto parsed = detail::parse_key_file(good);
  ASSERT_TRUE(parsed);
  auto edited = *parsed;
  edited[0].activates += 1;
  expect_error(detail::serialize_key_file(edited), errc::unwrap_failed);
  edited = *parsed;
  std::swap(edited[0].purpose, edited[1].purpose);
  expect_error(detail::serialize_key_file(edited), errc::unwrap_failed);
  // Wrapped bytes flipped.
  auto flipped = good;
  const auto w = flipped.find("\"wrapped\":\"") + 20;
  flipped[w] = flipped[w] == 'A' ? 'B' : 'A';
  expect_error(flipped, errc::unwrap_failed);
  // One entry's wrapped key moved to another entry: the associated data (kid) catches it.
  auto swapped = *parsed;
  std::swap(swapped[0].wrapped, swapped[1].wrapped);
  expect_error(detail::serialize_key_file(swapped), errc::unwrap_failed);
  write(good);
  EXPECT_TRUE(signing_key_store::open(opts_, purposes_, wrapper_, clock_));
}

TEST_F(KeyStore, UnreadableLocationFailsWithIoError) {
  opts_.file = "/proc/parley-cannot-write-here/keys.json";
  auto s = signing_key_store::open(opts_, purposes_, wrapper_, clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::key_file_io);
}

TEST(JoseOptions, ParsesItsSectionStrictly) {
  auto cfg = core::config::parse(
      "[jose]\nkey_file = \"k.json\"\nkey_overlap = \"48h\"\nrsa_bits = 3072\njwks_unknown_kid_cooldown = \"10m\"\n", {});
  auto o = parse_options(cfg->section("jose"));
  EXPECT_TRUE(cfg->ok());
  EXPECT_EQ(o.key_file, "k.json");
  EXPECT_EQ(o.key_overlap, 48h);
  EXPECT_EQ(o.rsa_bits, 3072u);
  EXPECT_EQ(o.jwks_unknown_kid_cooldown, 10min);
  EXPECT_EQ(o.jwks_max_age, 24h);
  auto bad = core::config::parse("[jose]\nrsa_bits = 1024\nkey_overlap = \"1s\"\ntypo = 1\n", {});
  (void)parse_options(bad->section("jose"));
  EXPECT_EQ(bad->errors().size(), 3u);
}

}  // namespace
}  // namespace parley::jose
