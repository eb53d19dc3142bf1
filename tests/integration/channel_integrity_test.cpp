// Tampering shown, not hidden (issue 22, item 1), end to end: the channel over the real encrypted
// store on SQLite and on PostgreSQL; records and wrapped keys are flipped, truncated and swapped
// in the database behind the store's back; a Direct Line client reads through the API (polling and
// the WebSocket stream) and gets an integrity marker in place of every record that fails, with
// its id and sequence number, never a silent gap; the store counts each detection and reports it
// to its hook once.
#include "channel_fixture.hpp"
#include "sqlite_test_env.hpp"
#include "ws_client.hpp"
#ifdef PARLEY_WITH_POSTGRES
#include "pg_test_env.hpp"
#endif

#include <parley/store/encrypted_store.hpp>

#include <gtest/gtest.h>

namespace parley::channel::test {
namespace {

using store::testing::backend_env;
namespace fs = std::filesystem;

using env_factory = std::unique_ptr<backend_env> (*)();

std::unique_ptr<backend_env> make_sqlite() {
  return std::make_unique<store::sqlite::testing::sqlite_env>();
}
#ifdef PARLEY_WITH_POSTGRES
std::unique_ptr<backend_env> make_postgres() {
  return std::make_unique<store::postgres::testing::postgres_env>();
}
#endif

std::string id_of(const json::object& o) {
  return std::string(o.at("conversationId").as_string());
}
std::string token_of(const json::object& o) {
  return std::string(o.at("token").as_string());
}
std::string target_of(const std::string& url) {
  return url.substr(url.find('/', 5));
}
std::string activities_path(const std::string& id) {
  return "/v3/directline/conversations/" + id + "/activities";
}

json::object message(const std::string& text) {
  return json::object{{"type", "message"}, {"from", {{"id", "ignored"}}}, {"text", text}};
}

bool is_marker(const json::object& a, std::uint64_t seq) {
  const auto* cd = a.if_contains("channelData");
  if (cd == nullptr || !cd->is_object() || !cd->get_object().contains("parley")) return false;
  const auto& integrity = cd->at("parley").at("integrity");
  return integrity.at("status") == "failed" && integrity.at("seq").as_int64() == static_cast<std::int64_t>(seq) &&
         a.at("type") == "message" && a.at("from").at("role") == "channel";
}

class ChannelIntegrity : public ::testing::TestWithParam<env_factory> {
 protected:
  void SetUp() override {
    env_ = GetParam()();
    dir_ = fs::temp_directory_path() / ("parley-integrity-" + core::random_id(core::os_random(), "", 8));
    fs::create_directories(dir_);
    ASSERT_TRUE(crypto::root_key::create_file(dir_ / "root.key"));
    store::options o;
    o.key_cache_size = 1;  // a conversation's data key is read from the database again soon
    store::store_dependencies deps;
    deps.on_integrity_failure = [this](const store::integrity_failure&) { ++hooked_; };
    auto s = store::encrypted_store::open(env_->open_backend(), *crypto::root_key::load_file(dir_ / "root.key", 1),
                                          dir_ / "erasure.secrets", o, deps);
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
    harness_settings hs;
    hs.store = store_.get();
    h_ = std::make_unique<harness>(hs);
  }
  void TearDown() override {
    h_.reset();
    store_.reset();
    env_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Polls everything after watermark 0 (page by page) and returns the activities.
  std::vector<json::object> poll_all(const std::string& id, const std::string& token) {
    std::vector<json::object> out;
    std::string watermark;
    for (int page = 0; page < 20; ++page) {
      auto r = h_->get(activities_path(id) + "?watermark=" + watermark, token);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const auto body = r.json();
      const auto& list = body.at("activities").as_array();
      for (const auto& a : list) out.push_back(a.as_object());
      const std::string next(body.at("watermark").as_string());
      if (list.empty() || next == watermark) break;
      watermark = next;
    }
    return out;
  }

  std::string pk_of(const std::string& id) {
    return "(SELECT pk FROM conversations WHERE tenant_id = 'bankx' AND id = '" + id + "')";
  }
  store::bytes body_at(const std::string& id, int seq) {
    return env_
        ->select_blobs("SELECT body FROM activities WHERE conv_pk = " + pk_of(id) + " AND seq = " + std::to_string(seq))
        .at(0);
  }
  void set_body(const std::string& id, int seq, const store::bytes& b) {
    env_->update_blob(
        "UPDATE activities SET body = $1 WHERE conv_pk = " + pk_of(id) + " AND seq = " + std::to_string(seq), b);
  }

  std::unique_ptr<backend_env> env_;
  fs::path dir_;
  std::unique_ptr<store::encrypted_store> store_;
  std::unique_ptr<harness> h_;
  std::atomic<int> hooked_{0};
};

TEST_P(ChannelIntegrity, TamperedRecordsReachTheReaderAsMarkersByPollingAndStream) {
  const auto conv = h_->start_conversation();
  const auto id = id_of(conv);
  const auto token = token_of(conv);
  // seq 1 conversationUpdate; each post: the user's message, then the bot's echo.
  for (const char* text : {"one", "two", "three"}) {
    ASSERT_EQ(h_->post(activities_path(id), token, message(text)).status, 200);
  }
  ASSERT_EQ(poll_all(id, token).size(), 6u);
  // seq 2 "one": a flipped bit; 3 "echo: one": truncated; 4 and 5 swapped; 6, 7 untouched.
  auto flipped = body_at(id, 2);
  flipped[flipped.size() / 2] ^= 0x10;
  set_body(id, 2, flipped);
  auto truncated = body_at(id, 3);
  truncated.resize(truncated.size() - 7);
  set_body(id, 3, truncated);
  const auto four = body_at(id, 4);
  set_body(id, 4, body_at(id, 5));
  set_body(id, 5, four);

  const auto before = store_->integrity_failures();
  auto polled = poll_all(id, token);
  ASSERT_EQ(polled.size(), 6u);
  for (std::uint64_t seq = 2; seq <= 5; ++seq) {
    EXPECT_TRUE(is_marker(polled[seq - 2], seq)) << json::serialize(polled[seq - 2]);
    EXPECT_EQ(polled[seq - 2].at("id").as_string(), id + "|000000" + std::to_string(seq));
  }
  EXPECT_EQ(polled[4].at("text"), "three");
  EXPECT_EQ(polled[5].at("text"), "echo: three");
  EXPECT_EQ(store_->integrity_failures() - before, 4u);
  EXPECT_GE(hooked_.load(), 4);

  // The stream replays the same: markers in place, in sequence order, then goes live.
  auto again = h_->get("/v3/directline/conversations/" + id + "?watermark=-", token);
  ASSERT_EQ(again.status, 200) << again.body;
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h_->port(), target_of(std::string(again.json().at("streamUrl").as_string()))), 101);
  std::vector<json::object> streamed;
  while (streamed.size() < 6) {
    auto m = ws.read(5s);
    if (!m) break;
    if (m->text.empty()) continue;
    auto frame = core::parse_json_object(m->text);
    ASSERT_TRUE(frame);
    for (const auto& a : frame->at("activities").as_array()) streamed.push_back(a.as_object());
  }
  ASSERT_EQ(streamed.size(), 6u);
  for (std::uint64_t seq = 2; seq <= 5; ++seq) EXPECT_TRUE(is_marker(streamed[seq - 2], seq));
  EXPECT_EQ(streamed[4].at("text"), "three");
  // Nothing was reported twice for the same record.
  EXPECT_EQ(store_->integrity_failures() - before, 4u);
}

TEST_P(ChannelIntegrity, ATamperedWrappedKeyShowsEveryRecordAsAMarkerAndWritesFailClearly) {
  const auto conv = h_->start_conversation();
  const auto other = h_->start_conversation();
  const auto id = id_of(conv);
  const auto token = token_of(conv);
  ASSERT_EQ(h_->post(activities_path(id), token, message("secret")).status, 200);
  ASSERT_EQ(h_->post(activities_path(id_of(other)), token_of(other), message("other")).status, 200);
  // The conversation's wrapped data key, flipped in the database; the other conversation's
  // traffic has pushed it out of the store's one-key cache.
  const std::string key = "(SELECT key_id FROM conversations WHERE pk = " + pk_of(id) + ")";
  auto wrapped = env_->select_blobs("SELECT sealed FROM data_keys WHERE key_id = " + key).at(0);
  wrapped[wrapped.size() - 20] ^= 0x01;
  env_->update_blob("UPDATE data_keys SET sealed = $1 WHERE key_id = " + key, wrapped);
  ASSERT_EQ(poll_all(id_of(other), token_of(other)).size(), 2u);

  auto polled = poll_all(id, token);
  ASSERT_EQ(polled.size(), 3u);  // the conversationUpdate too: its type is sealed, nothing is known
  for (std::uint64_t seq = 1; seq <= 3; ++seq) EXPECT_TRUE(is_marker(polled[seq - 1], seq));
  auto posted = h_->post(activities_path(id), token, message("more"));
  EXPECT_EQ(posted.status, 500);
  EXPECT_EQ(posted.code(), "IntegrityFailure");
  EXPECT_EQ(poll_all(id_of(other), token_of(other)).size(), 2u);  // the other conversation is unaffected
  EXPECT_GE(hooked_.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(sqlite, ChannelIntegrity, ::testing::Values(&make_sqlite));
#ifdef PARLEY_WITH_POSTGRES
INSTANTIATE_TEST_SUITE_P(postgres, ChannelIntegrity, ::testing::Values(&make_postgres));
#endif

}  // namespace
}  // namespace parley::channel::test
