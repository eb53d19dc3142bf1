#include "test_support.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <thread>

namespace parley::audit {
namespace {

using namespace std::chrono_literals;
using testing::run;
using testing::sample;

class AuditLog : public testing::log_fixture {
 protected:
  std::vector<store::audit_checkpoint_row> checkpoints(const std::string& tenant = "bankx") {
    auto r = run(store_.read_audit_checkpoints(tenant, 0, 1000));
    EXPECT_TRUE(r);
    return r ? *r : std::vector<store::audit_checkpoint_row>{};
  }
  std::vector<std::uint64_t> checkpoint_seqs(const std::string& tenant = "bankx") {
    std::vector<std::uint64_t> out;
    for (const auto& c : checkpoints(tenant)) out.push_back(c.seq);
    return out;
  }
};

TEST_F(AuditLog, NumbersEachTenantsEntriesFromOne) {
  open();
  EXPECT_EQ(append(sample("bankx")), 1U);
  EXPECT_EQ(append(sample("bankx")), 2U);
  EXPECT_EQ(append(sample("insurey")), 1U);
  EXPECT_EQ(append(sample("bankx")), 3U);
  EXPECT_TRUE(verify("bankx").ok());
  EXPECT_TRUE(verify("insurey").ok());
  EXPECT_EQ(verify("bankx").entries, 3U);
}

TEST_F(AuditLog, ChainsEachEntryToThePreviousOne) {
  open();
  append_many(3);
  std::vector<store::audit_row> rows;
  store_.tamper([&](auto& t) { rows = t.entries["bankx"]; });
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].prev_hash, store::bytes(32, 0));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto h = entry_hash("bankx", rows[i].seq, rows[i].time, rows[i].prev_hash, rows[i].sealed);
    EXPECT_EQ(rows[i].hash, store::bytes(h.begin(), h.end()));
    if (i > 0) {
      EXPECT_EQ(rows[i].prev_hash, rows[i - 1].hash);
    }
  }
}

TEST_F(AuditLog, RefusesABrokenEntryAndStoresNothing) {
  open();
  auto e = sample();
  e.actor.clear();
  EXPECT_EQ(run(log_->append(e)).error(), errc::invalid_argument);
  e = sample();
  e.details = "not json";
  EXPECT_EQ(run(log_->append(e)).error(), errc::invalid_argument);
  EXPECT_EQ(verify_error(), errc::not_found);
}

TEST_F(AuditLog, SignsACheckpointEveryNEntries) {
  options o;
  o.checkpoint_every = 5;
  o.checkpoint_interval = 0ms;
  open(o);
  append_many(12);
  EXPECT_EQ(checkpoint_seqs(), (std::vector<std::uint64_t>{5, 10}));
  // Each verifies, covers its entry's hash and names the checkpoint before it.
  std::uint64_t prev = 0;
  std::vector<store::audit_row> rows;
  store_.tamper([&](auto& t) { rows = t.entries["bankx"]; });
  for (const auto& c : checkpoints()) {
    auto cp = verify_checkpoint(c.signature, "bankx", public_keys(), clock_);
    ASSERT_TRUE(cp) << cp.error().message();
    EXPECT_EQ(cp->seq, c.seq);
    EXPECT_EQ(cp->prev, prev);
    EXPECT_TRUE(std::equal(cp->hash.begin(), cp->hash.end(), rows[c.seq - 1].hash.begin()));
    prev = cp->seq;
  }
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.checkpoints, 2U);
  EXPECT_EQ(r.covered_seq, 10U);
}

TEST_F(AuditLog, SignsACheckpointWhenTheNewestIsOlderThanTheInterval) {
  options o;
  o.checkpoint_every = 0;
  o.checkpoint_interval = 60s;
  open(o);
  append_many(3);  // the first entry has no checkpoint before it: it gets one
  EXPECT_EQ(checkpoint_seqs(), (std::vector<std::uint64_t>{1}));
  clock_.advance(59s);
  append_many(1);
  EXPECT_EQ(checkpoint_seqs(), (std::vector<std::uint64_t>{1}));
  clock_.advance(2s);
  append_many(1);
  EXPECT_EQ(checkpoint_seqs(), (std::vector<std::uint64_t>{1, 5}));
}

TEST_F(AuditLog, TheTimerCheckpointsAnUncoveredTail) {
  options o;
  o.checkpoint_every = 100;
  o.checkpoint_interval = 60s;
  open(o);
  append_many(3);
  EXPECT_EQ(run(log_->checkpoint_due()).value(), 0U) << "the newest checkpoint (#1) is younger than the interval";
  clock_.advance(61s);
  EXPECT_EQ(run(log_->checkpoint_due()).value(), 1U);
  EXPECT_EQ(checkpoint_seqs(), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(run(log_->checkpoint_due()).value(), 0U) << "nothing new to cover";
  append_many(1);
  EXPECT_EQ(run(log_->checkpoint_due(true)).value(), 1U) << "shutdown covers the tail at once";
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.covered_seq, 4U);
}

TEST_F(AuditLog, FailsClosedWhenTheStoreOrTheSigningKeyFails) {
  open();
  store_.fail(true);
  EXPECT_EQ(run(log_->append(sample())).error(), errc::unavailable);
  store_.fail(false);
  // A key store without the checkpoint purpose cannot sign: the entry that needs a checkpoint
  // (the first) is refused, and nothing is stored.
  log_.reset();
  keys_.reset();
  auto keys = jose::signing_key_store::open(checkpoint_key_options(dir_ / "other.json"),
                                            {{"other", jose::algorithm::eddsa}}, wrapper_, clock_);
  ASSERT_TRUE(keys);
  keys_ = std::move(*keys);
  log_ = std::make_unique<audit::log>(store_, *keys_, options{}, clock_);
  EXPECT_EQ(run(log_->append(sample())).error(), errc::unavailable);
  EXPECT_EQ(verify_error(), errc::not_found);
}

TEST_F(AuditLog, LogsCheckpointsAsWitnessesButNeverEntryContents) {
  core::testing::log_capture logs;
  options o;
  o.checkpoint_every = 2;
  open(o);
  append(entry{"bankx", "desk.view", "c_secretive", "consultant", "conv-9", "198.51.100.4", R"({"why":"x-42"})"});
  append(sample());
  std::vector<store::audit_row> rows;
  store_.tamper([&](auto& t) { rows = t.entries["bankx"]; });
  // #1 (no checkpoint before it) and #3 (two past it) carry checkpoints.
  EXPECT_TRUE(logs.contains("audit checkpoint: tenant bankx seq 1 hash " + core::hex_encode(rows[0].hash)));
  EXPECT_FALSE(logs.contains("seq 2 hash"));
  store_.fail(true);
  EXPECT_FALSE(run(log_->append(entry{"bankx", "desk.view", "c_secretive", "", "conv-9", "", ""})));
  for (const char* secret : {"c_secretive", "conv-9", "198.51.100.4", "x-42"}) {
    EXPECT_FALSE(logs.contains(secret)) << secret;
  }
}

TEST_F(AuditLog, ConcurrentAppendsFormOneChain) {
  options o;
  o.checkpoint_every = 7;
  open(o);
  constexpr int threads = 8, each = 50;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) EXPECT_TRUE(run(log_->append(sample("bankx", "desk.view", t * 1000 + i))));
    });
  }
  for (auto& th : pool) th.join();
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.entries, static_cast<std::uint64_t>(threads * each));
  EXPECT_EQ(r.last_seq, static_cast<std::uint64_t>(threads * each));
}

}  // namespace
}  // namespace parley::audit
