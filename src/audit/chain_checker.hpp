// Private: the part of verification that walks the entries in order (verify.hpp), with bounded
// memory: the previous entry only, plus the verified checkpoints and anchors to compare with.
#pragma once

#include <parley/audit/verify.hpp>

#include <map>
#include <optional>

namespace parley::audit::detail {

/// A hash an entry must have: from a verified checkpoint or an anchor.
struct expectation {
  chain_hash hash{};
  bool from_checkpoint = true;  ///< false: an anchor given by the operator
  std::int64_t time = 0;        ///< checkpoints: when signed
};

class chain_checker {
 public:
  chain_checker(verify_report& report, std::map<std::uint64_t, expectation> expected);

  /// Entries in ascending seq order.
  void add(const store::audit_record& rec);
  /// After the last entry: the tail against the newest checkpoint, the anchors and the head (whose
  /// newest checkpoint, if missing, verify() has reported already).
  void finish(const store::audit_state& state);
  /// Adds a finding (counted only beyond the report's limit).
  void report(problem kind, std::uint64_t first, std::uint64_t last, std::string message);

 private:
  [[nodiscard]] std::optional<std::uint64_t> written_as(const store::audit_record& rec);
  void merge_swaps();

  verify_report& out_;
  std::map<std::uint64_t, expectation> expected_;
  std::uint64_t next_ = 1;  // the seq the next entry should have
  chain_hash prev_hash_{};  // stored hash of the entry before (zeros before entry 1)
  bool prev_sound_ = true;  // that entry was present and intact: links can be checked
  std::size_t searches_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> moved_;  // (stored as, written as)
};

}  // namespace parley::audit::detail
