// audit::log, the real audit::sink (SECURITY.md promise 10, docs/audit.md): one append-only,
// hash-chained chain per tenant in the encrypted store, with signed checkpoints.
//
// append() checks the entry (sink.hpp rules), encodes it and hands it to the store, which, in one
// write transaction holding the tenant's head, numbers, stamps and seals it (AES-256-GCM under the
// tenant's audit key, associated data binding tenant, seq and time) and asks this log for its
// chain hash (format.hpp: over the sealed entry and the previous hash). When the entry is
// `checkpoint_every` entries or `checkpoint_interval` past the newest checkpoint, the log signs
// a checkpoint of it (checkpoint.hpp) that the store commits with the entry. checkpoint_due()
// checkpoints a tenant's uncovered tail from a timer, and at shutdown, so that no entry stays
// uncovered for longer than about the interval. Each checkpoint is also written to the log
// (tenant, seq, hash): a copy outside the database for `parley audit verify --expect`.
//
// Ownership: the store, the key store (opened with checkpoint_key_purpose()) and the clock are
// borrowed and must outlive the log.
// Errors: errc::invalid_argument (an entry breaking the rules; nothing stored), errc::unavailable
// (store or signing failed; nothing stored). Never throws.
// Thread-safety: every member function may be called concurrently from any thread.
#pragma once

#include <parley/audit/options.hpp>
#include <parley/audit/sink.hpp>
#include <parley/core/clock.hpp>
#include <parley/jose/key_store.hpp>
#include <parley/store/audit_store.hpp>

#include <spdlog/logger.h>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>

namespace parley::audit {

class log final : public sink {
 public:
  log(store::audit_store& store, jose::signing_key_store& keys, options opts,
      const core::clock& clock = core::system_clock(), std::shared_ptr<spdlog::logger> logger = nullptr);

  boost::asio::awaitable<result<std::uint64_t>> append(entry e) override;

  /// Checkpoints the tenants this log appended to whose newest entry is not covered yet and whose
  /// newest checkpoint is older than checkpoint_interval (`force`: any uncovered tail). Returns
  /// how many checkpoints were written; the first failure is returned after trying every tenant.
  boost::asio::awaitable<result<std::size_t>> checkpoint_due(bool force = false);

  [[nodiscard]] const options& get_options() const noexcept { return opts_; }

 private:
  result<std::optional<std::string>> sign(std::string_view tenant_id, std::uint64_t seq,
                                          std::span<const std::uint8_t> hash, std::uint64_t prev, store::nanos now);
  void witness(std::string_view tenant_id, std::uint64_t seq, std::span<const std::uint8_t> hash);
  [[nodiscard]] bool due(std::uint64_t seq, store::nanos time, std::uint64_t cp_seq, store::nanos cp_time) const;

  store::audit_store& store_;
  jose::signing_key_store& keys_;
  options opts_;
  const core::clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> tenants_;  // appended to by this log
};

}  // namespace parley::audit
