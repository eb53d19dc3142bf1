// Logging: one spdlog logger per component, all writing through one redacting sink.
//
// Rules (../shared/design/SECURITY.md): never log a token, key, secret or message body; log ids
// and sizes. Two guards make an accident unlikely: secret values are held in `secret_string`,
// which formats as "[redacted]", and every line passes redact_secrets(), which masks anything
// shaped like a JWT/JWS, a bearer credential or a `secret=`/`password=`/`token=` parameter.
#pragma once

#include <boost/system/error_code.hpp>
#include <spdlog/logger.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::core {

struct log_options {
  std::string level = "info";  ///< trace, debug, info, warn, error, critical, off
  std::string file;            ///< empty: stderr; else append to this file
  /// At most this many lines per second over every logger (a flood of refused requests must not
  /// become a log flood); lines over the budget are dropped and counted, and the next line that
  /// passes is preceded by one saying how many were. 0: no limit.
  double max_lines_per_second = 200;
  double burst_lines = 1000;  ///< lines that may be written at once before the rate applies
};

/// Configures the shared sink and the level of every logger. Call once at start-up, before the
/// worker threads start. Unknown level names are rejected with errc::invalid_argument.
[[nodiscard]] boost::system::error_code init_logging(const log_options& opts);

/// Lines dropped by the budget since the process started (for metrics and tests).
[[nodiscard]] std::uint64_t dropped_log_lines() noexcept;

/// The logger named `component` ("net", "channel"...), created on first use. Thread-safe; the
/// returned pointer stays valid for the whole program.
[[nodiscard]] std::shared_ptr<spdlog::logger> logger(std::string_view component);

/// Returns `line` with JWT/JWS-shaped strings, bearer credentials and secret-looking query or
/// form parameters replaced by markers. Applied to every log line by the shared sink.
[[nodiscard]] std::string redact_secrets(std::string_view line);

/// "At most once per interval", for a log line that a flood could repeat. due() is true for the
/// first call and then once per interval. Thread-safe (one atomic).
class log_throttle {
 public:
  explicit log_throttle(std::chrono::milliseconds interval = std::chrono::seconds(10)) noexcept : interval_(interval) {}
  [[nodiscard]] bool due() noexcept;

 private:
  std::chrono::milliseconds interval_;
  std::atomic<std::int64_t> next_{0};  // steady_clock ticks (ns) from when the next line may go
};

/// Adds an extra sink to the shared sink (tests use it to capture every line written).
void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink);
void remove_log_sink(const std::shared_ptr<spdlog::sinks::sink>& sink);

/// A secret value (channel secret, password, API key) read from a file or the environment.
/// It cannot be copied by accident, formats as "[redacted]", and is wiped when destroyed.
/// Use reveal() only at the point of use (hash it, send it).
class secret_string {
 public:
  secret_string() = default;
  explicit secret_string(std::string value) : value_(std::move(value)) {}
  secret_string(const secret_string&) = delete;
  secret_string& operator=(const secret_string&) = delete;
  secret_string(secret_string&& other) noexcept;
  secret_string& operator=(secret_string&& other) noexcept;
  ~secret_string();

  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }
  /// An explicit copy, for the rare place that needs two owners.
  [[nodiscard]] secret_string clone() const { return secret_string{value_}; }

 private:
  void wipe() noexcept;
  std::string value_;
};

}  // namespace parley::core

template <>
struct fmt::formatter<parley::core::secret_string> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const parley::core::secret_string&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("[redacted]", ctx);
  }
};
