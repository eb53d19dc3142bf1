// A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4).
//
// Components register counters, gauges and histograms once (at wiring time or lazily) and keep the
// returned reference; updating one is a few relaxed atomic operations. The server serves
// render() on /metrics and records per-route request counts and latency histograms itself.
// Ownership: the registry owns every metric; references stay valid for its lifetime.
// Thread-safety: everything is safe from any thread. Registering the same name with another type,
// help text or bucket layout, or an invalid name, is a programmer error (PARLEY_CHECK).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::net {

/// Label pairs, e.g. {{"route", "/healthz"}, {"code", "200"}}. Values are escaped when rendered.
using labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count.
class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down.
class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// Observations counted into fixed buckets (upper bounds, ascending), plus their sum and count.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Non-cumulative count of bucket i (i == bounds().size() is the +Inf bucket).
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

/// Latency buckets in seconds, 0.5 ms to 30 s.
[[nodiscard]] std::vector<double> latency_buckets();

class metrics_registry {
 public:
  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  /// The counter `name` with `l`, created on first use. Name rules: [a-zA-Z_:][a-zA-Z0-9_:]*;
  /// counters should end in "_total".
  counter& counter_for(std::string_view name, std::string_view help, const labels& l = {});
  gauge& gauge_for(std::string_view name, std::string_view help, const labels& l = {});
  histogram& histogram_for(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                           const labels& l = {});
  /// A gauge computed when scraped (e.g. open connections). `fn` runs under the registry's lock:
  /// keep it quick and never call the registry from it. The callback must stay callable for the
  /// registry's lifetime or until remove_callbacks(owner) is called with the same owner token.
  void gauge_callback(std::string_view name, std::string_view help, const labels& l, std::function<double()> fn,
                      const void* owner = nullptr);
  /// Drops every callback registered with `owner`.
  void remove_callbacks(const void* owner);

  /// The whole registry in Prometheus text format, families sorted by name.
  [[nodiscard]] std::string render() const;

 private:
  struct family;
  family& family_for(std::string_view name, std::string_view help, int type);
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<family>, std::less<>> families_;
};

/// Content-Type of render()'s output.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace parley::net
