// The conformance suite, part 2: integrity failures are shown, never hidden (issue 22, item 1),
// and what is left in clear is exactly the documented list (item 4).
#include <parley/core/testing/log_capture.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

namespace parley::store::testing {

namespace {

time_point at(int seconds) {
  return time_point{} + std::chrono::seconds(1'800'000'000 + seconds);
}

std::size_t failures_for(const std::vector<integrity_failure>& all, std::string_view conv) {
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [&](const integrity_failure& f) { return f.conversation_id == conv; }));
}

}  // namespace

TEST_P(store_suite, TamperedRecordsAreReportedInPlaceCountedAndHookedOnce) {
  make_conversation("bankx", "c1");
  make_conversation("bankx", "c2");
  for (int i = 1; i <= 5; ++i) append("bankx", "c1", "a" + std::to_string(i), "c1 message " + std::to_string(i));
  append("bankx", "c2", "b1", "c2 message 1");
  const auto where = [&](int seq) {
    return " WHERE conv_pk = " + pk_of("bankx", "c1") + " AND seq = " + std::to_string(seq);
  };
  auto body = [&](int seq) { return env_->select_blobs("SELECT body FROM activities" + where(seq)).at(0); };
  // Flipped bit, truncated, emptied, swapped within the conversation, taken from another one.
  auto flipped = body(1);
  flipped[flipped.size() - 3] ^= 0x40;
  env_->update_blob("UPDATE activities SET body = $1" + where(1), flipped);
  auto truncated = body(2);
  truncated.resize(truncated.size() / 2);
  env_->update_blob("UPDATE activities SET body = $1" + where(2), truncated);
  env_->update_blob("UPDATE activities SET body = $1" + where(3), bytes{0x01});
  env_->update_blob("UPDATE activities SET body = $1" + where(4),
                    env_->select_blobs("SELECT body FROM activities WHERE conv_pk = " + pk_of("bankx", "c2")).at(0));

  core::testing::log_capture logs;
  const auto before = store_->integrity_failures();
  auto page = run(store_->read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(page->activities[static_cast<std::size_t>(i)].corrupt) << i;
    EXPECT_EQ(page->activities[static_cast<std::size_t>(i)].seq, static_cast<std::uint64_t>(i + 1));
    EXPECT_TRUE(page->activities[static_cast<std::size_t>(i)].body.empty());
  }
  EXPECT_FALSE(page->activities[4].corrupt);
  EXPECT_EQ(page->activities[4].body, "c1 message 5");
  EXPECT_EQ(page->last_seq, 5u);  // the reader's watermark: the caller shows the failures, not skips them
  EXPECT_EQ(store_->integrity_failures() - before, 4u);
  // Reading again (a polling client) reports nothing new: once per record.
  (void)run(store_->read_activities("bankx", "c1", 0, 10));
  EXPECT_EQ(store_->integrity_failures() - before, 4u);
  {
    std::lock_guard lock(failures_mutex_);
    ASSERT_EQ(failures_for(failures_, "c1"), 4u);
    const auto& f = failures_.back();
    EXPECT_EQ(f.tenant_id, "bankx");
    EXPECT_EQ(f.record, "activity");
    EXPECT_FALSE(f.key);
  }
  EXPECT_TRUE(logs.contains("integrity"));
  EXPECT_FALSE(logs.contains("message "));  // ids in the log, never bodies
}

TEST_P(store_suite, ATamperedWrappedKeyShowsEveryRecordOfItsConversationAsFailing) {
  make_conversation("bankx", "c1");
  make_conversation("bankx", "c2");
  make_conversation("bankx", "c3");
  for (int i = 1; i <= 3; ++i) append("bankx", "c1", "a" + std::to_string(i), "one");
  append("bankx", "c2", "b1", "two");
  append("bankx", "c3", "d1", "three");
  close_store();  // nothing cached: the keys are opened from what is stored
  const auto key_of = [&](const std::string& conv) {
    return "(SELECT key_id FROM conversations WHERE pk = " + pk_of("bankx", conv) + ")";
  };
  const auto sealed_key = [&](const std::string& conv) {
    return env_->select_blobs("SELECT sealed FROM data_keys WHERE key_id = " + key_of(conv)).at(0);
  };
  // c1's wrapped key flipped, c2's truncated, c3 given c2's: none of them opens.
  auto flipped = sealed_key("c1");
  flipped[flipped.size() / 2] ^= 0x01;
  auto truncated = sealed_key("c2");
  const auto c2_key = truncated;
  truncated.resize(truncated.size() - 5);
  env_->update_blob("UPDATE data_keys SET sealed = $1 WHERE key_id = " + key_of("c1"), flipped);
  env_->update_blob("UPDATE data_keys SET sealed = $1 WHERE key_id = " + key_of("c2"), truncated);
  env_->update_blob("UPDATE data_keys SET sealed = $1 WHERE key_id = " + key_of("c3"), c2_key);
  open_store();
  for (const auto& [conv, n] : std::vector<std::pair<std::string, std::size_t>>{{"c1", 3}, {"c2", 1}, {"c3", 1}}) {
    auto page = run(store_->read_activities("bankx", conv, 0, 10));
    ASSERT_TRUE(page) << conv << ": " << page.error().message();
    ASSERT_EQ(page->activities.size(), n) << conv;
    for (const auto& rec : page->activities) EXPECT_TRUE(rec.corrupt) << conv;
    EXPECT_EQ(run(store_->get_conversation("bankx", conv)).error(), errc::corrupt) << conv;
    new_activity a{"x", at(1), "message", "user", "{}", std::nullopt};
    EXPECT_EQ(run(store_->append_activity("bankx", conv, a)).error(), errc::corrupt) << conv;
  }
  std::lock_guard lock(failures_mutex_);
  EXPECT_FALSE(failures_.empty());
  EXPECT_TRUE(std::any_of(failures_.begin(), failures_.end(), [](const integrity_failure& f) { return f.key; }));
}

TEST_P(store_suite, EveryColumnInClearIsOnTheDocumentedList) {
  // docs/adr/0019-metadata-in-clear.md lists every column of both backends between two markers;
  // a column that appears in the schema without being listed (or the reverse) fails here.
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/docs/adr/0019-metadata-in-clear.md");
  ASSERT_TRUE(in) << "the documented list is missing";
  std::set<std::string> documented;  // for this backend
  bool inside = false;
  const std::regex row(R"(^\|\s*`([a-z_]+)\.([a-z_]+)`\s*\|\s*(both|sqlite|postgres)\s*\|)");
  for (std::string line; std::getline(in, line);) {
    if (line.find("<!-- columns:begin -->") != std::string::npos) inside = true;
    if (line.find("<!-- columns:end -->") != std::string::npos) inside = false;
    std::smatch m;
    if (!inside || !std::regex_search(line, m, row)) continue;
    const auto column = m[1].str() + "." + m[2].str();
    if (m[3].str() == "both" || m[3].str() == env_->name()) documented.insert(column);
  }
  ASSERT_GT(documented.size(), 20u);
  std::set<std::string> actual;
  for (auto& c : env_->columns()) actual.insert(std::move(c));
  for (const auto& c : actual) EXPECT_TRUE(documented.contains(c)) << c << " is not on the documented list";
  for (const auto& c : documented) EXPECT_TRUE(actual.contains(c)) << c << " is documented but not in the schema";
}

TEST_P(store_suite, StoredSizesRevealBucketsNotLengths) {
  make_conversation("bankx", "c1");
  append("bankx", "c1", "a1", "hi");
  append("bankx", "c1", "a2", std::string(150, 'x'));
  append("bankx", "c1", "a3", std::string(1000, 'y'));
  append("bankx", "c1", "a4", std::string(1013, 'z'));
  auto sizes =
      env_->select_blobs("SELECT body FROM activities WHERE conv_pk = " + pk_of("bankx", "c1") + " ORDER BY seq");
  ASSERT_EQ(sizes.size(), 4u);
  EXPECT_EQ(sizes[0].size(), sizes[1].size());  // a greeting and a sentence look alike
  EXPECT_EQ(sizes[2].size(), sizes[3].size());
  EXPECT_LT(sizes[1].size(), sizes[2].size());
  // Files: name length, type and size are inside the ciphertext; the content is padded.
  auto a = run(store_->put_attachment("bankx", "c1", {"image/png", "a.png", std::string(3000, 'p')}));
  auto b = run(store_->put_attachment(
      "bankx", "c1", {"application/pdf", "a-much-longer-name-of-a-statement.pdf", std::string(3050, 'q')}));
  ASSERT_TRUE(a && b);
  auto metas = env_->select_blobs("SELECT meta FROM attachments WHERE conv_pk = " + pk_of("bankx", "c1"));
  auto contents = env_->select_blobs("SELECT content FROM attachments WHERE conv_pk = " + pk_of("bankx", "c1"));
  ASSERT_EQ(metas.size(), 2u);
  EXPECT_EQ(metas[0].size(), metas[1].size());
  EXPECT_EQ(contents[0].size(), contents[1].size());
  EXPECT_FALSE(env_->storage_contains("image/png"));
  EXPECT_FALSE(env_->storage_contains("application/pdf"));
  EXPECT_EQ(run(store_->get_attachment("bankx", "c1", *b))->name, "a-much-longer-name-of-a-statement.pdf");
  EXPECT_EQ(run(store_->get_attachment("bankx", "c1", *a))->bytes.size(), 3000u);
}

TEST_P(store_suite, NoTypeRoleOrTimeOfAnActivityIsInClear) {
  make_conversation("bankx", "c1");
  new_activity a{"a1", at(7), "MARKER_TYPE", "MARKER_ROLE", "{}", std::nullopt};
  ASSERT_TRUE(run(store_->append_activity("bankx", "c1", a)));
  ASSERT_TRUE(run(store_->create_conversation("bankx", "c2", "MARKER_BOT", "dl_u")));
  EXPECT_TRUE(env_->storage_contains("a1"));  // positive control: the activity id is in clear
  for (const char* marker : {"MARKER_TYPE", "MARKER_ROLE", "MARKER_BOT"}) {
    EXPECT_FALSE(env_->storage_contains(marker)) << marker;
  }
  auto page = run(store_->read_activities("bankx", "c1", 0, 10));
  EXPECT_EQ(page->activities.at(0).type, "MARKER_TYPE");
  EXPECT_EQ(page->activities.at(0).sender_role, "MARKER_ROLE");
  EXPECT_EQ(page->activities.at(0).timestamp, at(7));
  EXPECT_EQ(run(store_->get_conversation("bankx", "c2"))->bot_id, "MARKER_BOT");
}

TEST_P(store_suite, OneUsersConversationsCannotBeLinkedByTheirPseudonym) {
  make_conversation("bankx", "c1", "dl_same_user");
  make_conversation("bankx", "c2", "dl_same_user");
  make_conversation("bankx", "c3", "dl_other_user");
  auto refs = env_->select_blobs("SELECT user_ref FROM conversations ORDER BY pk");
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_NE(refs[0], refs[1]);
  EXPECT_EQ(*run(store_->erase_user("bankx", "dl_same_user")), 2u);
  EXPECT_TRUE(run(store_->get_conversation("bankx", "c3")));
}

}  // namespace parley::store::testing
