// What the load generator measures: latency samples per step, error counts by kind, and the CPU
// time and memory of processes (the servers under test and the load generator itself).
// Thread-safety: a recorder belongs to one worker thread; merge() them after the workers stop.
#pragma once

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace loadgen {

/// The steps of one simulated user (the message round trip is `reply`).
enum class step { handshake, start, stream, send, poll, reply, count_ };
inline constexpr std::size_t step_count = static_cast<std::size_t>(step::count_);
[[nodiscard]] const char* step_name(step s) noexcept;

using clock = std::chrono::steady_clock;

/// Nearest-rank percentile `p` (0 < p ≤ 100) of samples in microseconds sorted ascending, in
/// milliseconds rounded to the microsecond; 0 for no samples.
[[nodiscard]] double percentile_ms(const std::vector<float>& sorted_us, double p);

class recorder {
 public:
  void sample(step s, clock::duration d);
  /// Counts a failure of step `s`; `kind` is a status or transport error, never a body or token.
  void error(step s, const std::string& kind);
  void merge(const recorder& other);
  [[nodiscard]] std::size_t count(step s) const { return samples_[static_cast<std::size_t>(s)].size(); }
  [[nodiscard]] std::uint64_t errors() const;
  /// {"handshake": {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors"}, ...}; sorts the samples.
  [[nodiscard]] boost::json::object steps_json();
  [[nodiscard]] boost::json::object errors_json() const;

 private:
  std::array<std::vector<float>, step_count> samples_;  // microseconds
  std::array<std::uint64_t, step_count> errors_{};
  std::map<std::string, std::uint64_t> kinds_;
};

/// CPU time (user + system) and memory of a process, from /proc.
struct process_sample {
  double cpu_seconds = 0;
  long rss_kib = 0;   ///< VmRSS
  long peak_kib = 0;  ///< VmHWM (peak RSS since the process started)
  bool ok = false;
};
[[nodiscard]] process_sample sample_process(int pid);
/// The sum over several processes (the peer is two: directline and its bot).
[[nodiscard]] process_sample sample_processes(const std::vector<int>& pids);
/// This process's CPU time (getrusage), in seconds.
[[nodiscard]] double self_cpu_seconds();

}  // namespace loadgen
