#include "test_support.hpp"

#include <parley/jose/key.hpp>

#include <algorithm>

namespace parley::audit {
namespace {

using namespace std::chrono_literals;
using testing::run;
using testing::sample;
using tables = store::testing::memory_audit_store::tables;

class AuditVerify : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    options o;
    o.checkpoint_every = 5;
    o.checkpoint_interval = 0ms;
    open(o);
    append_many(20);  // checkpoints at 5, 10, 15, 20
  }
  void edit(const std::function<void(std::vector<store::audit_row>&)>& f) {
    store_.tamper([&](tables& t) { f(t.entries["bankx"]); });
  }
  static store::audit_row& at(std::vector<store::audit_row>& rows, std::uint64_t seq) {
    return *std::find_if(rows.begin(), rows.end(), [seq](const auto& r) { return r.seq == seq; });
  }
  static void rehash(store::audit_row& r) {
    const auto h = entry_hash("bankx", r.seq, r.time, r.prev_hash, r.sealed);
    r.hash.assign(h.begin(), h.end());
  }
  void remove_checkpoints_from(std::uint64_t seq) {
    store_.tamper(
        [&](tables& t) { std::erase_if(t.checkpoints["bankx"], [seq](const auto& c) { return c.seq >= seq; }); });
  }
  static bool has(const verify_report& r, problem kind, std::uint64_t first, std::uint64_t last,
                  std::string_view words) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const finding& f) {
      return f.kind == kind && f.first == first && f.last == last && f.message.find(words) != std::string::npos;
    });
  }
};

TEST_F(AuditVerify, AnIntactLogVerifies) {
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.entries, 20U);
  EXPECT_EQ(r.first_seq, 1U);
  EXPECT_EQ(r.last_seq, 20U);
  EXPECT_EQ(r.checkpoints, 4U);
  EXPECT_EQ(r.covered_seq, 20U);
}

TEST_F(AuditVerify, NamesAnEntryWhoseSealedBytesChanged) {
  edit([](auto& rows) { at(rows, 7).sealed.back() ^= 1; });
  const auto r = verify();
  EXPECT_EQ(r.findings.size(), 1U) << messages(r);
  EXPECT_TRUE(has(r, problem::modified, 7, 7, "entry #7 was modified")) << messages(r);
}

TEST_F(AuditVerify, NamesAnEntryRewrittenWithARecomputedHash) {
  // The hash is public: recomputing it hides nothing, the content no longer authenticates.
  edit([](auto& rows) {
    at(rows, 7).sealed.back() ^= 1;
    rehash(at(rows, 7));
  });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::modified, 7, 7, "does not authenticate")) << messages(r);
}

TEST_F(AuditVerify, NamesAnEntryWhoseTimeChanged) {
  edit([](auto& rows) { at(rows, 3).time -= 3'600'000'000'000; });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::modified, 3, 3, "entry #3 was modified")) << messages(r);
}

TEST_F(AuditVerify, NamesARemovedEntry) {
  edit([](auto& rows) { std::erase_if(rows, [](const auto& x) { return x.seq == 9; }); });
  const auto r = verify();
  EXPECT_EQ(r.findings.size(), 1U) << messages(r);
  EXPECT_TRUE(has(r, problem::removed, 9, 9, "entry #9 was removed")) << messages(r);
  edit([](auto& rows) { std::erase_if(rows, [](const auto& x) { return x.seq == 11 || x.seq == 12; }); });
  EXPECT_TRUE(has(verify(), problem::removed, 11, 12, "entries #11..#12 were removed"));
}

TEST_F(AuditVerify, NamesTwoSwappedEntries) {
  edit([](auto& rows) {
    at(rows, 5).seq = 0;
    at(rows, 6).seq = 5;
    at(rows, 0).seq = 6;
  });
  const auto r = verify();
  EXPECT_EQ(r.findings.size(), 1U) << messages(r);
  EXPECT_TRUE(has(r, problem::out_of_order, 5, 6, "entries #5 and #6 are out of order")) << messages(r);
}

TEST_F(AuditVerify, NamesAMovedEntry) {
  // #4 removed and #3 moved into its place.
  edit([](auto& rows) {
    std::erase_if(rows, [](const auto& x) { return x.seq == 4; });
    at(rows, 3).seq = 4;
  });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::out_of_order, 4, 4, "entry #4 is out of order: it was written as #3")) << messages(r);
  EXPECT_TRUE(has(r, problem::removed, 3, 3, "entry #3 was removed")) << messages(r);
}

TEST_F(AuditVerify, NamesATruncatedTailThatACheckpointCovers) {
  edit([](auto& rows) { std::erase_if(rows, [](const auto& x) { return x.seq > 17; }); });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::truncated, 18, 20, "entries #18..#20 were removed from the end")) << messages(r);
}

TEST_F(AuditVerify, NamesATruncatedTailFromTheHeadWhenItsCheckpointsWentToo) {
  edit([](auto& rows) { std::erase_if(rows, [](const auto& x) { return x.seq > 12; }); });
  remove_checkpoints_from(13);
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::truncated, 13, 20, "the chain's head records #20")) << messages(r);
  EXPECT_TRUE(has(r, problem::checkpoint_removed, 20, 20, "the newest the chain's head records")) << messages(r);
}

TEST_F(AuditVerify, AnAnchorFromOutsideRevealsATailRemovedWithEverythingThatNamedIt) {
  std::vector<store::audit_row> rows;
  store_.tamper([&](tables& t) { rows = t.entries["bankx"]; });
  anchor last{20, {}};
  std::copy(rows[19].hash.begin(), rows[19].hash.end(), last.hash.begin());
  // The attacker also removes the checkpoints and rewrites the head to #15.
  edit([](auto& v) { std::erase_if(v, [](const auto& x) { return x.seq > 15; }); });
  remove_checkpoints_from(16);
  store_.tamper([&](tables& t) {
    auto& h = t.heads["bankx"];
    h.seq = 15;
    h.hash = rows[14].hash;
    h.checkpoint_seq = 15;
  });
  EXPECT_TRUE(verify().ok()) << "undetectable from the database alone (docs/audit.md says so)";
  const auto r = verify("bankx", {last});
  EXPECT_TRUE(has(r, problem::truncated, 16, 20, "--expect names #20")) << messages(r);
  // A wrong anchor is a finding too.
  anchor wrong{3, {}};
  EXPECT_TRUE(has(verify("bankx", {wrong}), problem::modified, 3, 3, "--expect"));
}

TEST_F(AuditVerify, NamesAForgedOrForeignCheckpoint) {
  // Signed by a key that is not in the audit key file.
  auto stranger = jose::signing_key::generate(jose::algorithm::eddsa);
  ASSERT_TRUE(stranger);
  checkpoint c{"bankx", 10, {}, 5, 0, {}};
  auto forged = sign_checkpoint(*stranger, c);
  ASSERT_TRUE(forged);
  store_.tamper([&](tables& t) {
    for (auto& cp : t.checkpoints["bankx"]) {
      if (cp.seq == 10) cp.signature = *forged;
      if (cp.seq == 15) cp.signature.back() = cp.signature.back() == 'A' ? 'B' : 'A';
    }
  });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::bad_checkpoint, 10, 10, "the checkpoint at #10 does not verify")) << messages(r);
  EXPECT_TRUE(has(r, problem::bad_checkpoint, 15, 15, "the checkpoint at #15 does not verify")) << messages(r);
}

TEST_F(AuditVerify, RefusesACheckpointCopiedFromAnotherTenant) {
  append_many(5, "insurey");
  store_.tamper([&](tables& t) {
    auto theirs = t.checkpoints["insurey"].front();  // covers insurey #5
    for (auto& cp : t.checkpoints["bankx"]) {
      if (cp.seq == 5) cp.signature = theirs.signature;
    }
  });
  EXPECT_TRUE(has(verify(), problem::bad_checkpoint, 5, 5, "does not verify"));
}

TEST_F(AuditVerify, NamesARemovedCheckpoint) {
  store_.tamper([&](tables& t) { std::erase_if(t.checkpoints["bankx"], [](const auto& c) { return c.seq == 10; }); });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::checkpoint_removed, 10, 10, "the checkpoint at #10")) << messages(r);
}

TEST_F(AuditVerify, ACheckpointRevealsARewriteThatForgedTheSealsToo) {
  // Someone who could seal (the fake's seal is public; the real one needs the audit key) rewrites
  // #12 and every entry after it, hashes and head included: the signed checkpoints still differ.
  edit([](auto& rows) {
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    for (auto& r : rows) {
      if (r.seq < 12) continue;
      if (r.seq == 12) r.sealed = store::testing::memory_audit_store::seal("bankx", 12, r.time, R"({"forged":1})");
      r.prev_hash = rows[r.seq - 2].hash;
      rehash(r);
    }
  });
  const auto r = verify();
  EXPECT_TRUE(has(r, problem::bad_checkpoint, 15, 15, "entry #15 does not match its signed checkpoint")) << messages(r);
}

TEST_F(AuditVerify, OldCheckpointsStillVerifyAfterTheSigningKeyRotates) {
  ASSERT_TRUE(keys_->rotate(checkpoint_purpose));
  clock_.advance(24h * 400);
  append_many(5);
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.checkpoints, 5U);
}

TEST_F(AuditVerify, ATenantWithoutALogIsNotFound) {
  auto r = run(audit::verify(store_, public_keys(), "nobody", {}, clock_));
  EXPECT_EQ(r.error(), errc::not_found);
}

}  // namespace
}  // namespace parley::audit
