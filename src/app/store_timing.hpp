// The store's operation latency on /metrics: parley_store_operation_duration_seconds{operation}
// ("read" or "write", docs/metrics.md), fed by the store's on_operation hook (store_wiring.cpp)
// while a service's registry is attached (run_services); before that, nothing is observed.
// Thread-safety: observe() may be called from any thread; attach()/detach() from one thread, with
// no operation in flight (at the start and the end of run_services).
#pragma once

#include <parley/net/metrics.hpp>

#include <atomic>
#include <chrono>
#include <string_view>

namespace parley::app {

class store_timing {
 public:
  /// The one of this process (the store is opened before the registry exists).
  [[nodiscard]] static store_timing& process();
  void attach(net::metrics_registry& metrics);
  void detach();
  void observe(std::string_view operation, std::chrono::steady_clock::duration waited) noexcept;

 private:
  std::atomic<net::histogram*> read_{nullptr};
  std::atomic<net::histogram*> write_{nullptr};
};

}  // namespace parley::app
