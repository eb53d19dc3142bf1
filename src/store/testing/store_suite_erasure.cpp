// The conformance suite, part 3: erasure scoped to its subject (issue 22, items 2 and 4). A
// backup taken before an erasure, restored with today's root key and erasure secrets, reads
// every conversation except the erased ones, whose rows the store removes when it opens the copy;
// an erasure-secrets file older than the database, or another installation's, is refused; no row
// version of an erased conversation is left once the store has reclaimed the space.
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace parley::store::testing {

namespace {

namespace fs = std::filesystem;

}  // namespace

TEST_P(store_suite, ABackupRestoredAfterAnErasureReadsEveryoneButTheErased) {
  make_conversation("bankx", "alice-1", "dl_alice");
  make_conversation("bankx", "alice-2", "dl_alice");
  make_conversation("bankx", "bob-1", "dl_bob");
  make_conversation("insurey", "carol-1", "dl_carol");
  append("bankx", "alice-1", "a1", "alice's first");
  append("bankx", "alice-2", "a1", "alice's second");
  append("bankx", "bob-1", "a1", "bob's");
  append("insurey", "carol-1", "a1", "carol's");
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "bob-1", "bob's state", std::nullopt)));
  close_store();
  env_->backup("yesterday");

  open_store();
  ASSERT_EQ(*run(store_->erase_user("bankx", "dl_alice")), 2u);
  make_conversation("bankx", "dave-1", "dl_dave");  // after the backup: not in it
  close_store();

  // The operator restores yesterday's backup and starts with today's root key and erasure secrets.
  env_->restore("yesterday");
  open_store();
  const auto& report = store_->report();
  auto bankx =
      std::find_if(report.tenants.begin(), report.tenants.end(), [](const auto& t) { return t.tenant_id == "bankx"; });
  ASSERT_NE(bankx, report.tenants.end());
  EXPECT_EQ(bankx->erasures_in_file, 1u);
  EXPECT_EQ(bankx->erasures_in_database, 0u);
  EXPECT_EQ(bankx->conversations_removed, 2u);
  EXPECT_TRUE(bankx->readable);
  // Alice is gone from the restored copy; everyone else reads.
  EXPECT_EQ(run(store_->get_conversation("bankx", "alice-1")).error(), errc::not_found);
  EXPECT_EQ(run(store_->read_activities("bankx", "alice-2", 0, 10)).error(), errc::not_found);
  EXPECT_EQ(run(store_->read_activities("bankx", "bob-1", 0, 10))->activities.at(0).body, "bob's");
  EXPECT_EQ((*run(store_->get_bot_state("bankx", "bob-1")))->data, "bob's state");
  EXPECT_EQ(run(store_->get_conversation("bankx", "bob-1"))->user_id, "dl_bob");
  EXPECT_EQ(run(store_->read_activities("insurey", "carol-1", 0, 10))->activities.at(0).body, "carol's");
  EXPECT_EQ(*run(store_->erase_user("bankx", "dl_alice")), 0u);
  // New conversations never get a subject that was erased (the copy's counter was behind).
  make_conversation("bankx", "erin-1", "dl_erin");
  append("bankx", "erin-1", "a1", "erin's");
  EXPECT_EQ(run(store_->read_activities("bankx", "erin-1", 0, 10))->activities.at(0).body, "erin's");
  // Opening again finds nothing left to do.
  open_store();
  for (const auto& t : store_->report().tenants) EXPECT_EQ(t.conversations_removed, 0u) << t.tenant_id;
}

TEST_P(store_suite, AnErasureSecretsFileOlderThanTheDatabaseIsRefused) {
  make_conversation("bankx", "c1", "dl_one");
  make_conversation("bankx", "c2", "dl_two");
  close_store();
  fs::copy_file(secrets_file(), dir_ / "old.secrets");
  open_store();
  ASSERT_TRUE(run(store_->erase_conversation("bankx", "c1")));
  close_store();
  const auto before = env_->fingerprint();
  // Restoring the erasure secrets from a backup would bring c1 back in older copies: refused.
  fs::copy_file(dir_ / "old.secrets", secrets_file(), fs::copy_options::overwrite_existing);
  auto opened = try_open(root());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), errc::stale_erasure_secrets);
  EXPECT_EQ(env_->fingerprint(), before);
}

TEST_P(store_suite, AnotherInstallationsErasureSecretsAreRefused) {
  make_conversation("bankx", "c1");
  close_store();
  crypto::erasure_secrets other;
  crypto::installation_id id{};
  id[0] = 1;
  other.set_installation(id);
  ASSERT_TRUE(other.save_file(dir_ / "other.secrets"));
  fs::copy_file(dir_ / "other.secrets", secrets_file(), fs::copy_options::overwrite_existing);
  auto opened = try_open(root());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), errc::stale_erasure_secrets);
}

TEST_P(store_suite, AfterAnErasureNoRowVersionOfTheErasedConversationIsLeft) {
  make_conversation("bankx", "cMARKERGONE1", "dl_gone");
  make_conversation("bankx", "cMARKERKEPT1", "dl_kept");
  append("bankx", "cMARKERGONE1", "aMARKERGONE2", "x");
  append("bankx", "cMARKERKEPT1", "aMARKERKEPT2", "y");
  ASSERT_TRUE(env_->rows_contain("cMARKERGONE1"));  // positive control
  ASSERT_TRUE(run(store_->erase_conversation("bankx", "cMARKERGONE1")));
  ASSERT_TRUE(run(store_->reclaim()));
  EXPECT_FALSE(env_->rows_contain("cMARKERGONE1"));
  EXPECT_FALSE(env_->rows_contain("aMARKERGONE2"));
  EXPECT_TRUE(env_->rows_contain("cMARKERKEPT1"));
  EXPECT_TRUE(env_->rows_contain("aMARKERKEPT2"));
}

TEST_P(store_suite, ARetiredTenantKeyIsNamedAsSuchNotAsAWrongRootKey) {
  make_conversation("bankx", "c1");
  close_store();
  env_->backup("before-rotation");
  open_store();
  ASSERT_TRUE(run(store_->rotate_tenant_key("bankx")));  // retires version 1 for older copies
  close_store();
  env_->restore("before-rotation");
  auto opened = try_open(root());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), errc::key_retired);
}

}  // namespace parley::store::testing
