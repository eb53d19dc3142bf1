// Erasure subjects (puncturable trees) and data keys bound to them: an erasure destroys exactly
// what derives the erased subject's secret, the file keeps that across a save, and a key bound
// to an erased subject no longer opens while every other one still does.
#include "test_util.hpp"

#include <parley/core/random.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/key_hierarchy.hpp>
#include <parley/crypto/primitives.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace parley::crypto {
namespace {

namespace fs = std::filesystem;
using test::bytes_of;

std::vector<std::uint8_t> secret_of(const erasure_secrets& s, std::string_view tenant, std::uint64_t index) {
  auto r = s.subject_secret(tenant, index);
  if (!r) return {};
  return {r->bytes().begin(), r->bytes().end()};
}

class ErasureSubjects : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parley-erasure-" + std::to_string(::getpid()) + "-" + core::random_id(core::os_random(), "", 6));
    fs::create_directories(dir_);
    ASSERT_TRUE(secrets_.create_subjects("bankx"));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  erasure_secrets secrets_;
};

TEST_F(ErasureSubjects, EverySubjectHasItsOwnStableSecret) {
  std::set<std::vector<std::uint8_t>> seen;
  for (std::uint64_t i : std::vector<std::uint64_t>{1, 2, 3, 1000, max_subject_index}) {
    const auto s = secret_of(secrets_, "bankx", i);
    ASSERT_EQ(s.size(), subject_secret_size);
    EXPECT_TRUE(seen.insert(s).second) << i;
    EXPECT_EQ(secret_of(secrets_, "bankx", i), s);
  }
  EXPECT_EQ(secrets_.subject_secret("bankx", 0).error(), errc::invalid_argument);
  EXPECT_EQ(secrets_.subject_secret("bankx", max_subject_index + 1).error(), errc::invalid_argument);
  EXPECT_EQ(secrets_.subject_secret("nobody", 1).error(), errc::key_destroyed);
  EXPECT_EQ(secrets_.create_subjects("bankx").error(), errc::already_exists);
  // Another tenant's tree is another root.
  ASSERT_TRUE(secrets_.create_subjects("insurey"));
  EXPECT_NE(secret_of(secrets_, "insurey", 1), secret_of(secrets_, "bankx", 1));
}

TEST_F(ErasureSubjects, ErasingASubjectDestroysItAloneAndSurvivesASave) {
  std::map<std::uint64_t, std::vector<std::uint8_t>> before;
  for (std::uint64_t i = 1; i <= 64; ++i) before[i] = secret_of(secrets_, "bankx", i);
  EXPECT_EQ(secrets_.erasure_epoch("bankx"), 0u);
  EXPECT_EQ(secrets_.subject_floor("bankx"), 1u);

  const std::vector<std::uint64_t> erase{7, 8, 40, 63};
  auto n = secrets_.erase_subjects("bankx", erase);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(secrets_.erasure_epoch("bankx"), 1u);
  EXPECT_EQ(secrets_.subject_floor("bankx"), 64u);
  // Erasing again changes nothing, not even the epoch.
  EXPECT_EQ(*secrets_.erase_subjects("bankx", erase), 0u);
  EXPECT_EQ(secrets_.erasure_epoch("bankx"), 1u);
  // Each tree node costs at most one per level of the erased paths.
  EXPECT_LE(secrets_.subject_nodes("bankx"), 4u * 48u);

  ASSERT_TRUE(secrets_.save_file(dir_ / "erasure.secrets"));
  auto loaded = erasure_secrets::load_file(dir_ / "erasure.secrets");
  ASSERT_TRUE(loaded) << loaded.error().message();
  for (const auto* s : {&secrets_, &*loaded}) {
    for (std::uint64_t i = 1; i <= 64; ++i) {
      const bool erased = std::find(erase.begin(), erase.end(), i) != erase.end();
      EXPECT_EQ(s->subject_erased("bankx", i), erased) << i;
      if (erased) {
        EXPECT_EQ(s->subject_secret("bankx", i).error(), errc::key_destroyed) << i;
      } else {
        EXPECT_EQ(secret_of(*s, "bankx", i), before[i]) << i;
      }
    }
    EXPECT_EQ(s->erasure_epoch("bankx"), 1u);
    EXPECT_EQ(s->subject_floor("bankx"), 64u);
  }
  // The erased secrets are nowhere in the file: nothing of it derives them.
  std::ifstream in(dir_ / "erasure.secrets", std::ios::binary);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (auto i : erase) {
    const auto& s = before[i];
    EXPECT_EQ(file.find(std::string(s.begin(), s.end())), std::string::npos);
  }
}

TEST_F(ErasureSubjects, ContiguousErasuresCollapse) {
  std::vector<std::uint64_t> range;
  for (std::uint64_t i = 1; i < 4096; ++i) range.push_back(i);  // a retention purge of the oldest
  ASSERT_TRUE(secrets_.erase_subjects("bankx", range));
  EXPECT_LE(secrets_.subject_nodes("bankx"), 48u);
  EXPECT_TRUE(secrets_.subject_erased("bankx", 4095));
  EXPECT_FALSE(secrets_.subject_erased("bankx", 4096));
  EXPECT_EQ(secret_of(secrets_, "bankx", 4096).size(), subject_secret_size);
}

TEST_F(ErasureSubjects, BatchDerivationMatchesOneByOne) {
  ASSERT_TRUE(secrets_.erase_subjects("bankx", std::vector<std::uint64_t>{5, 6, 200}));
  const std::vector<std::uint64_t> wanted{1, 2, 5, 7, 7, 100, 199, 200, 201, 1u << 20};
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> got;
  ASSERT_TRUE(secrets_.for_each_subject_secret("bankx", wanted, [&](std::uint64_t i, std::span<const std::uint8_t> s) {
    got.emplace_back(i, std::vector<std::uint8_t>(s.begin(), s.end()));
  }));
  ASSERT_EQ(got.size(), wanted.size());
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    EXPECT_EQ(got[k].first, wanted[k]);
    EXPECT_EQ(got[k].second, secret_of(secrets_, "bankx", wanted[k])) << wanted[k];
  }
  EXPECT_EQ(secrets_
                .for_each_subject_secret("bankx", std::vector<std::uint64_t>{3, 2},
                                         [](std::uint64_t, std::span<const std::uint8_t>) {})
                .error(),
            errc::invalid_argument);
}

TEST_F(ErasureSubjects, TheFileNamesItsInstallationAndReadsFormatOne) {
  installation_id id{};
  id[0] = 0x42;
  secrets_.set_installation(id);
  ASSERT_TRUE(secrets_.create("bankx", 1));
  ASSERT_TRUE(secrets_.save_file(dir_ / "v2"));
  auto v2 = erasure_secrets::load_file(dir_ / "v2");
  ASSERT_TRUE(v2);
  ASSERT_TRUE(v2->installation());
  EXPECT_EQ(*v2->installation(), id);
  EXPECT_TRUE(v2->contains("bankx", 1));
  EXPECT_TRUE(v2->has_subjects("bankx"));

  // A format-1 file (what earlier builds wrote): tenant-key versions only.
  std::vector<std::uint8_t> v1 = bytes_of("PLYERS01");
  v1.insert(v1.end(), {0, 0, 0, 1, 5});
  const auto tenant = bytes_of("bankx");
  v1.insert(v1.end(), tenant.begin(), tenant.end());
  v1.insert(v1.end(), {0, 0, 0, 3});
  v1.insert(v1.end(), 32, 0x07);
  const auto digest = sha256(v1);
  v1.insert(v1.end(), digest.begin(), digest.end());
  {
    std::ofstream out(dir_ / "v1", std::ios::binary);
    out.write(reinterpret_cast<const char*>(v1.data()), static_cast<std::streamsize>(v1.size()));
  }
  fs::permissions(dir_ / "v1", fs::perms::owner_read | fs::perms::owner_write);
  auto old = erasure_secrets::load_file(dir_ / "v1");
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_TRUE(old->contains("bankx", 3));
  EXPECT_FALSE(old->installation());
  EXPECT_FALSE(old->has_subjects("bankx"));
}

TEST_F(ErasureSubjects, ACorruptedTreeIsRefused) {
  ASSERT_TRUE(secrets_.erase_subjects("bankx", std::vector<std::uint64_t>{9}));
  ASSERT_TRUE(secrets_.save_file(dir_ / "f"));
  std::string file;
  {
    std::ifstream in(dir_ / "f", std::ios::binary);
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  file[file.size() / 2] ^= 0x01;
  {
    std::ofstream out(dir_ / "f", std::ios::binary | std::ios::trunc);
    out << file;
  }
  EXPECT_EQ(erasure_secrets::load_file(dir_ / "f").error(), errc::malformed);
}

class BoundDataKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(secrets_.create_subjects("bankx"));
    auto t = create_tenant_key(root_, secrets_, "bankx", 1);
    ASSERT_TRUE(t);
    tenant_ = std::make_unique<tenant_key>(std::move(t->key));
    tenant_wrapped_ = t->wrapped;
  }
  std::vector<std::uint8_t> secret(std::uint64_t i) { return secret_of(secrets_, "bankx", i); }

  root_key root_ = *root_key::generate(1);
  erasure_secrets secrets_;
  std::unique_ptr<tenant_key> tenant_;
  wrapped_key tenant_wrapped_;
};

TEST_F(BoundDataKeys, OpenOnlyWithTheirSubjectsSecret) {
  auto k = create_bound_data_key(*tenant_, "conv-1", 1, 17, secret(17));
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(k->wrapped.subject, 17u);
  const auto sealed = *k->key.seal(bytes_of("hello"), bytes_of("ad"));
  auto opened = open_data_key(*tenant_, k->wrapped, secret(17));
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened->open(sealed, bytes_of("ad")), bytes_of("hello"));
  EXPECT_EQ(open_data_key(*tenant_, k->wrapped, secret(18)).error(), errc::authentication_failed);
  EXPECT_EQ(open_data_key(*tenant_, k->wrapped).error(), errc::invalid_argument);
  // The subject is bound in: a wrapped key moved to another subject does not open.
  auto moved = k->wrapped;
  moved.subject = 18;
  EXPECT_FALSE(open_data_key(*tenant_, moved, secret(18)));
  moved.subject = 0;
  EXPECT_FALSE(open_data_key(*tenant_, moved));
}

TEST_F(BoundDataKeys, ErasingTheSubjectReachesOlderCopiesWhileTheRestStillOpens) {
  auto a = create_bound_data_key(*tenant_, "conv-a", 1, 1, secret(1));
  auto b = create_bound_data_key(*tenant_, "conv-b", 1, 2, secret(2));
  ASSERT_TRUE(a && b);
  const auto old_copy_a = a->wrapped;  // what a backup holds
  const auto old_copy_b = b->wrapped;
  ASSERT_TRUE(secrets_.erase_subjects("bankx", std::vector<std::uint64_t>{1}));
  // Today's tenant key (not rotated: an erasure no longer retires the tenant key) and today's
  // erasure secrets open the other conversation of the old copy, never the erased one.
  auto tk = open_tenant_key(root_, secrets_, tenant_wrapped_);
  ASSERT_TRUE(tk);
  EXPECT_EQ(secrets_.subject_secret("bankx", 1).error(), errc::key_destroyed);
  EXPECT_TRUE(open_data_key(*tk, old_copy_b, secret(2)));
  EXPECT_FALSE(open_data_key(*tk, old_copy_a, std::vector<std::uint8_t>(32, 0)));
}

TEST_F(BoundDataKeys, TenantRotationRewrapsTheOuterLayerOnlyAndBindingUpgradesOldKeys) {
  auto bound = create_bound_data_key(*tenant_, "conv-a", 1, 5, secret(5));
  auto plain = create_data_key(*tenant_, "conv-old", 1);
  ASSERT_TRUE(bound && plain);
  const auto sealed = *plain->key.seal(bytes_of("old record"), bytes_of("ad"));
  // An old unbound key bound to a subject keeps its bytes: its records still open.
  auto upgraded = bind_data_key(*tenant_, plain->wrapped, 6, secret(6));
  ASSERT_TRUE(upgraded);
  EXPECT_EQ(upgraded->subject, 6u);
  EXPECT_EQ(bind_data_key(*tenant_, *upgraded, 7, secret(7)).error(), errc::invalid_argument);
  auto rot = rotate_tenant_key(root_, secrets_, *tenant_, std::vector<wrapped_key>{bound->wrapped, *upgraded});
  ASSERT_TRUE(rot) << rot.error().message();
  ASSERT_EQ(rot->data_keys.size(), 2u);
  EXPECT_EQ(rot->data_keys[0].subject, 5u);
  EXPECT_TRUE(open_data_key(rot->next.key, rot->data_keys[0], secret(5)));
  auto reopened = open_data_key(rot->next.key, rot->data_keys[1], secret(6));
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened->open(sealed, bytes_of("ad")), bytes_of("old record"));
}

}  // namespace
}  // namespace parley::crypto
