#include "service_manager.hpp"

#include <boost/asio/post.hpp>

#include <systemd/sd-daemon.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace parley::app {

void notify_service_manager(std::string_view state, std::string_view status) {
  std::string message(state);
  if (!status.empty()) message.append("\nSTATUS=").append(status);
  // 0 without NOTIFY_SOCKET, negative on a send error: nothing to do either way (the unit's
  // start timeout reports a service that never became ready).
  (void)::sd_notify(0, message.c_str());
}

std::string reloading_notice() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U + static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

struct service_watchdog::state {
  explicit state(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::chrono::microseconds interval{0};
  bool stopped = false;
};

namespace {

// A template so that the private service_watchdog::state is only named inside its members.
template <class State>
void arm(const std::shared_ptr<State>& s);

}  // namespace

service_watchdog::service_watchdog(boost::asio::io_context& io) : state_(std::make_shared<state>(io)) {
  std::uint64_t usec = 0;
  // > 0: systemd expects pings (WATCHDOG_USEC set, and WATCHDOG_PID is this process or unset).
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  state_->interval = std::chrono::microseconds(usec / 2);
  ::sd_notify(0, "WATCHDOG=1");
  arm(state_);
}

service_watchdog::~service_watchdog() {
  stop();
}

void service_watchdog::stop() {
  // Posted: the timer belongs to the io_context's threads.
  boost::asio::post(state_->timer.get_executor(), [s = state_] {
    s->stopped = true;
    s->timer.cancel();
  });
}

namespace {

template <class State>
void arm(const std::shared_ptr<State>& s) {
  s->timer.expires_after(s->interval);
  s->timer.async_wait([s](boost::system::error_code ec) {
    if (ec || s->stopped) return;
    // A ping is sent only when a handler runs: an io_context stuck on every thread stops them
    // and systemd restarts the service (Restart=on-failure) after WatchdogSec.
    ::sd_notify(0, "WATCHDOG=1");
    arm(s);
  });
}

}  // namespace

}  // namespace parley::app
