#include "integrity_relay.hpp"

namespace parley::app {
namespace {

constexpr std::string_view metric = "parley_store_integrity_failures_total";
constexpr std::string_view help =
    "Stored records (or their keys) that failed their integrity check when read, once per record and process";

}  // namespace

integrity_relay& integrity_relay::process() {
  static integrity_relay relay;
  return relay;
}

void integrity_relay::report(const store::integrity_failure& f) {
  std::lock_guard lock(mutex_);
  ++reported_;
  const std::string record(f.key ? std::string_view("key") : f.record);
  if (metrics_ == nullptr) {
    ++pending_[record];
    return;
  }
  metrics_->counter_for(metric, help, {{"record", record}}).inc();
}

void integrity_relay::attach(net::metrics_registry& metrics) {
  std::lock_guard lock(mutex_);
  metrics_ = &metrics;
  // The family exists from the start (0 is an answer too).
  (void)metrics.counter_for(metric, help, {{"record", "activity"}});
  for (const auto& [record, n] : pending_) metrics.counter_for(metric, help, {{"record", record}}).inc(n);
  pending_.clear();
}

void integrity_relay::detach() {
  std::lock_guard lock(mutex_);
  metrics_ = nullptr;
}

std::uint64_t integrity_relay::reported() const {
  std::lock_guard lock(mutex_);
  return reported_;
}

}  // namespace parley::app
