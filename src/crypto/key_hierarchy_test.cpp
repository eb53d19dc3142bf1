#include "test_util.hpp"

#include <parley/crypto/error.hpp>
#include <parley/crypto/key_hierarchy.hpp>
#include <parley/crypto/primitives.hpp>

#include <gtest/gtest.h>

#include <map>

namespace parley::crypto {
namespace {

using test::bytes_of;

// What the store will persist, in miniature: wrapped keys and sealed records. The root key and
// the erasure secrets are NOT part of it.
struct database {
  std::map<std::string, wrapped_key> tenant_keys;  // by tenant id (current version)
  std::map<std::string, wrapped_key> data_keys;    // by conversation id
  std::map<std::string, std::vector<std::uint8_t>> records;  // by "conversation/record"
};

std::vector<std::uint8_t> record_context(std::string_view tenant, std::string_view conv, int record) {
  return bytes_of("tenant=" + std::string(tenant) + ";conversation=" + std::string(conv) +
                  ";record=" + std::to_string(record));
}

class KeyHierarchy : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = create_tenant_key(root_, secrets_, "bankx", 1);
    ASSERT_TRUE(t) << t.error().message();
    db_.tenant_keys["bankx"] = t->wrapped;
  }

  // Opens one stored record the way the store will: tenant key, then data key, then the record.
  result<std::vector<std::uint8_t>> read(const database& db, const root_key& root, const erasure_secrets& secrets,
                                         std::string_view conv, int record) {
    auto tk = open_tenant_key(root, secrets, db.tenant_keys.at("bankx"));
    if (!tk) return tk.error();
    const auto dk_it = db.data_keys.find(std::string(conv));
    if (dk_it == db.data_keys.end()) return errc::key_destroyed;
    auto dk = open_data_key(*tk, dk_it->second);
    if (!dk) return dk.error();
    return dk->open(db.records.at(std::string(conv) + "/" + std::to_string(record)),
                    record_context("bankx", conv, record));
  }

  void write_conversation(std::string_view conv, int records) {
    auto tk = open_tenant_key(root_, secrets_, db_.tenant_keys.at("bankx"));
    ASSERT_TRUE(tk);
    auto dk = create_data_key(*tk, conv, 1);
    ASSERT_TRUE(dk);
    db_.data_keys[std::string(conv)] = dk->wrapped;
    for (int r = 0; r < records; ++r) {
      db_.records[std::string(conv) + "/" + std::to_string(r)] =
          *dk->key.seal(bytes_of("message " + std::to_string(r) + " of " + std::string(conv)),
                        record_context("bankx", conv, r));
    }
  }

  root_key root_ = *root_key::generate(1);
  erasure_secrets secrets_;
  database db_;
};

TEST_F(KeyHierarchy, RecordsOpenThroughTheHierarchy) {
  write_conversation("conv-1", 3);
  auto r = read(db_, root_, secrets_, "conv-1", 2);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, bytes_of("message 2 of conv-1"));
  // Records name their data key, so a reader knows which key opens them.
  auto h = parse_sealed(db_.records["conv-1/0"]);
  EXPECT_EQ(h->key_id, "conv-1");
  EXPECT_EQ(h->key_version, 1u);
  // The wrapped data key names the tenant key that wrapped it.
  EXPECT_EQ(parse_sealed(db_.data_keys["conv-1"].sealed)->key_id, "bankx");
}

TEST_F(KeyHierarchy, WrappedKeysAreBoundToTheirPlace) {
  write_conversation("conv-1", 1);
  auto tk = *open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"]);
  const auto& good = db_.data_keys["conv-1"];
  ASSERT_TRUE(open_data_key(tk, good));

  auto moved = good;
  moved.key_id = "conv-2";  // copied to another conversation
  EXPECT_EQ(open_data_key(tk, moved).error(), errc::authentication_failed);
  moved = good;
  moved.version = 2;
  EXPECT_EQ(open_data_key(tk, moved).error(), errc::authentication_failed);
  moved = good;
  moved.kind = key_kind::tenant;
  EXPECT_EQ(open_data_key(tk, moved).error(), errc::malformed);

  // Copied to another tenant: that tenant's key does not open it, whatever the record claims.
  auto other = create_tenant_key(root_, secrets_, "insurer-y", 1);
  ASSERT_TRUE(other);
  moved = good;
  moved.tenant_id = "insurer-y";
  EXPECT_FALSE(open_data_key(other->key, moved));
  EXPECT_FALSE(open_data_key(other->key, good));

  // A tenant key record copied to another tenant does not open either.
  auto tk_moved = db_.tenant_keys["bankx"];
  tk_moved.tenant_id = tk_moved.key_id = "insurer-y";
  EXPECT_EQ(open_tenant_key(root_, secrets_, tk_moved).error(), errc::authentication_failed);
  // Nor with a parent version it was not wrapped under.
  tk_moved = db_.tenant_keys["bankx"];
  tk_moved.parent_version = 2;
  EXPECT_EQ(open_tenant_key(*root_key::generate(2), secrets_, tk_moved).error(), errc::key_mismatch);
}

TEST_F(KeyHierarchy, TamperedWrappedKeysAreRefused) {
  write_conversation("conv-1", 1);
  auto tk = *open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"]);
  for (std::size_t i = 0; i < db_.data_keys["conv-1"].sealed.size(); ++i) {
    auto w = db_.data_keys["conv-1"];
    w.sealed[i] ^= 0x04;
    EXPECT_FALSE(open_data_key(tk, w)) << i;
  }
  for (std::size_t i = 0; i < db_.tenant_keys["bankx"].sealed.size(); ++i) {
    auto w = db_.tenant_keys["bankx"];
    w.sealed[i] ^= 0x04;
    EXPECT_FALSE(open_tenant_key(root_, secrets_, w)) << i;
  }
}

TEST_F(KeyHierarchy, WrongRootKeyDoesNotOpenTenantKeys) {
  auto wrong = *root_key::generate(1);
  EXPECT_EQ(open_tenant_key(wrong, secrets_, db_.tenant_keys["bankx"]).error(), errc::authentication_failed);
  EXPECT_EQ(open_tenant_key(*root_key::generate(2), secrets_, db_.tenant_keys["bankx"]).error(), errc::key_mismatch);
}

TEST_F(KeyHierarchy, RootRotationRewrapsTenantKeysNotData) {
  write_conversation("conv-1", 2);
  const auto records_before = db_.records;
  const auto data_keys_before = db_.data_keys;
  auto new_root = *root_key::generate(2);
  const std::vector<wrapped_key> tenants = {db_.tenant_keys["bankx"]};
  auto rewrapped = rotate_root_key(root_, new_root, secrets_, tenants);
  ASSERT_TRUE(rewrapped) << rewrapped.error().message();
  ASSERT_EQ(rewrapped->size(), 1u);
  EXPECT_EQ((*rewrapped)[0].parent_version, 2u);
  EXPECT_EQ((*rewrapped)[0].version, 1u);  // same tenant key, new wrapping

  // Until the record is replaced, the old root still opens the old wrapping.
  EXPECT_TRUE(read(db_, root_, secrets_, "conv-1", 1));
  db_.tenant_keys["bankx"] = (*rewrapped)[0];
  auto r = read(db_, new_root, secrets_, "conv-1", 1);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, bytes_of("message 1 of conv-1"));
  EXPECT_EQ(db_.records, records_before);      // no record was re-encrypted
  EXPECT_EQ(db_.data_keys.size(), data_keys_before.size());
  EXPECT_EQ(db_.data_keys["conv-1"].sealed, data_keys_before.at("conv-1").sealed);  // nor a data key
  EXPECT_FALSE(read(db_, root_, secrets_, "conv-1", 1));  // the old root no longer fits the record
}

TEST_F(KeyHierarchy, TenantRotationRewrapsDataKeysAndOldVersionsKeepWorking) {
  write_conversation("conv-1", 2);
  write_conversation("conv-2", 2);
  const auto records_before = db_.records;
  auto current = *open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"]);
  const std::vector<wrapped_key> dks = {db_.data_keys["conv-1"], db_.data_keys["conv-2"]};
  auto rotation = rotate_tenant_key(root_, secrets_, current, dks);
  ASSERT_TRUE(rotation) << rotation.error().message();
  EXPECT_EQ(rotation->next.key.version(), 2u);
  EXPECT_EQ(rotation->next.wrapped.version, 2u);
  ASSERT_EQ(rotation->data_keys.size(), 2u);
  EXPECT_EQ(rotation->data_keys[0].parent_version, 2u);

  // Old data keys still open with the old tenant key version until they are replaced...
  EXPECT_TRUE(open_data_key(current, dks[0]));
  // ...and the re-wrapped ones open with the new version; the records were never touched.
  db_.tenant_keys["bankx"] = rotation->next.wrapped;
  db_.data_keys["conv-1"] = rotation->data_keys[0];
  db_.data_keys["conv-2"] = rotation->data_keys[1];
  EXPECT_EQ(*read(db_, root_, secrets_, "conv-2", 0), bytes_of("message 0 of conv-2"));
  EXPECT_EQ(db_.records, records_before);
  EXPECT_EQ(open_data_key(rotation->next.key, dks[0]).error(), errc::key_mismatch);
}

TEST_F(KeyHierarchy, FailedRotationLeavesNoNewVersionBehind) {
  write_conversation("conv-1", 1);
  auto current = *open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"]);
  auto bad = db_.data_keys["conv-1"];
  bad.sealed.back() ^= 1;
  const std::vector<wrapped_key> dks = {db_.data_keys["conv-1"], bad};
  EXPECT_EQ(rotate_tenant_key(root_, secrets_, current, dks).error(), errc::authentication_failed);
  EXPECT_FALSE(secrets_.contains("bankx", 2));
}

TEST_F(KeyHierarchy, DestroyedDataKeyMakesItsDataUnreadable) {
  write_conversation("conv-1", 1);
  write_conversation("conv-2", 1);
  db_.data_keys.erase("conv-1");
  EXPECT_EQ(read(db_, root_, secrets_, "conv-1", 0).error(), errc::key_destroyed);
  EXPECT_TRUE(read(db_, root_, secrets_, "conv-2", 0));
}

// The store's erasure requirement: erased data stays unreadable even from a copy of the database
// made before the erasure, with the (unchanged) root key in hand.
TEST_F(KeyHierarchy, ErasureReachesOlderCopiesOfTheDatabase) {
  write_conversation("conv-erased", 2);
  write_conversation("conv-kept", 2);
  const database backup = db_;  // e.g. last night's dump
  const auto saved_wrapped_dk = db_.data_keys["conv-erased"];

  // The erasure, as key_hierarchy.hpp describes it.
  db_.data_keys.erase("conv-erased");
  auto current = *open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"]);
  std::vector<wrapped_key> remaining;
  for (const auto& [conv, w] : db_.data_keys) remaining.push_back(w);
  auto rotation = rotate_tenant_key(root_, secrets_, current, remaining);
  ASSERT_TRUE(rotation);
  db_.tenant_keys["bankx"] = rotation->next.wrapped;
  for (const auto& w : rotation->data_keys) db_.data_keys[w.key_id] = w;
  ASSERT_TRUE(secrets_.destroy("bankx", 1));

  // The live database: kept data reads, erased data is gone.
  EXPECT_EQ(*read(db_, root_, secrets_, "conv-kept", 1), bytes_of("message 1 of conv-kept"));
  EXPECT_EQ(read(db_, root_, secrets_, "conv-erased", 0).error(), errc::key_destroyed);
  // The backup: its tenant key version 1 needs an erasure secret that no longer exists.
  EXPECT_EQ(read(backup, root_, secrets_, "conv-erased", 0).error(), errc::key_destroyed);
  EXPECT_EQ(open_tenant_key(root_, secrets_, backup.tenant_keys.at("bankx")).error(), errc::key_destroyed);
  // The saved wrapped data key does not open under the new tenant key version either.
  EXPECT_FALSE(open_data_key(rotation->next.key, saved_wrapped_dk));
  auto forged = saved_wrapped_dk;
  forged.parent_version = 2;
  EXPECT_EQ(open_data_key(rotation->next.key, forged).error(), errc::key_mismatch);
  // Even the in-memory tenant key of version 1 (gone once the process ends) is all it took.
  EXPECT_TRUE(open_data_key(current, saved_wrapped_dk));
}

TEST_F(KeyHierarchy, TenantKeyVersionsAreNeverRecreated) {
  EXPECT_EQ(create_tenant_key(root_, secrets_, "bankx", 1).error(), errc::already_exists);
  secrets_.destroy("bankx", 1);
  EXPECT_EQ(open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"]).error(), errc::key_destroyed);
  EXPECT_EQ(create_tenant_key(root_, secrets_, "bad tenant", 1).error(), errc::invalid_argument);
}

TEST_F(KeyHierarchy, TenantKeyCountsWrapsAgainstItsLimit) {
  auto tk = *open_tenant_key(root_, secrets_, db_.tenant_keys["bankx"], (std::uint64_t{1} << 32) - 1);
  EXPECT_TRUE(create_data_key(tk, "conv-last", 1));
  EXPECT_EQ(tk.wraps(), std::uint64_t{1} << 32);
  EXPECT_EQ(create_data_key(tk, "conv-one-too-many", 1).error(), errc::key_exhausted);
}

}  // namespace
}  // namespace parley::crypto
