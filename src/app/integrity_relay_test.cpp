// Integrity failures become audit entries (issue 22, item 1: a metric and an audit entry per
// detection), through the audit seam: the real encrypted store on SQLite with a record tampered
// behind its back, its hook wired to an integrity_relay, the real audit log (audit_runtime over
// the same store) as the sink; the entry is read back from the store's audit chain. The relay's
// own rules (before attach, a full queue, a failing sink) against the audit seam's fake.
#include "integrity_relay.hpp"

#include "audit_wiring.hpp"
#include "sqlite_test_env.hpp"

#include <parley/audit/testing/memory_sink.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/encrypted_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>

namespace parley::app {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;

template <typename T>
T run(asio::awaitable<T> a) {
  asio::io_context io;
  auto f = asio::co_spawn(io, std::move(a), asio::use_future);
  io.run();
  return f.get();
}

/// Runs `io` until `done()` holds (bounded: a broken relay fails the test instead of hanging).
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

store::integrity_failure failure(std::string conversation, std::uint64_t seq) {
  store::integrity_failure f;
  f.tenant_id = "bankx";
  f.conversation_id = std::move(conversation);
  f.record = "activity";
  f.seq = seq;
  return f;
}

TEST(IntegrityRelay, ATamperedRecordBecomesAnEntryInTheRealAuditLog) {
  store::sqlite::testing::sqlite_env env;
  const fs::path dir = env.dir();
  ASSERT_TRUE(crypto::root_key::create_file(dir / "root.key"));
  integrity_relay relay;
  store::store_dependencies deps;
  deps.on_integrity_failure = [&relay](const store::integrity_failure& f) { relay.report(f); };
  auto opened = store::encrypted_store::open(env.open_backend(), *crypto::root_key::load_file(dir / "root.key", 1),
                                             dir / "erasure.secrets", store::options{}, deps);
  ASSERT_TRUE(opened) << opened.error().message();
  std::shared_ptr<store::encrypted_store> s = std::move(*opened);

  audit_plan plan;
  plan.audit.key_file = (dir / "audit-keys.json").string();
  plan.crypto.root_key_file = (dir / "root.key").string();
  plan.store = s;
  auto audit = audit_runtime::create(std::move(plan));
  ASSERT_TRUE(audit);
  asio::io_context io;
  relay.attach_audit(audit->log(), io);

  ASSERT_TRUE(run(s->ensure_tenant("bankx")));
  ASSERT_TRUE(run(s->create_conversation("bankx", "c1", "bot", "dl_u1")));
  const auto t = store::time_point{} + std::chrono::seconds(1'800'000'000);
  for (const char* text : {"SECRET_BODY_ONE", "SECRET_BODY_TWO"}) {
    ASSERT_TRUE(run(s->append_activity(
        "bankx", "c1", {core::random_id(core::os_random(), "a", 8), t, "message", "user", text, std::nullopt})));
  }
  // Flip a bit of activity 2 behind the store's back.
  const std::string where = "WHERE conv_pk = (SELECT pk FROM conversations WHERE id = 'c1') AND seq = 2";
  auto body = env.select_blobs("SELECT body FROM activities " + where).at(0);
  body[body.size() / 2] ^= 0x10;
  env.update_blob("UPDATE activities SET body = $1 " + where, body);

  auto page = run(s->read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 2u);
  EXPECT_TRUE(page->activities[1].corrupt);
  ASSERT_TRUE(run_until(io, [&] { return relay.audited() == 1; })) << "no audit entry appended";
  relay.detach_audit();

  auto entries = run(s->read_audit("bankx", 0, 0, 10));
  ASSERT_TRUE(entries) << entries.error().message();
  ASSERT_EQ(entries->size(), 1u);
  ASSERT_TRUE(entries->at(0).plaintext);
  const auto& text = *entries->at(0).plaintext;
  const auto e = json::parse(text).as_object();
  EXPECT_EQ(e.at("event"), "store.integrity_failure");
  EXPECT_EQ(e.at("actor"), "system");
  EXPECT_EQ(e.at("subject"), "c1");
  EXPECT_EQ(e.at("details").at("record"), "activity");
  EXPECT_EQ(e.at("details").at("seq").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(text.find("SECRET_BODY"), std::string::npos);
  // Read again: the store reports a record once per process, so no second entry.
  ASSERT_TRUE(run(s->read_activities("bankx", "c1", 0, 10)));
  EXPECT_EQ(relay.reported(), 1u);
}

TEST(IntegrityRelay, FailuresFoundBeforeTheLogExistsAreAppendedOnAttach) {
  integrity_relay relay;
  relay.report(failure("c1", 3));
  relay.report(failure("c2", 0));
  audit::testing::memory_sink sink;
  asio::io_context io;
  relay.attach_audit(sink, io);
  ASSERT_TRUE(run_until(io, [&] { return relay.audited() == 2; }));
  auto entries = sink.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].subject, "c1");
  EXPECT_EQ(entries[0].details, R"({"record":"activity","seq":3})");
  EXPECT_EQ(entries[1].details, R"({"record":"activity"})");
  EXPECT_EQ(entries[1].actor_role, "system");
  relay.detach_audit();
}

TEST(IntegrityRelay, AKeyFailureSaysSo) {
  auto f = failure("c1", 0);
  f.key = true;
  f.record = "conversation";
  EXPECT_EQ(integrity_relay::to_entry(f).details, R"({"record":"conversation","key":true})");
}

TEST(IntegrityRelay, AFullQueueDropsAndCountsInsteadOfGrowing) {
  integrity_relay relay;
  for (std::size_t i = 0; i < integrity_relay::max_pending_audit + 5; ++i) relay.report(failure("c", i + 1));
  EXPECT_EQ(relay.audit_dropped(), 5u);
  EXPECT_EQ(relay.reported(), integrity_relay::max_pending_audit + 5);
  audit::testing::memory_sink sink;
  asio::io_context io;
  relay.attach_audit(sink, io);
  ASSERT_TRUE(run_until(io, [&] { return relay.audited() == integrity_relay::max_pending_audit; }));
  relay.detach_audit();
}

TEST(IntegrityRelay, AFailingSinkLosesTheEntryButNotTheRelay) {
  integrity_relay relay;
  audit::testing::memory_sink sink;
  asio::io_context io;
  relay.attach_audit(sink, io);
  sink.fail(true);
  relay.report(failure("c1", 1));
  io.run();  // the drain ends once the queue is empty
  EXPECT_EQ(relay.audited(), 0u);
  sink.fail(false);
  relay.report(failure("c1", 2));
  ASSERT_TRUE(run_until(io, [&] { return relay.audited() == 1; }));
  ASSERT_EQ(sink.entries().size(), 1u);
  EXPECT_EQ(sink.entries()[0].details, R"({"record":"activity","seq":2})");
  relay.detach_audit();
}

TEST(IntegrityRelay, FlushAppendsWhatWaitsAtAGracefulStop) {
  integrity_relay relay;
  audit::testing::memory_sink sink;
  asio::io_context io;
  relay.attach_audit(sink, io);  // io does not run: the drain never starts
  relay.report(failure("c1", 1));
  relay.report(failure("c1", 2));
  run(relay.flush());
  EXPECT_EQ(sink.entries().size(), 2u);
  relay.detach_audit();
}

}  // namespace
}  // namespace parley::app
