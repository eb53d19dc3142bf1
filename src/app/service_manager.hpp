// Tells systemd (Type=notify) how the process is doing: READY=1 once every listener is up,
// STOPPING=1 when a signal starts the graceful stop, and WATCHDOG=1 at half the unit's WatchdogSec while the io_context
// runs handlers. Without NOTIFY_SOCKET (not run by systemd, or Type=simple) every call does nothing. Thread-safety: the
// functions are safe from any thread; the watchdog lives on the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace parley::app {

/// "READY=1", "STOPPING=1"... (sd_notify(3)); `status` goes in STATUS= when set.
void notify_service_manager(std::string_view state, std::string_view status = {});

/// "RELOADING=1" with the MONOTONIC_USEC= that systemd 253+ (Type=notify-reload) asks beside it.
[[nodiscard]] std::string reloading_notice();

/// Sends WATCHDOG=1 every half of WATCHDOG_USEC on `io` until destroyed (or never, when systemd
/// set no watchdog). Construct on the thread that runs before `io` starts; destroy after it stops.
class service_watchdog {
 public:
  explicit service_watchdog(boost::asio::io_context& io);
  ~service_watchdog();
  service_watchdog(const service_watchdog&) = delete;
  service_watchdog& operator=(const service_watchdog&) = delete;
  /// Stops the pings (at the start of shutdown: systemd's stop timeout takes over).
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace parley::app
