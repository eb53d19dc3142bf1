#include <parley/bus/error.hpp>
#include <parley/bus/instruments.hpp>
#include <parley/net/metrics.hpp>

#include <algorithm>

namespace parley::bus {
namespace {

// Publish and consume latencies are sub-millisecond on a quiet loopback broker.
std::vector<double> bus_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

std::string_view reason_of(const error_code& ec) {
  if (ec.category() != bus_category()) return "other";
  switch (static_cast<errc>(ec.value())) {
    case errc::unavailable:
      return "unavailable";
    case errc::overloaded:
      return "overloaded";
    case errc::too_large:
      return "too_large";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::unauthorized:
      return "unauthorized";
    case errc::rejected:
      return "rejected";
    case errc::not_found:
      return "not_found";
    case errc::stopped:
      return "stopped";
    case errc::bad_message:
      return "bad_message";
  }
  return "other";
}

}  // namespace

instruments::instruments(net::metrics_registry* registry, std::string backend)
    : registry_(registry), backend_(std::move(backend)) {
  if (!registry_) return;
  const net::labels l{{"backend", backend_}};
  auto& r = *registry_;
  published_ = &r.counter_for("parley_bus_published_total", "Messages the broker confirmed", l);
  publish_seconds_ = &r.histogram_for("parley_bus_publish_seconds", "Time from publish to the broker's confirmation",
                                      bus_buckets(), l);
  consumed_ = &r.counter_for("parley_bus_consumed_total", "Messages handed to a handler", l);
  consume_latency_ = &r.histogram_for("parley_bus_consume_latency_seconds",
                                      "Time from publish (publisher's clock) to the handler's start", bus_buckets(), l);
  handler_failures_ = &r.counter_for("parley_bus_handler_failures_total", "Handlers that failed (message released)", l);
  redeliveries_ = &r.counter_for("parley_bus_redeliveries_total", "Messages received again after a first delivery", l);
  rejected_ =
      &r.counter_for("parley_bus_rejected_total", "Messages received that could not be decoded or authenticated", l);
  reconnects_ = &r.counter_for("parley_bus_reconnects_total", "Connections to the broker made again after a loss", l);
  connected_ = &r.gauge_for("parley_bus_connected", "1 while connected to the broker with every link attached", l);
}

instruments::~instruments() {
  if (registry_) registry_->remove_callbacks(this);
}

void instruments::published(std::chrono::steady_clock::duration to_confirmation) {
  if (!published_) return;
  published_->inc();
  publish_seconds_->observe(std::chrono::duration<double>(to_confirmation).count());
}

void instruments::publish_failed(const error_code& ec) {
  if (!registry_) return;
  registry_
      ->counter_for("parley_bus_publish_failures_total", "Publishes that failed, by reason",
                    {{"backend", backend_}, {"reason", std::string(reason_of(ec))}})
      .inc();
}

void instruments::consumed(std::chrono::system_clock::time_point published_at) {
  if (!consumed_) return;
  consumed_->inc();
  const auto d = std::chrono::system_clock::now() - published_at;
  consume_latency_->observe(std::max(0.0, std::chrono::duration<double>(d).count()));
}

void instruments::handler_failed() {
  if (handler_failures_) handler_failures_->inc();
}
void instruments::redelivered() {
  if (redeliveries_) redeliveries_->inc();
}
void instruments::rejected() {
  if (rejected_) rejected_->inc();
}
void instruments::reconnected() {
  if (reconnects_) reconnects_->inc();
}
void instruments::set_connected(bool up) {
  if (connected_) connected_->set(up ? 1 : 0);
}

void instruments::set_link(const std::string& name, bool up) {
  if (!registry_) return;
  std::lock_guard lock(mutex_);
  auto it = links_.find(name);
  if (it == links_.end()) {
    it = links_
             .emplace(name, &registry_->gauge_for("parley_bus_link_up", "1 while the link is attached",
                                                  {{"backend", backend_}, {"link", name}}))
             .first;
  }
  it->second->set(up ? 1 : 0);
}

void instruments::watch_unsettled(std::function<double()> outgoing, std::function<double()> incoming) {
  if (!registry_) return;
  registry_->gauge_callback("parley_bus_unsettled",
                            "Messages not yet settled: published and unconfirmed (out), "
                            "handed to handlers and not settled (in)",
                            {{"backend", backend_}, {"direction", "out"}}, std::move(outgoing), this);
  registry_->gauge_callback("parley_bus_unsettled",
                            "Messages not yet settled: published and unconfirmed (out), "
                            "handed to handlers and not settled (in)",
                            {{"backend", backend_}, {"direction", "in"}}, std::move(incoming), this);
}

}  // namespace parley::bus
