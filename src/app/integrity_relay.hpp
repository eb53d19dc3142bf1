// Where the store's integrity failures go (the composition root's wiring of
// store_dependencies::on_integrity_failure, docs/adr/0014-integrity-marker.md): each one is
// counted in `parley_store_integrity_failures_total{record}` on /metrics, from the moment a
// service's registry is attached (failures found before, e.g. while the store opened, are added
// then). The audit log (issue 18) is to get an entry per failure here too: event
// "store.integrity_failure", actor "system", subject the conversation id, details {record, seq}.
//
// One relay per process (integrity_relay::process()): the store is opened before the services
// and their metrics registry exist.
// Thread-safety: report() may be called from any thread; attach()/detach() from one.
#pragma once

#include <parley/net/metrics.hpp>
#include <parley/store/encrypted_store.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace parley::app {

class integrity_relay {
 public:
  [[nodiscard]] static integrity_relay& process();

  /// The store's hook: quick, never blocking on I/O.
  void report(const store::integrity_failure& f);
  /// Counts into `metrics` from now on (and what was reported before). The registry must stay
  /// alive until detach().
  void attach(net::metrics_registry& metrics);
  void detach();
  [[nodiscard]] std::uint64_t reported() const;

 private:
  mutable std::mutex mutex_;
  net::metrics_registry* metrics_ = nullptr;
  std::map<std::string, std::uint64_t, std::less<>> pending_;  // by record kind, before attach()
  std::uint64_t reported_ = 0;
};

}  // namespace parley::app
