#include "store_probe.hpp"

#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <exception>

namespace parley::app {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

struct store_probe::state {
  state(asio::io_context& io, store::conversation_store& s, std::chrono::milliseconds i, std::chrono::milliseconds t)
      : timer(asio::make_strand(io)), store(s), interval(i), timeout(t) {}
  asio::steady_timer timer;  // on a strand: the probe's handlers and stop() never run at once
  store::conversation_store& store;
  std::chrono::milliseconds interval;
  std::chrono::milliseconds timeout;
  bool stopped = false;                        // on the io_context's threads
  std::atomic<bool> answered{true};            // the last probe's outcome
  std::atomic<clock::rep> in_flight_since{0};  // 0: no probe waiting
  bool reported_down = false;                  // logged once per outage
};

namespace {

// A conversation no client can create (ids are generated): reading it costs one indexed lookup.
constexpr char probe_tenant[] = "parley-readiness-probe";
constexpr char probe_id[] = "probe";

void arm(const std::shared_ptr<store_probe::state>& s);

void probe(const std::shared_ptr<store_probe::state>& s) {
  s->in_flight_since = clock::now().time_since_epoch().count();
  asio::co_spawn(
      s->timer.get_executor(),
      [s]() -> asio::awaitable<bool> {
        auto r = co_await s->store.get_conversation(probe_tenant, probe_id);
        co_return r || r.error() != store::errc::unavailable;
      },
      [s](std::exception_ptr e, bool ok) {
        const bool answered = !e && ok;
        s->answered = answered;
        s->in_flight_since = 0;
        if (!answered && !s->reported_down) {
          core::logger("app")->warn("store: the database does not answer; /readyz reports not ready");
          s->reported_down = true;
        } else if (answered && s->reported_down) {
          core::logger("app")->info("store: the database answers again; /readyz reports ready");
          s->reported_down = false;
        }
        arm(s);
      });
}

void arm(const std::shared_ptr<store_probe::state>& s) {
  if (s->stopped) return;
  s->timer.expires_after(s->interval);
  s->timer.async_wait([s](boost::system::error_code ec) {
    if (ec || s->stopped) return;
    probe(s);
  });
}

}  // namespace

store_probe::store_probe(asio::io_context& io, store::conversation_store& store, std::chrono::milliseconds interval,
                         std::chrono::milliseconds timeout)
    : state_(std::make_shared<state>(io, store, interval, timeout)) {
  asio::post(state_->timer.get_executor(), [s = state_] { arm(s); });
}

store_probe::~store_probe() {
  stop();
}

void store_probe::stop() {
  // Posted: the timer belongs to the io_context's threads.
  asio::post(state_->timer.get_executor(), [s = state_] {
    s->stopped = true;
    s->timer.cancel();
  });
}

std::string store_probe::readiness() const {
  if (!state_->answered) return "store: the database does not answer";
  const auto since = state_->in_flight_since.load();
  if (since != 0 && clock::now() - clock::time_point(clock::duration(since)) > state_->timeout) {
    return "store: the database does not answer in time";
  }
  return {};
}

}  // namespace parley::app
