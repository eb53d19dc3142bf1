// The conformance suite (store_suite.hpp): every behaviour of encrypted_store over a real backend.
#include <parley/core/async.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

namespace parley::store::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// One fake clock per process is enough: tests only move it forward.
core::testing::fake_clock& test_clock() {
  static core::testing::fake_clock clock;
  return clock;
}

time_point at(int seconds) {
  return time_point{} + std::chrono::seconds(1'800'000'000 + seconds);
}

}  // namespace

void store_suite::SetUp() {
  env_ = GetParam()();
  ASSERT_NE(env_, nullptr);
  dir_ = std::filesystem::temp_directory_path() /
         ("parley-store-suite-" + std::to_string(::getpid()) + "-" + core::random_id(core::os_random(), "", 6));
  std::filesystem::create_directories(dir_);
  root_file_ = dir_ / "root.key";
  ASSERT_TRUE(crypto::root_key::create_file(root_file_));
  open_store();
}

void store_suite::TearDown() {
  store_.reset();
  env_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

crypto::root_key store_suite::root() const {
  auto r = crypto::root_key::load_file(root_file_, 1);
  PARLEY_CHECK(r.has_value(), "test root key");
  return std::move(*r);
}

result<std::unique_ptr<encrypted_store>> store_suite::try_open(crypto::root_key root, store::options opts) {
  store_dependencies deps;
  deps.clock = &test_clock();
  deps.on_integrity_failure = [this](const integrity_failure& f) {
    std::lock_guard lock(failures_mutex_);
    failures_.push_back(f);
  };
  return encrypted_store::open(env_->open_backend(), std::move(root), secrets_file(), opts, deps);
}

void store_suite::advance_clock(std::chrono::milliseconds d) { test_clock().advance(d); }
time_point store_suite::clock_now() { return test_clock().now(); }

void store_suite::open_store(store::options opts) {
  store_.reset();
  auto s = try_open(root(), opts);
  ASSERT_TRUE(s) << s.error().message();
  store_ = std::move(*s);
}

void store_suite::make_conversation(const std::string& tenant, const std::string& id, const std::string& user) {
  ASSERT_TRUE(run(store_->ensure_tenant(tenant)));
  auto c = run(store_->create_conversation(tenant, id, "bot1", user));
  ASSERT_TRUE(c) << c.error().message();
}

std::uint64_t store_suite::append(const std::string& tenant, const std::string& conv, const std::string& activity_id,
                                  const std::string& body, std::optional<std::string> idempotency_key) {
  new_activity a{activity_id, at(10), "message", "user", body, std::move(idempotency_key)};
  auto r = run(store_->append_activity(tenant, conv, std::move(a)));
  EXPECT_TRUE(r) << r.error().message();
  return r ? r->seq : 0;
}

std::string store_suite::pk_of(const std::string& tenant, const std::string& conv) {
  return "(SELECT pk FROM conversations WHERE tenant_id = '" + tenant + "' AND id = '" + conv + "')";
}

std::uint64_t store_suite::subject_of(const std::string& tenant, const std::string& conv) {
  // As text, so that both backends answer with the same SQL through select_blobs.
  auto v = env_->select_blobs("SELECT CAST(subject AS TEXT) FROM conversations WHERE pk = " + pk_of(tenant, conv));
  PARLEY_CHECK(v.size() == 1, "one conversation");
  return std::stoull(std::string(v[0].begin(), v[0].end()));
}

// --- round trips --------------------------------------------------------------------------------

TEST_P(store_suite, RoundTripsEverythingItStores) {
  make_conversation("bankx", "c1", "dl_alice");
  auto conv = run(store_->get_conversation("bankx", "c1"));
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->user_id, "dl_alice");
  EXPECT_EQ(conv->bot_id, "bot1");
  EXPECT_EQ(conv->state, conversation_state::with_bot);
  EXPECT_EQ(conv->last_seq, 0u);

  new_activity a{"a1", at(1) + 123456789ns, "message", "user", R"({"text":"hello"})", std::nullopt};
  auto r1 = run(store_->append_activity("bankx", "c1", a));
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->seq, 1u);
  EXPECT_FALSE(r1->duplicate);
  a.activity_id = "a2";
  a.sender_role = "bot";
  a.type = "event";
  a.body = R"({"name":"x"})";
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a))->seq, 2u);
  a.activity_id = "a1";  // a new version of a1
  a.body = R"({"text":"hello, edited"})";
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a))->seq, 3u);

  auto page = run(store_->read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 3u);
  EXPECT_EQ(page->activities[0].body, R"({"text":"hello"})");
  EXPECT_EQ(page->activities[0].timestamp, at(1) + 123456789ns);
  EXPECT_EQ(page->activities[0].sender_role, "user");
  EXPECT_EQ(page->activities[1].type, "event");
  EXPECT_EQ(page->activities[1].sender_role, "bot");
  EXPECT_EQ(page->last_seq, 3u);
  EXPECT_FALSE(page->more);

  auto paged = run(store_->read_activities("bankx", "c1", 1, 1));
  ASSERT_TRUE(paged);
  ASSERT_EQ(paged->activities.size(), 1u);
  EXPECT_EQ(paged->activities[0].seq, 2u);
  EXPECT_EQ(paged->last_seq, 2u);
  EXPECT_TRUE(paged->more);
  auto empty = run(store_->read_activities("bankx", "c1", 3, 10));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->activities.empty());
  EXPECT_EQ(empty->last_seq, 3u);

  auto newest = run(store_->get_activity("bankx", "c1", "a1"));
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->seq, 3u);
  EXPECT_EQ(newest->body, R"({"text":"hello, edited"})");
  EXPECT_EQ(run(store_->get_activity("bankx", "c1", "nope")).error(), errc::not_found);

  conv = run(store_->get_conversation("bankx", "c1"));
  EXPECT_EQ(conv->last_seq, 3u);
  EXPECT_EQ(conv->last_activity, at(1) + 123456789ns);

  ASSERT_TRUE(run(store_->set_conversation_state("bankx", "c1", conversation_state::with_consultant)));
  EXPECT_EQ(run(store_->get_conversation("bankx", "c1"))->state, conversation_state::with_consultant);

  std::string binary("\0\x01\xff payload", 11);
  auto att = run(store_->put_attachment("bankx", "c1", {"application/pdf", "statement.pdf", binary}));
  ASSERT_TRUE(att);
  EXPECT_EQ(att->rfind("att_", 0), 0u);
  auto file = run(store_->get_attachment("bankx", "c1", *att));
  ASSERT_TRUE(file);
  EXPECT_EQ(file->name, "statement.pdf");
  EXPECT_EQ(file->content_type, "application/pdf");
  EXPECT_EQ(file->bytes, binary);
  EXPECT_EQ(run(store_->get_attachment("bankx", "c1", "att_nope")).error(), errc::not_found);

  // Everything survives closing and reopening the store.
  open_store();
  EXPECT_EQ(run(store_->get_conversation("bankx", "c1"))->user_id, "dl_alice");
  EXPECT_EQ(run(store_->read_activities("bankx", "c1", 0, 10))->activities.size(), 3u);
  EXPECT_EQ(run(store_->get_attachment("bankx", "c1", *att))->bytes, binary);
  EXPECT_EQ(append("bankx", "c1", "a4", "{}"), 4u);
}

TEST_P(store_suite, EmptyBodiesAndStatesRoundTrip) {
  make_conversation("bankx", "c1");
  EXPECT_EQ(append("bankx", "c1", "a1", ""), 1u);
  EXPECT_EQ(run(store_->read_activities("bankx", "c1", 0, 10))->activities.at(0).body, "");
  auto etag = run(store_->put_bot_state("bankx", "c1", "", std::nullopt));
  ASSERT_TRUE(etag);
  auto st = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(st && *st);
  EXPECT_EQ((*st)->data, "");
}

TEST_P(store_suite, BotStateUsesEtags) {
  make_conversation("bankx", "c1");
  EXPECT_FALSE(*run(store_->get_bot_state("bankx", "c1")));
  auto e1 = run(store_->put_bot_state("bankx", "c1", R"({"step":1})", std::nullopt));
  ASSERT_TRUE(e1);
  EXPECT_EQ(run(store_->put_bot_state("bankx", "c1", "{}", std::nullopt)).error(), errc::etag_mismatch);
  EXPECT_EQ(run(store_->put_bot_state("bankx", "c1", "{}", "wrong")).error(), errc::etag_mismatch);
  auto e2 = run(store_->put_bot_state("bankx", "c1", R"({"step":2})", *e1));
  ASSERT_TRUE(e2);
  EXPECT_NE(*e1, *e2);
  EXPECT_EQ(run(store_->put_bot_state("bankx", "c1", "{}", *e1)).error(), errc::etag_mismatch);
  auto st = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(st && *st);
  EXPECT_EQ((*st)->data, R"({"step":2})");
  EXPECT_EQ((*st)->etag, *e2);
  EXPECT_EQ(run(store_->get_bot_state("bankx", "nope")).error(), errc::not_found);
}

TEST_P(store_suite, BotStateIsServedFromTheCacheAfterAWrite) {
  make_conversation("bankx", "c1");
  auto e1 = run(store_->put_bot_state("bankx", "c1", R"({"step":1})", std::nullopt));
  ASSERT_TRUE(e1);
  // Changed behind the store's back: the cached (sealed) state is what this store reads...
  env_->exec("UPDATE bot_state SET etag = 'changed'");
  auto cached = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(cached && *cached);
  EXPECT_EQ((*cached)->etag, *e1);
  EXPECT_EQ((*cached)->data, R"({"step":1})");
  // ...while a store without the cache reads the database (where the record no longer opens).
  store::options no_cache;
  no_cache.bot_state_cache_size = 0;
  open_store(no_cache);
  EXPECT_EQ(run(store_->get_bot_state("bankx", "c1")).error(), errc::corrupt);
}

TEST_P(store_suite, AStaleCachedBotStateIsCaughtByTheEtagCheckNeverOverwritten) {
  make_conversation("bankx", "c1");
  auto e1 = run(store_->put_bot_state("bankx", "c1", R"({"by":"first"})", std::nullopt));
  ASSERT_TRUE(e1);
  // Another process (a second store on the same database) moves the state on.
  auto other = try_open(root());
  ASSERT_TRUE(other) << other.error().message();
  auto e2 = run((*other)->put_bot_state("bankx", "c1", R"({"by":"other"})", *e1));
  ASSERT_TRUE(e2);
  // This store's cache still holds the first state; writing on top of it is refused...
  auto stale = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(stale && *stale);
  EXPECT_EQ((*stale)->etag, *e1);
  EXPECT_EQ(run(store_->put_bot_state("bankx", "c1", R"({"by":"stale"})", (*stale)->etag)).error(),
            errc::etag_mismatch);
  // ...and the refusal sends the next read to the database, so a retry builds on the other's state.
  auto fresh = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(fresh && *fresh);
  EXPECT_EQ((*fresh)->etag, *e2);
  EXPECT_EQ((*fresh)->data, R"({"by":"other"})");
  auto e3 = run(store_->put_bot_state("bankx", "c1", R"({"by":"retry"})", (*fresh)->etag));
  ASSERT_TRUE(e3);
  other->reset();
  open_store();
  auto final_state = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(final_state && *final_state);
  EXPECT_EQ((*final_state)->etag, *e3);
  EXPECT_EQ((*final_state)->data, R"({"by":"retry"})");
}

TEST_P(store_suite, AnErasedConversationsCachedBotStateIsGone) {
  make_conversation("bankx", "c1");
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "c1", R"({"secret":1})", std::nullopt)));
  ASSERT_TRUE(run(store_->get_bot_state("bankx", "c1")));
  ASSERT_TRUE(run(store_->erase_conversation("bankx", "c1")));
  EXPECT_EQ(run(store_->get_bot_state("bankx", "c1")).error(), errc::not_found);
  // A new conversation under the same id starts without state.
  make_conversation("bankx", "c1");
  auto st = run(store_->get_bot_state("bankx", "c1"));
  ASSERT_TRUE(st);
  EXPECT_FALSE(*st);
}

TEST_P(store_suite, IdempotencyKeysReturnTheFirstResult) {
  make_conversation("bankx", "c1");
  new_activity a{"a1", at(1), "message", "user", "{}", "client-1"};
  auto first = run(store_->append_activity("bankx", "c1", a));
  ASSERT_TRUE(first);
  a.activity_id = "a1-retry";
  auto again = run(store_->append_activity("bankx", "c1", a));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->activity_id, "a1");
  // The key is per conversation, and survives a restart.
  make_conversation("bankx", "c2");
  EXPECT_FALSE(run(store_->append_activity("bankx", "c2", a))->duplicate);
  open_store();
  EXPECT_TRUE(run(store_->append_activity("bankx", "c1", a))->duplicate);
  EXPECT_EQ(run(store_->read_activities("bankx", "c1", 0, 10))->activities.size(), 1u);
  // Stored only as a keyed hash.
  EXPECT_FALSE(env_->storage_contains("client-1"));
}

TEST_P(store_suite, TenantsAreIsolated) {
  make_conversation("bankx", "c1", "dl_a");
  make_conversation("insurey", "c1", "dl_b");
  append("bankx", "c1", "a1", "bank secret");
  EXPECT_EQ(run(store_->read_activities("insurey", "c1", 0, 10))->activities.size(), 0u);
  EXPECT_EQ(run(store_->get_conversation("insurey", "c1"))->user_id, "dl_b");
  make_conversation("bankx", "only-bankx");
  EXPECT_EQ(run(store_->get_conversation("insurey", "only-bankx")).error(), errc::not_found);
  EXPECT_EQ(run(store_->read_activities("insurey", "only-bankx", 0, 10)).error(), errc::not_found);
  EXPECT_EQ(run(store_->erase_conversation("insurey", "only-bankx")).error(), errc::not_found);
  EXPECT_TRUE(run(store_->get_conversation("bankx", "only-bankx")));
  EXPECT_EQ(run(store_->list_conversations("insurey", {}))->conversations.size(), 1u);
}

TEST_P(store_suite, RefusesBadInputWithClearErrors) {
  EXPECT_EQ(run(store_->create_conversation("nobody", "c1", "bot", "u")).error(), errc::not_found);
  EXPECT_EQ(run(store_->ensure_tenant("")).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->ensure_tenant(std::string(129, 'a'))).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->ensure_tenant("bad tenant")).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->ensure_tenant("~internal")).error(), errc::invalid_argument);
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));  // idempotent
  EXPECT_EQ(run(store_->create_conversation("bankx", "c\n1", "bot", "u")).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->create_conversation("bankx", "c1", "bot", "")).error(), errc::invalid_argument);
  ASSERT_TRUE(run(store_->create_conversation("bankx", "c1", "bot", "u")));
  EXPECT_EQ(run(store_->create_conversation("bankx", "c1", "bot", "u")).error(), errc::already_exists);

  new_activity a{"a1", at(1), "message", "user", std::string(256 * 1024 + 1, 'x'), std::nullopt};
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a)).error(), errc::too_large);
  a.body = "{}";
  a.type = "has space";
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a)).error(), errc::invalid_argument);
  a.type = "message";
  a.activity_id = "";
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a)).error(), errc::invalid_argument);
  a.activity_id = "a1";
  a.idempotency_key = std::string(257, 'k');
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a)).error(), errc::invalid_argument);
  a.idempotency_key.reset();
  EXPECT_EQ(run(store_->append_activity("bankx", "nope", a)).error(), errc::not_found);
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a))->seq, 1u);  // no number lost to the failures

  EXPECT_EQ(run(store_->put_bot_state("bankx", "c1", std::string(1024 * 1024 + 1, 's'), std::nullopt)).error(),
            errc::too_large);
  EXPECT_EQ(
      run(store_->put_attachment("bankx", "c1", {"text/plain", "n", std::string(8 * 1024 * 1024 + 1, 'b')})).error(),
      errc::too_large);
  EXPECT_EQ(run(store_->put_attachment("bankx", "c1", {"bad type", "n", "b"})).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->set_conversation_state("bankx", "nope", conversation_state::ended)).error(), errc::not_found);
  conversation_filter f;
  f.cursor = "not a cursor";
  EXPECT_EQ(run(store_->list_conversations("bankx", f)).error(), errc::invalid_argument);
}

TEST_P(store_suite, ListsNewestActivityFirstWithFiltersAndCursor) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  for (int i = 0; i < 5; ++i) {
    const auto id = "c" + std::to_string(i);
    ASSERT_TRUE(run(store_->create_conversation("bankx", id, "bot", "u" + std::to_string(i))));
    new_activity a{"a", at(100 + i * 10), "message", "user", "{}", std::nullopt};
    ASSERT_TRUE(run(store_->append_activity("bankx", id, a)));
  }
  ASSERT_TRUE(run(store_->set_conversation_state("bankx", "c1", conversation_state::waiting_for_consultant)));
  conversation_filter f;
  f.limit = 2;
  std::vector<std::string> seen;
  for (;;) {
    auto page = run(store_->list_conversations("bankx", f));
    ASSERT_TRUE(page);
    for (const auto& c : page->conversations) seen.push_back(c.id);
    if (!page->next_cursor) break;
    f.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"c4", "c3", "c2", "c1", "c0"}));

  conversation_filter waiting;
  waiting.state = conversation_state::waiting_for_consultant;
  auto w = run(store_->list_conversations("bankx", waiting));
  ASSERT_EQ(w->conversations.size(), 1u);
  EXPECT_EQ(w->conversations[0].id, "c1");
  EXPECT_EQ(w->conversations[0].user_id, "u1");

  conversation_filter recent;
  recent.active_since = at(130);
  EXPECT_EQ(run(store_->list_conversations("bankx", recent))->conversations.size(), 2u);
}

// --- concurrency and group commit ----------------------------------------------------------------

TEST_P(store_suite, ConcurrentAppendsStayGapFreeAndOrdered) {
  constexpr int conversations = 3;
  constexpr int writers_per_conversation = 8;
  constexpr int appends_per_writer = 25;
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  for (int c = 0; c < conversations; ++c) {
    ASSERT_TRUE(run(store_->create_conversation("bankx", "c" + std::to_string(c), "bot", "u")));
  }
  asio::io_context ctx;
  std::atomic<int> failures{0};
  for (int c = 0; c < conversations; ++c) {
    for (int w = 0; w < writers_per_conversation; ++w) {
      asio::co_spawn(
          ctx,
          [&, c, w]() -> asio::awaitable<void> {
            for (int i = 0; i < appends_per_writer; ++i) {
              new_activity a{"w" + std::to_string(w) + "-" + std::to_string(i),
                             at(i),
                             "message",
                             "user",
                             "writer " + std::to_string(w) + " item " + std::to_string(i),
                             std::nullopt};
              auto r = co_await store_->append_activity("bankx", "c" + std::to_string(c), std::move(a));
              if (!r) ++failures;
            }
          },
          core::log_exceptions{core::logger("test"), "appender"});
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  for (int c = 0; c < conversations; ++c) {
    auto page = run(store_->read_activities("bankx", "c" + std::to_string(c), 0, 1000));
    ASSERT_TRUE(page);
    ASSERT_EQ(page->activities.size(), static_cast<std::size_t>(writers_per_conversation * appends_per_writer));
    std::map<int, int> next_item;  // per writer: items must appear in the order they were appended
    for (std::size_t k = 0; k < page->activities.size(); ++k) {
      const auto& rec = page->activities[k];
      EXPECT_EQ(rec.seq, k + 1) << "gap or reorder";
      EXPECT_FALSE(rec.corrupt);
      int w = 0, i = 0;
      ASSERT_EQ(std::sscanf(rec.body.c_str(), "writer %d item %d", &w, &i), 2);
      EXPECT_EQ(i, next_item[w]++);
    }
  }
}

TEST_P(store_suite, WriterStatsCountTransactionsAndOperations) {
  make_conversation("bankx", "c1");
  const auto before = store_->write_stats();
  append("bankx", "c1", "a1", "one");
  append("bankx", "c1", "a2", "two");
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "c1", "{}", std::nullopt)));
  const auto after = store_->write_stats();
  EXPECT_EQ(after.transactions - before.transactions, 3u);  // one at a time: nothing to group
  EXPECT_EQ(after.operations - before.operations, 3u);
  EXPECT_GE(after.largest, 1u);
  EXPECT_GT(after.commit_ns, before.commit_ns);
}

TEST_P(store_suite, MixedConcurrentWritesShareTransactionsWithoutInterference) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  asio::io_context ctx;
  std::atomic<int> failures{0};
  for (int c = 0; c < 6; ++c) {
    asio::co_spawn(
        ctx,
        [&, c]() -> asio::awaitable<void> {
          const auto id = "m" + std::to_string(c);
          if (!co_await store_->create_conversation("bankx", id, "bot", "u")) ++failures;
          std::optional<std::string> etag;
          for (int i = 0; i < 10; ++i) {
            new_activity a{"a" + std::to_string(i), at(i), "message", "user", "{}", "k" + std::to_string(i % 5)};
            auto r = co_await store_->append_activity("bankx", id, std::move(a));
            if (!r || r->duplicate != (i >= 5)) ++failures;
            auto e = co_await store_->put_bot_state("bankx", id, "state " + std::to_string(i), etag);
            if (!e) ++failures;
            if (e) etag = *e;
            // A failing operation in the same batch must not undo the others.
            if ((co_await store_->create_conversation("bankx", id, "bot", "u")).error() != errc::already_exists) {
              ++failures;
            }
          }
        },
        core::log_exceptions{core::logger("test"), "writer"});
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int c = 0; c < 6; ++c) {
    const auto id = "m" + std::to_string(c);
    EXPECT_EQ(run(store_->read_activities("bankx", id, 0, 100))->activities.size(), 5u);
    EXPECT_EQ((*run(store_->get_bot_state("bankx", id)))->data, "state 9");
  }
}

// --- encryption at rest -------------------------------------------------------------------------

TEST_P(store_suite, NoPlaintextAtRest) {
  make_conversation("bankx", "conv-plain", "dl_MARKER_USER_77");
  append("bankx", "conv-plain", "act-visible-1", R"({"text":"MARKER_BODY_TEXT_42 my IBAN"})");
  ASSERT_TRUE(run(store_->put_attachment("bankx", "conv-plain",
                                         {"text/plain", "MARKER_FILE_NAME.txt", "MARKER_FILE_BYTES payload"})));
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "conv-plain", R"({"MARKER_BOT_STATE":1})", std::nullopt)));
  // Positive control: the scan finds what is stored in the clear.
  EXPECT_TRUE(env_->storage_contains("act-visible-1"));
  EXPECT_TRUE(env_->storage_contains("conv-plain"));
  for (const char* marker :
       {"MARKER_BODY_TEXT_42", "MARKER_USER_77", "MARKER_FILE_NAME", "MARKER_FILE_BYTES", "MARKER_BOT_STATE"}) {
    EXPECT_FALSE(env_->storage_contains(marker)) << marker << " found at rest";
  }
}

// --- tampering ----------------------------------------------------------------------------------

TEST_P(store_suite, SwappedOrEditedRecordsAreCorruptAndTheRestStillReads) {
  make_conversation("bankx", "c1");
  make_conversation("bankx", "c2");
  make_conversation("insurey", "c3");
  for (int i = 1; i <= 4; ++i) append("bankx", "c1", "a" + std::to_string(i), "c1 message " + std::to_string(i));
  append("bankx", "c2", "b1", "c2 message 1");
  append("insurey", "c3", "d1", "c3 message 1");
  auto body = [&](const std::string& t, const std::string& c, int seq) {
    auto b = env_->select_blobs("SELECT body FROM activities WHERE conv_pk = " + pk_of(t, c) +
                                " AND seq = " + std::to_string(seq));
    PARLEY_CHECK(b.size() == 1, "one body");
    return b[0];
  };
  auto set_body = [&](const std::string& t, const std::string& c, int seq, const bytes& v) {
    env_->update_blob(
        "UPDATE activities SET body = $1 WHERE conv_pk = " + pk_of(t, c) + " AND seq = " + std::to_string(seq), v);
  };
  const auto b1 = body("bankx", "c1", 1), b2 = body("bankx", "c1", 2);
  set_body("bankx", "c1", 1, b2);  // swap two rows of one conversation
  set_body("bankx", "c1", 2, b1);
  set_body("bankx", "c1", 3, body("bankx", "c2", 1));    // from another conversation
  set_body("bankx", "c2", 1, body("insurey", "c3", 1));  // from another tenant
  auto edited = body("bankx", "c1", 4);
  edited[edited.size() / 2] ^= 0x01;  // one flipped bit
  set_body("bankx", "c1", 4, edited);

  core::testing::log_capture logs;
  auto page = run(store_->read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 4u);
  for (const auto& rec : page->activities) {
    EXPECT_TRUE(rec.corrupt) << "seq " << rec.seq;
    EXPECT_TRUE(rec.body.empty());
  }
  auto c2 = run(store_->read_activities("bankx", "c2", 0, 10));
  EXPECT_TRUE(c2->activities.at(0).corrupt);
  EXPECT_FALSE(run(store_->read_activities("insurey", "c3", 0, 10))->activities.at(0).corrupt);
  EXPECT_TRUE(run(store_->get_activity("bankx", "c1", "a4"))->corrupt);
  EXPECT_TRUE(logs.contains("activity 4 a4 fails its integrity check"));
  EXPECT_FALSE(logs.contains("message"));  // ids in the log, never bodies

  // Swapping back restores them: nothing was destroyed, only refused.
  set_body("bankx", "c1", 1, b1);
  set_body("bankx", "c1", 2, b2);
  page = run(store_->read_activities("bankx", "c1", 0, 2));
  EXPECT_FALSE(page->activities.at(0).corrupt);
  EXPECT_EQ(page->activities.at(1).body, "c1 message 2");
  // New appends still work after corruption elsewhere in the conversation.
  EXPECT_EQ(append("bankx", "c1", "a5", "fine"), 5u);
}

TEST_P(store_suite, ChangedClearColumnsMakeTheRecordCorrupt) {
  make_conversation("bankx", "c1");
  append("bankx", "c1", "a1", "from the user");
  append("bankx", "c1", "a2", "another");
  append("bankx", "c1", "a3", "third");
  env_->exec("UPDATE activities SET activity_id = 'other' WHERE conv_pk = " + pk_of("bankx", "c1") + " AND seq = 1");
  env_->exec("UPDATE activities SET seq = 9 WHERE conv_pk = " + pk_of("bankx", "c1") + " AND seq = 2");
  auto page = run(store_->read_activities("bankx", "c1", 0, 10));
  ASSERT_EQ(page->activities.size(), 3u);
  EXPECT_TRUE(page->activities.at(0).corrupt);
  EXPECT_FALSE(page->activities.at(1).corrupt);  // seq 3, untouched
  EXPECT_EQ(page->activities.at(2).seq, 9u);
  EXPECT_TRUE(page->activities.at(2).corrupt);
  // What the clear columns used to say is sealed now: a corrupt record tells nothing but its place.
  EXPECT_TRUE(page->activities.at(0).type.empty());
  EXPECT_TRUE(page->activities.at(0).sender_role.empty());
  EXPECT_EQ(page->activities.at(0).timestamp, time_point{});
}

TEST_P(store_suite, SwappedStateFilesAndUserIdsAreCorrupt) {
  make_conversation("bankx", "c1", "dl_one");
  make_conversation("bankx", "c2", "dl_two");
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "c1", "state one", std::nullopt)));
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "c2", "state two", std::nullopt)));
  auto f1 = run(store_->put_attachment("bankx", "c1", {"text/plain", "one.txt", "file one"}));
  ASSERT_TRUE(f1);

  const auto state2 = env_->select_blobs("SELECT data FROM bot_state WHERE conv_pk = " + pk_of("bankx", "c2"));
  env_->update_blob("UPDATE bot_state SET data = $1 WHERE conv_pk = " + pk_of("bankx", "c1"), state2.at(0));
  open_store();  // what is at rest, not this store's cache of what it wrote
  EXPECT_EQ(run(store_->get_bot_state("bankx", "c1")).error(), errc::corrupt);
  EXPECT_EQ((*run(store_->get_bot_state("bankx", "c2")))->data, "state two");

  const auto meta = env_->select_blobs("SELECT meta FROM attachments WHERE conv_pk = " + pk_of("bankx", "c1"));
  env_->update_blob("UPDATE attachments SET content = $1 WHERE conv_pk = " + pk_of("bankx", "c1"), meta.at(0));
  EXPECT_EQ(run(store_->get_attachment("bankx", "c1", *f1)).error(), errc::corrupt);

  const auto user2 = env_->select_blobs("SELECT sealed FROM conversations WHERE pk = " + pk_of("bankx", "c2"));
  env_->update_blob("UPDATE conversations SET sealed = $1 WHERE pk = " + pk_of("bankx", "c1"), user2.at(0));
  EXPECT_EQ(run(store_->get_conversation("bankx", "c1")).error(), errc::corrupt);
  EXPECT_EQ(run(store_->get_conversation("bankx", "c2"))->user_id, "dl_two");
  // The listing leaves the corrupt one out and lists the other.
  auto list = run(store_->list_conversations("bankx", {}));
  ASSERT_EQ(list->conversations.size(), 1u);
  EXPECT_EQ(list->conversations[0].id, "c2");
}

// --- keys ---------------------------------------------------------------------------------------

TEST_P(store_suite, WrongRootKeyFailsAtOnceAndChangesNothing) {
  make_conversation("bankx", "c1");
  append("bankx", "c1", "a1", "hello");
  close_store();
  const auto before = env_->fingerprint();
  ASSERT_EQ(env_->fingerprint(), before) << "the fingerprint itself is not stable";
  auto other = crypto::root_key::generate(1);
  ASSERT_TRUE(other);
  auto opened = try_open(std::move(*other));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), errc::wrong_root_key);
  auto other_version = crypto::root_key::generate(2);
  EXPECT_EQ(try_open(std::move(*other_version)).error(), errc::wrong_root_key);
  EXPECT_EQ(env_->fingerprint(), before);
  open_store();
  EXPECT_EQ(run(store_->read_activities("bankx", "c1", 0, 10))->activities.at(0).body, "hello");
}

TEST_P(store_suite, RootKeyRotationRewrapsTenantKeys) {
  make_conversation("bankx", "c1");
  make_conversation("insurey", "c2");
  append("bankx", "c1", "a1", "before rotation");
  const auto new_root_file = dir_ / "root2.key";
  ASSERT_TRUE(crypto::root_key::create_file(new_root_file));
  ASSERT_TRUE(run(store_->rotate_root_key(*crypto::root_key::load_file(new_root_file, 2))));
  // The running store goes on with the new key...
  make_conversation("newtenant", "c3");
  append("bankx", "c1", "a2", "after rotation");
  close_store();
  // ...and from now on only the new key opens the database.
  EXPECT_EQ(try_open(root()).error(), errc::wrong_root_key);
  auto reopened = try_open(*crypto::root_key::load_file(new_root_file, 2));
  ASSERT_TRUE(reopened) << reopened.error().message();
  store_ = std::move(*reopened);
  auto page = run(store_->read_activities("bankx", "c1", 0, 10));
  ASSERT_EQ(page->activities.size(), 2u);
  EXPECT_EQ(page->activities[0].body, "before rotation");
  EXPECT_TRUE(run(store_->get_conversation("newtenant", "c3")));
  EXPECT_EQ(run(store_->rotate_root_key(*crypto::root_key::load_file(new_root_file, 2))).error(),
            errc::invalid_argument);
}

TEST_P(store_suite, TenantKeyRotationKeepsDataAndRetiresTheOldVersion) {
  make_conversation("bankx", "c1");
  append("bankx", "c1", "a1", "kept");
  auto v = run(store_->rotate_tenant_key("bankx"));
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 2u);
  auto secrets = crypto::erasure_secrets::load_file(secrets_file());
  ASSERT_TRUE(secrets);
  EXPECT_FALSE(secrets->contains("bankx", 1));
  EXPECT_TRUE(secrets->contains("bankx", 2));
  make_conversation("bankx", "c2");
  open_store();  // nothing cached: everything is opened through version 2
  EXPECT_EQ(run(store_->read_activities("bankx", "c1", 0, 10))->activities.at(0).body, "kept");
  EXPECT_TRUE(run(store_->get_conversation("bankx", "c2")));
  EXPECT_EQ(run(store_->rotate_tenant_key("nobody")).error(), errc::not_found);
}

// --- erasure ------------------------------------------------------------------------------------

TEST_P(store_suite, EraseConversationRemovesItAndLeavesTheRest) {
  make_conversation("bankx", "gone", "dl_x");
  make_conversation("bankx", "kept", "dl_y");
  make_conversation("insurey", "other", "dl_z");
  append("bankx", "gone", "a1", "to be erased");
  ASSERT_TRUE(run(store_->put_bot_state("bankx", "gone", "s", std::nullopt)));
  append("bankx", "kept", "a1", "stays");
  append("insurey", "other", "a1", "stays too");
  const auto gone_subject = subject_of("bankx", "gone");
  const auto kept_subject = subject_of("bankx", "kept");
  ASSERT_NE(gone_subject, kept_subject);
  ASSERT_TRUE(run(store_->erase_conversation("bankx", "gone")));
  EXPECT_EQ(run(store_->get_conversation("bankx", "gone")).error(), errc::not_found);
  EXPECT_EQ(run(store_->read_activities("bankx", "gone", 0, 10)).error(), errc::not_found);
  EXPECT_EQ(run(store_->erase_conversation("bankx", "gone")).error(), errc::not_found);
  EXPECT_TRUE(
      env_->select_blobs("SELECT body FROM activities WHERE conv_pk NOT IN (SELECT pk FROM conversations)").empty());
  EXPECT_EQ(run(store_->read_activities("bankx", "kept", 0, 10))->activities.at(0).body, "stays");
  EXPECT_EQ(run(store_->read_activities("insurey", "other", 0, 10))->activities.at(0).body, "stays too");
  // Only the erased conversation's subject is gone: the tenant key did not move (older copies of
  // the database keep reading everyone else).
  auto secrets = crypto::erasure_secrets::load_file(secrets_file());
  ASSERT_TRUE(secrets);
  EXPECT_TRUE(secrets->contains("bankx", 1));
  EXPECT_TRUE(secrets->subject_erased("bankx", gone_subject));
  EXPECT_FALSE(secrets->subject_erased("bankx", kept_subject));
  EXPECT_EQ(secrets->erasure_epoch("bankx"), 1u);
  // The id can be used again, with a new key.
  make_conversation("bankx", "gone");
  EXPECT_EQ(append("bankx", "gone", "a1", "new life"), 1u);
  open_store();
  EXPECT_EQ(run(store_->read_activities("bankx", "kept", 0, 10))->activities.at(0).body, "stays");
  EXPECT_EQ(run(store_->read_activities("bankx", "gone", 0, 10))->activities.at(0).body, "new life");
}

TEST_P(store_suite, EraseUserFindsEveryConversationOfThatUserOnly) {
  make_conversation("bankx", "u1-a", "dl_user_one");
  make_conversation("bankx", "u1-b", "dl_user_one");
  make_conversation("bankx", "u2-a", "dl_user_two");
  make_conversation("insurey", "u1-elsewhere", "dl_user_one");
  for (auto c : {"u1-a", "u1-b", "u2-a"}) append("bankx", c, "a1", "hi");
  EXPECT_FALSE(env_->storage_contains("dl_user_one"));  // stored as a keyed hash and sealed
  auto n = run(store_->erase_user("bankx", "dl_user_one"));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(run(store_->get_conversation("bankx", "u1-a")).error(), errc::not_found);
  EXPECT_EQ(run(store_->get_conversation("bankx", "u1-b")).error(), errc::not_found);
  EXPECT_EQ(run(store_->get_conversation("bankx", "u2-a"))->user_id, "dl_user_two");
  EXPECT_EQ(run(store_->get_conversation("insurey", "u1-elsewhere"))->user_id, "dl_user_one");
  EXPECT_EQ(*run(store_->erase_user("bankx", "dl_user_one")), 0u);
  EXPECT_EQ(*run(store_->erase_user("nobody", "dl_user_one")), 0u);
}

TEST_P(store_suite, PurgeErasesConversationsIdleSinceTheCutoff) {
  ASSERT_TRUE(run(store_->ensure_tenant("bankx")));
  for (int i = 0; i < 4; ++i) {
    const auto id = "p" + std::to_string(i);
    ASSERT_TRUE(run(store_->create_conversation("bankx", id, "bot", "u")));
    new_activity a{"a", at(1000 * i), "message", "user", "{}", std::nullopt};
    ASSERT_TRUE(run(store_->append_activity("bankx", id, a)));
  }
  auto n = run(store_->purge("bankx", at(2000)));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  auto left = run(store_->list_conversations("bankx", {}));
  ASSERT_EQ(left->conversations.size(), 2u);
  EXPECT_EQ(left->conversations[0].id, "p3");
  EXPECT_EQ(left->conversations[1].id, "p2");
  EXPECT_EQ(*run(store_->purge("bankx", at(2000))), 0u);
  auto tenants = run(store_->list_tenants());
  ASSERT_TRUE(tenants);
  EXPECT_EQ(*tenants, std::vector<std::string>{"bankx"});
}

TEST_P(store_suite, ErasedKeyMakesTheConversationErasedNotGarbage) {
  // What a reader sees when rows outlive their key (a crash between SQLite's two commits, or an
  // old data file read with the current keys): errc::erased, never data.
  make_conversation("bankx", "c1");
  append("bankx", "c1", "a1", "secret");
  close_store();
  env_->exec("DELETE FROM data_keys WHERE key_id = (SELECT key_id FROM conversations WHERE pk = " +
             pk_of("bankx", "c1") + ")");
  open_store();
  EXPECT_EQ(run(store_->read_activities("bankx", "c1", 0, 10)).error(), errc::erased);
  EXPECT_EQ(run(store_->get_conversation("bankx", "c1")).error(), errc::erased);
  new_activity a{"a2", at(1), "message", "user", "{}", std::nullopt};
  EXPECT_EQ(run(store_->append_activity("bankx", "c1", a)).error(), errc::erased);
  // Erasing it again removes the leftover rows.
  ASSERT_TRUE(run(store_->erase_conversation("bankx", "c1")));
  EXPECT_EQ(run(store_->get_conversation("bankx", "c1")).error(), errc::not_found);
}

}  // namespace parley::store::testing
