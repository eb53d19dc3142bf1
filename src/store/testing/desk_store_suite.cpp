// The conformance suite (store_suite.hpp), part two: the service desk's sessions, pending
// sign-ins and settings (desk_store.hpp) over every backend.
#include <parley/store/testing/store_suite.hpp>

#include <gtest/gtest.h>

namespace parley::store::testing {
namespace {

using namespace std::chrono_literals;

time_point at(int seconds) {
  return time_point{} + std::chrono::seconds(1'800'000'000 + seconds);
}

desk_session session_of(const std::string& tenant, const std::string& ref, const std::string& subject,
                        const std::string& sid = {}) {
  desk_session s;
  s.tenant_id = tenant;
  s.ref = ref;
  s.subject_ref = subject;
  s.sid_ref = sid;
  s.created = at(0);
  s.last_seen = at(0);
  s.expires = at(36000);
  s.refresh_due = at(300);
  s.data = R"({"name":"Anna Desk-Secret-Name","id_token":"eyJ.desk-secret-token.sig"})";
  return s;
}

}  // namespace

TEST_P(store_suite, DeskSessionsRoundTripSealedAndSurviveAReopen) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  const auto s = session_of("bankx", "ref-1", "subject-1", "sid-1");
  ASSERT_TRUE(run(store_->create_desk_session(s)));
  EXPECT_EQ(run(store_->create_desk_session(s)).error(), errc::already_exists);
  auto got = run(store_->get_desk_session("bankx", "ref-1"));
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->data, s.data);
  EXPECT_EQ(got->subject_ref, "subject-1");
  EXPECT_EQ(got->sid_ref, "sid-1");
  EXPECT_EQ(got->expires, s.expires);
  EXPECT_EQ(got->refresh_due, s.refresh_due);
  EXPECT_FALSE(env_->storage_contains("Desk-Secret-Name"));
  EXPECT_FALSE(env_->storage_contains("desk-secret-token"));

  // Tenants are isolated; an unknown tenant cannot hold sessions.
  EXPECT_EQ(run(store_->get_desk_session("harbour", "ref-1")).error(), errc::not_found);
  EXPECT_EQ(run(store_->create_desk_session(session_of("harbour", "ref-9", "s"))).error(), errc::not_found);

  // last_seen only moves forward; the refresh claim is a compare-and-set.
  ASSERT_TRUE(run(store_->touch_desk_session("bankx", "ref-1", at(60))));
  ASSERT_TRUE(run(store_->touch_desk_session("bankx", "ref-1", at(30))));
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-1"))->last_seen, at(60));
  EXPECT_EQ(*run(store_->claim_desk_session_refresh("bankx", "ref-1", at(300), at(600))), true);
  EXPECT_EQ(*run(store_->claim_desk_session_refresh("bankx", "ref-1", at(300), at(900))), false);
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-1"))->refresh_due, at(600));
  ASSERT_TRUE(run(store_->update_desk_session("bankx", "ref-1", R"({"name":"Anna","v":2})")));
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-1"))->data, R"({"name":"Anna","v":2})");
  EXPECT_EQ(run(store_->touch_desk_session("bankx", "nope", at(1))).error(), errc::not_found);

  open_store();
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-1"))->data, R"({"name":"Anna","v":2})");

  EXPECT_TRUE(*run(store_->delete_desk_session("bankx", "ref-1")));
  EXPECT_FALSE(*run(store_->delete_desk_session("bankx", "ref-1")));
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-1")).error(), errc::not_found);
}

TEST_P(store_suite, DeletingADeskSessionDestroysItsDataKey) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  const auto keys_before = env_->select_blobs("SELECT sealed FROM data_keys").size();
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "ref-1", "subject-1"))));
  EXPECT_EQ(env_->select_blobs("SELECT sealed FROM data_keys").size(), keys_before + 1);
  ASSERT_TRUE(*run(store_->delete_desk_session("bankx", "ref-1")));
  EXPECT_EQ(env_->select_blobs("SELECT sealed FROM data_keys").size(), keys_before);
}

TEST_P(store_suite, EditedDeskSessionColumnsMakeTheSessionCorrupt) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "ref-1", "subject-1", "sid-1"))));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "ref-2", "subject-2", "sid-2"))));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "ref-3", "subject-3"))));
  // Outliving the absolute timeout, dodging a back-channel logout, or moving data between rows.
  env_->exec("UPDATE desk_sessions SET expires = expires + 3600000000000 WHERE ref = 'ref-1'");
  env_->exec("UPDATE desk_sessions SET subject_ref = 'someone-else' WHERE ref = 'ref-2'");
  const auto other = env_->select_blobs("SELECT data FROM desk_sessions WHERE ref = 'ref-1'");
  env_->update_blob("UPDATE desk_sessions SET data = $1 WHERE ref = 'ref-3'", other.at(0));
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-1")).error(), errc::corrupt);
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-2")).error(), errc::corrupt);
  EXPECT_EQ(run(store_->get_desk_session("bankx", "ref-3")).error(), errc::corrupt);
}

TEST_P(store_suite, DeskSessionsEndBySubjectByIdpSessionAndByPurge) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  ASSERT_TRUE(run(store_->ensure_tenant("harbour")));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "a1", "anna", "sid-a"))));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "a2", "anna", "sid-b"))));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("bankx", "s1", "sven", "sid-s"))));
  ASSERT_TRUE(run(store_->create_desk_session(session_of("harbour", "h1", "anna", "sid-a"))));

  auto by_sid = run(store_->delete_desk_sessions("bankx", "", "sid-a"));
  ASSERT_TRUE(by_sid);
  ASSERT_EQ(by_sid->size(), 1u);
  EXPECT_EQ(by_sid->at(0).ref, "a1");
  EXPECT_EQ(by_sid->at(0).subject_ref, "anna");
  auto by_subject = run(store_->delete_desk_sessions("bankx", "anna", ""));
  ASSERT_TRUE(by_subject);
  ASSERT_EQ(by_subject->size(), 1u);
  EXPECT_EQ(by_subject->at(0).ref, "a2");
  EXPECT_EQ(run(store_->delete_desk_sessions("bankx", "", "")).error(), errc::invalid_argument);
  EXPECT_TRUE(run(store_->get_desk_session("harbour", "h1")));  // the other tenant's "anna" is untouched

  // Purge: past the absolute expiry, or idle since the cutoff; expired sign-ins go too.
  auto idle = session_of("bankx", "idle", "ida");
  idle.last_seen = at(10);
  ASSERT_TRUE(run(store_->create_desk_session(idle)));
  auto old = session_of("bankx", "old", "olga");
  old.last_seen = at(5000);
  old.expires = at(5000);
  ASSERT_TRUE(run(store_->create_desk_session(old)));
  ASSERT_TRUE(run(store_->touch_desk_session("bankx", "s1", at(4000))));
  ASSERT_TRUE(run(store_->put_desk_login({"bankx", "state-old", "browser-1", "https://idp.example", at(100)})));
  ASSERT_TRUE(run(store_->put_desk_login({"bankx", "state-new", "browser-1", "https://idp.example", at(9000)})));
  auto purged = run(store_->purge_desk_sessions("bankx", at(5000), at(1000)));
  ASSERT_TRUE(purged);
  std::vector<std::string> refs;
  for (const auto& k : *purged) refs.push_back(k.ref);
  std::sort(refs.begin(), refs.end());
  EXPECT_EQ(refs, (std::vector<std::string>{"idle", "old"}));
  EXPECT_TRUE(run(store_->get_desk_session("bankx", "s1")));
  EXPECT_EQ(run(store_->take_desk_login("bankx", "state-old")).error(), errc::not_found);
  EXPECT_TRUE(run(store_->take_desk_login("bankx", "state-new")));
}

TEST_P(store_suite, PendingDeskSignInsAreSingleUse) {
  ASSERT_TRUE(run(store_->put_desk_login({"bankx", "state-1", "browser-1", "https://idp.example/t1", at(600)})));
  EXPECT_EQ(run(store_->put_desk_login({"bankx", "state-1", "b", "https://idp.example", at(600)})).error(),
            errc::already_exists);
  EXPECT_EQ(run(store_->take_desk_login("harbour", "state-1")).error(), errc::not_found);
  auto taken = run(store_->take_desk_login("bankx", "state-1"));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->browser_ref, "browser-1");
  EXPECT_EQ(taken->issuer, "https://idp.example/t1");
  EXPECT_EQ(taken->expires, at(600));
  EXPECT_EQ(run(store_->take_desk_login("bankx", "state-1")).error(), errc::not_found);
  EXPECT_EQ(run(store_->put_desk_login({"bankx", "bad ref", "b", "i", at(1)})).error(), errc::invalid_argument);
}

TEST_P(store_suite, DeskSettingsAreSealedAndVersioned) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  EXPECT_FALSE(*run(store_->get_desk_settings("bankx")));
  auto v1 = run(store_->put_desk_settings("bankx", R"({"greeting":"settings-marker-1"})", std::nullopt));
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(*v1, 1u);
  EXPECT_EQ(run(store_->put_desk_settings("bankx", "{}", std::nullopt)).error(), errc::etag_mismatch);
  EXPECT_EQ(run(store_->put_desk_settings("bankx", "{}", 7)).error(), errc::etag_mismatch);
  auto v2 = run(store_->put_desk_settings("bankx", R"({"greeting":"settings-marker-2"})", 1));
  ASSERT_TRUE(v2);
  EXPECT_EQ(*v2, 2u);
  auto got = run(store_->get_desk_settings("bankx"));
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->data, R"({"greeting":"settings-marker-2"})");
  EXPECT_EQ((*got)->version, 2u);
  EXPECT_FALSE(env_->storage_contains("settings-marker-2"));
  EXPECT_FALSE(*run(store_->get_desk_settings("harbour")));
  EXPECT_EQ(run(store_->put_desk_settings("harbour", "{}", std::nullopt)).error(), errc::not_found);
  // A rolled-back version number no longer matches what was sealed with it.
  env_->exec("UPDATE desk_settings SET version = 1");
  EXPECT_EQ(run(store_->get_desk_settings("bankx")).error(), errc::corrupt);
}

}  // namespace parley::store::testing
