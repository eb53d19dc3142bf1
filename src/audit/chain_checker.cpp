#include "chain_checker.hpp"

#include <algorithm>
#include <string>

namespace parley::audit::detail {
namespace {

constexpr std::size_t max_findings = 200;
constexpr std::uint64_t reorder_window = 64;  // how far a moved entry is looked for
constexpr std::size_t max_searches = 1000;    // entries searched that way

std::string entries(std::uint64_t first, std::uint64_t last) {
  if (first == last) return "entry #" + std::to_string(first);
  return "entries #" + std::to_string(first) + "..#" + std::to_string(last);
}

bool same(std::span<const std::uint8_t> a, const chain_hash& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

chain_checker::chain_checker(verify_report& report, std::map<std::uint64_t, expectation> expected)
    : out_(report), expected_(std::move(expected)) {}

void chain_checker::report(problem kind, std::uint64_t first, std::uint64_t last, std::string message) {
  if (out_.findings.size() >= max_findings) {
    ++out_.more_findings;
    return;
  }
  out_.findings.push_back({kind, first, last, std::move(message)});
}

std::optional<std::uint64_t> chain_checker::written_as(const store::audit_record& rec) {
  if (searches_ >= max_searches) return std::nullopt;
  ++searches_;
  const auto& r = rec.row;
  for (std::uint64_t d = 1; d <= reorder_window; ++d) {
    for (const std::uint64_t seq : {r.seq + d, r.seq > d ? r.seq - d : 0}) {
      if (seq == 0) continue;
      if (same(r.hash, entry_hash(out_.tenant_id, seq, r.time, r.prev_hash, r.sealed))) return seq;
    }
  }
  return std::nullopt;
}

void chain_checker::add(const store::audit_record& rec) {
  const auto& r = rec.row;
  ++out_.entries;
  if (out_.first_seq == 0) out_.first_seq = r.seq;
  out_.last_seq = r.seq;
  if (r.seq > next_) {
    report(problem::removed, next_, r.seq - 1,
           entries(next_, r.seq - 1) + (r.seq - next_ == 1 ? " was" : " were") + " removed (the chain goes from #" +
               std::to_string(next_ - 1) + " to #" + std::to_string(r.seq) + ")");
    prev_sound_ = false;
  }
  next_ = r.seq + 1;

  bool sound = false;
  const auto own = entry_hash(out_.tenant_id, r.seq, r.time, r.prev_hash, r.sealed);
  if (!same(r.hash, own)) {
    if (auto as = written_as(rec)) {
      moved_.emplace_back(r.seq, *as);
      report(problem::out_of_order, r.seq, r.seq,
             "entry #" + std::to_string(r.seq) + " is out of order: it was written as #" + std::to_string(*as));
    } else {
      report(problem::modified, r.seq, r.seq,
             "entry #" + std::to_string(r.seq) + " was modified: its stored columns no longer match its hash");
    }
  } else if (!rec.plaintext) {
    report(problem::modified, r.seq, r.seq,
           "entry #" + std::to_string(r.seq) +
               " was modified: its sealed content does not authenticate (changed, moved, or rewritten with a "
               "recomputed hash)");
  } else if (prev_sound_ && !same(r.prev_hash, prev_hash_)) {
    report(problem::broken_link, r.seq, r.seq,
           "entry #" + std::to_string(r.seq) + " does not hold the hash of entry #" + std::to_string(r.seq - 1) +
               ": the chain was rewritten between them");
  } else {
    sound = true;
  }

  if (auto it = expected_.find(r.seq); it != expected_.end()) {
    if (sound && !same(r.hash, it->second.hash)) {
      sound = false;
      report(it->second.from_checkpoint ? problem::bad_checkpoint : problem::modified, r.seq, r.seq,
             "entry #" + std::to_string(r.seq) +
                 (it->second.from_checkpoint ? " does not match its signed checkpoint"
                                             : " does not match the expected hash given with --expect") +
                 ": it or entries before it were rewritten");
    } else if (sound && it->second.from_checkpoint && r.seq > out_.covered_seq) {
      out_.covered_seq = r.seq;
      out_.covered_time = it->second.time;
    }
  }
  std::copy_n(r.hash.begin(), std::min(r.hash.size(), prev_hash_.size()), prev_hash_.begin());
  if (r.hash.size() != prev_hash_.size()) sound = false;
  prev_sound_ = sound;
}

void chain_checker::merge_swaps() {
  // Two entries each written as the other's number: one finding, "swapped".
  for (std::size_t i = 0; i < moved_.size(); ++i) {
    const auto [a, b] = moved_[i];
    if (a >= b) continue;
    const bool pair = std::find(moved_.begin(), moved_.end(), std::pair{b, a}) != moved_.end();
    if (!pair) continue;
    auto& f = out_.findings;
    const auto is = [&](std::uint64_t seq) {
      return [seq](const finding& x) { return x.kind == problem::out_of_order && x.first == seq; };
    };
    auto first = std::find_if(f.begin(), f.end(), is(a));
    if (first == f.end()) continue;
    first->last = b;
    first->message = "entries #" + std::to_string(a) + " and #" + std::to_string(b) +
                     " are out of order: they were swapped (each holds the other's number)";
    if (auto second = std::find_if(f.begin(), f.end(), is(b)); second != f.end()) f.erase(second);
  }
}

void chain_checker::finish(const store::audit_state& state) {
  merge_swaps();
  const std::uint64_t last = out_.last_seq;
  // The furthest entry something outside the entries table vouches for.
  std::uint64_t vouched = 0;
  std::string by;
  for (const auto& [seq, e] : expected_) {
    if (seq > vouched) {
      vouched = seq;
      by = e.from_checkpoint ? "a signed checkpoint covers #" + std::to_string(seq)
                             : "--expect names #" + std::to_string(seq);
    }
  }
  if (state.head && state.head->seq > vouched) {
    vouched = state.head->seq;
    by = "the chain's head records #" + std::to_string(vouched);
  }
  if (vouched > last) {
    report(
        problem::truncated, last + 1, vouched,
        entries(last + 1, vouched) + (vouched == last + 1 ? " was" : " were") + " removed from the end (" + by + ")");
  }
  if (state.head && state.head->seq != 0 && state.head->seq < last) {
    report(problem::broken_link, state.head->seq + 1, last,
           entries(state.head->seq + 1, last) + " follow the chain's head (#" + std::to_string(state.head->seq) +
               "): written outside the store");
  } else if (state.head && state.head->seq != 0 && state.head->seq == last && prev_sound_ &&
             !same(state.head->hash, prev_hash_)) {
    report(problem::modified, last, last,
           "entry #" + std::to_string(last) + " does not match the hash the chain's head records for it");
  }
  if (out_.entries == 0 && vouched == 0 && (state.key_exists || state.head)) {
    report(problem::truncated, 1, 1, "every entry was removed (the tenant's audit key or head exists, no entry does)");
  }
}

}  // namespace parley::audit::detail
