// An in-memory audit_store for the unit tests of the audit log: the real semantics (one chain per
// tenant, head, checkpoints in the append's "transaction", times that never go back, nothing
// stored when a chain function fails), with a stand-in for sealing that still authenticates
// (SHA-256 over tenant, seq, time and plaintext, prefixed), and direct access to the rows so that
// tests can tamper with them. Never linked into the `parley` binary.
// Thread-safety: all members may be called concurrently (one mutex; chain functions run under it).
#pragma once

#include <parley/core/clock.hpp>
#include <parley/store/audit_store.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace parley::store::testing {

class memory_audit_store final : public audit_store {
 public:
  /// `clock` stamps entries and must outlive the store.
  explicit memory_audit_store(const core::clock& clock = core::system_clock()) : clock_(clock) {}

  boost::asio::awaitable<result<audit_row>> append_audit(std::string tenant_id, std::string plaintext,
                                                         audit_chain_fn chain) override;
  boost::asio::awaitable<result<std::uint64_t>> checkpoint_audit(std::string tenant_id,
                                                                 audit_checkpoint_fn sign) override;
  boost::asio::awaitable<result<std::vector<audit_record>>> read_audit(std::string tenant_id, std::uint64_t after,
                                                                       nanos since, std::size_t limit) override;
  boost::asio::awaitable<result<std::vector<audit_checkpoint_row>>> read_audit_checkpoints(std::string tenant_id,
                                                                                           std::uint64_t after,
                                                                                           std::size_t limit) override;
  boost::asio::awaitable<result<audit_state>> audit_status(std::string tenant_id) override;
  boost::asio::awaitable<result<std::vector<std::string>>> audit_tenants() override;

  /// What is "stored", per tenant; rows in seq order (tests may break that order on purpose).
  struct tables {
    std::map<std::string, std::vector<audit_row>> entries;
    std::map<std::string, std::vector<audit_checkpoint_row>> checkpoints;
    std::map<std::string, audit_head_row> heads;
  };
  /// Runs `f` on the tables under the store's lock (tampering in tests).
  void tamper(const std::function<void(tables&)>& f);
  /// Makes every later call fail with errc::unavailable (or work again).
  void fail(bool on);

  /// The stand-in seal (exposed so that tests can forge "authentic" entries).
  [[nodiscard]] static bytes seal(std::string_view tenant_id, std::uint64_t seq, nanos time,
                                  std::string_view plaintext);

 private:
  const core::clock& clock_;
  std::mutex mutex_;
  tables t_;
  bool fail_ = false;
};

}  // namespace parley::store::testing
