#include "store_timing.hpp"

#include <vector>

namespace parley::app {

store_timing& store_timing::process() {
  static store_timing instance;
  return instance;
}

void store_timing::attach(net::metrics_registry& metrics) {
  // From 100 µs (a cached SQLite read) to 10 s (a PostgreSQL failover).
  const std::vector<double> buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  const auto help =
      "Time a caller waited for a store operation: read (a read session on the store's pool) or "
      "write (queued, group-committed, done)";
  read_.store(
      &metrics.histogram_for("parley_store_operation_duration_seconds", help, buckets, {{"operation", "read"}}));
  write_.store(
      &metrics.histogram_for("parley_store_operation_duration_seconds", help, buckets, {{"operation", "write"}}));
}

void store_timing::detach() {
  read_.store(nullptr);
  write_.store(nullptr);
}

void store_timing::observe(std::string_view operation, std::chrono::steady_clock::duration waited) noexcept {
  net::histogram* h = (operation == "write" ? write_ : read_).load();
  if (h) h->observe(std::chrono::duration<double>(waited).count());
}

}  // namespace parley::app
