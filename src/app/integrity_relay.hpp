// Where the store's integrity failures go (the composition root's wiring of
// store_dependencies::on_integrity_failure, docs/adr/0017-integrity-marker.md), so that the store
// depends on neither metrics nor the audit log:
// - each one is counted in `parley_store_integrity_failures_total{record}` on /metrics, from the
//   moment a service's registry is attached (failures found before, e.g. while the store opened,
//   are added then);
// - each one becomes an audit entry (docs/audit.md): event "store.integrity_failure", actor and
//   role "system", subject the conversation id, details {"record", "seq", "key"}, appended through
//   the audit seam (audit::sink) on the services' io_context once a sink is attached (those
//   reported before are appended then). At most max_pending_audit wait; beyond, the entry is
//   dropped and counted (audit_dropped(), and a warning in the log), the metric still counts it.
//   An append that fails is logged (no content) and not retried.
//
// One relay per process (integrity_relay::process()): the store is opened before the services,
// their metrics registry and the audit log exist. Tests make their own.
// Thread-safety: report() may be called from any thread (it never blocks on I/O);
// attach*/detach* from one thread. The sink must stay alive until detach_audit(), and flush()
// (a graceful stop) must be awaited before the sink goes.
#pragma once

#include <parley/audit/sink.hpp>
#include <parley/net/metrics.hpp>
#include <parley/store/encrypted_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace boost::asio {
class io_context;
}

namespace parley::app {

class integrity_relay {
 public:
  static constexpr std::size_t max_pending_audit = 1024;

  [[nodiscard]] static integrity_relay& process();

  /// The store's hook: quick, never blocking on I/O.
  void report(const store::integrity_failure& f);
  /// Counts into `metrics` from now on (and what was reported before). The registry must stay
  /// alive until detach().
  void attach(net::metrics_registry& metrics);
  void detach();
  /// Appends an audit entry per failure through `sink`, on `io`, from now on (and for those
  /// reported before).
  void attach_audit(audit::sink& sink, boost::asio::io_context& io);
  /// Stops appending (entries still waiting stay queued for a later attach_audit()).
  void detach_audit();
  /// Appends what is waiting now, in order (a graceful stop, before the sink goes).
  boost::asio::awaitable<void> flush();

  [[nodiscard]] std::uint64_t reported() const;
  [[nodiscard]] std::uint64_t audited() const;        ///< entries the sink accepted
  [[nodiscard]] std::uint64_t audit_dropped() const;  ///< entries dropped: queue full

  /// The audit entry of a failure (docs/audit.md, "The store").
  [[nodiscard]] static audit::entry to_entry(const store::integrity_failure& f);

 private:
  /// Appends the first waiting entry; false when none waits or no sink is attached (`drainer`:
  /// the drain ends then).
  boost::asio::awaitable<bool> append_next(bool drainer);
  boost::asio::awaitable<void> drain();
  void start_drain_locked();

  mutable std::mutex mutex_;
  net::metrics_registry* metrics_ = nullptr;
  std::map<std::string, std::uint64_t, std::less<>> pending_;  // by record kind, before attach()
  std::uint64_t reported_ = 0;

  audit::sink* sink_ = nullptr;
  boost::asio::io_context* io_ = nullptr;
  std::deque<audit::entry> to_audit_;
  bool draining_ = false;
  std::uint64_t audited_ = 0;
  std::uint64_t audit_dropped_ = 0;
};

}  // namespace parley::app
