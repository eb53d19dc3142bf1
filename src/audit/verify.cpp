#include "chain_checker.hpp"

#include <parley/audit/checkpoint.hpp>
#include <parley/audit/verify.hpp>

#include <algorithm>

namespace parley::audit {

using boost::asio::awaitable;

namespace {

constexpr std::size_t page = 1000;

error_code read_error(error_code e) {
  return e == store::errc::not_found ? make_error_code(errc::not_found) : make_error_code(errc::unavailable);
}

struct checkpoint_scan {
  std::map<std::uint64_t, detail::expectation> expected;
  std::vector<finding> findings;
  std::uint64_t verified = 0;
  std::uint64_t newest = 0;  // newest verified checkpoint
  bool any = false;
};

// Every stored checkpoint: signature, place, and the chain of `prev` numbers.
awaitable<result<checkpoint_scan>> scan_checkpoints(store::audit_store& st, const jose::jwks& keys,
                                                    const std::string& tenant, const core::clock& clock) {
  checkpoint_scan out;
  std::uint64_t after = 0;
  for (;;) {
    auto rows = co_await st.read_audit_checkpoints(tenant, after, page);
    if (!rows) co_return read_error(rows.error());
    if (rows->empty()) break;
    out.any = true;
    for (const auto& row : *rows) {
      after = row.seq;
      const std::string at = "#" + std::to_string(row.seq);
      auto cp = verify_checkpoint(row.signature, tenant, keys, clock);
      if (!cp) {
        out.findings.push_back(
            {problem::bad_checkpoint, row.seq, row.seq,
             "the checkpoint at " + at + " does not verify (" + cp.error().message() + "): forged or altered"});
        continue;
      }
      if (cp->seq != row.seq) {
        out.findings.push_back(
            {problem::bad_checkpoint, row.seq, row.seq,
             "the checkpoint stored at " + at + " was signed for #" + std::to_string(cp->seq) + ": moved"});
        continue;
      }
      ++out.verified;
      if (cp->prev > out.newest) {
        out.findings.push_back({problem::checkpoint_removed, cp->prev, cp->prev,
                                "the checkpoint at #" + std::to_string(cp->prev) + ", which the one at " + at +
                                    " names as its predecessor, is missing"});
      } else if (cp->prev < out.newest) {
        out.findings.push_back({problem::bad_checkpoint, row.seq, row.seq,
                                "the checkpoint at " + at + " names #" + std::to_string(cp->prev) +
                                    " as its predecessor, but #" + std::to_string(out.newest) + " is"});
      }
      out.newest = cp->seq;
      out.expected[cp->seq] = {cp->hash, true, cp->time};
    }
  }
  co_return out;
}

}  // namespace

awaitable<result<verify_report>> verify(store::audit_store& st, const jose::jwks& checkpoint_keys,
                                        std::string tenant_id, std::vector<anchor> expected, const core::clock& clock) {
  verify_report out;
  out.tenant_id = tenant_id;
  auto state = co_await st.audit_status(tenant_id);
  if (!state) co_return read_error(state.error());
  auto scan = co_await scan_checkpoints(st, checkpoint_keys, tenant_id, clock);
  if (!scan) co_return scan.error();
  out.checkpoints = scan->verified;

  std::vector<finding> early = std::move(scan->findings);
  auto wanted = std::move(scan->expected);
  for (const auto& a : expected) {
    auto it = wanted.find(a.seq);
    if (it == wanted.end()) {
      wanted[a.seq] = {a.hash, false, 0};
    } else if (it->second.hash != a.hash) {
      early.push_back({problem::bad_checkpoint, a.seq, a.seq,
                       "the hash given with --expect for #" + std::to_string(a.seq) +
                           " differs from the signed checkpoint's: the checkpoint was re-signed or --expect is wrong"});
    }
  }
  if (state->head && state->head->checkpoint_seq > scan->newest) {
    early.push_back({problem::checkpoint_removed, state->head->checkpoint_seq, state->head->checkpoint_seq,
                     "the checkpoint at #" + std::to_string(state->head->checkpoint_seq) +
                         ", the newest the chain's head records, is missing"});
  }

  detail::chain_checker checker(out, std::move(wanted));
  for (auto& f : early) checker.report(f.kind, f.first, f.last, std::move(f.message));
  std::uint64_t after = 0;
  for (;;) {
    auto records = co_await st.read_audit(tenant_id, after, 0, page);
    if (!records) co_return read_error(records.error());
    if (records->empty()) break;
    for (const auto& rec : *records) checker.add(rec);
    after = records->back().row.seq;
  }
  if (out.entries == 0 && !scan->any && !state->head && !state->key_exists && expected.empty()) {
    co_return make_error_code(errc::not_found);
  }
  checker.finish(*state);
  co_return out;
}

}  // namespace parley::audit
