// The bus's metrics, shared by its backends (not for feature components). Names, all labelled
// with backend="in-process" or "amqp":
//   parley_bus_published_total, parley_bus_publish_failures_total{reason},
//   parley_bus_publish_seconds (publish → broker confirmation),
//   parley_bus_consumed_total, parley_bus_consume_latency_seconds (published_at → handler start,
//   across nodes: includes their clock difference), parley_bus_handler_failures_total,
//   parley_bus_redeliveries_total, parley_bus_rejected_total (undecodable or unauthenticated),
//   parley_bus_reconnects_total, parley_bus_connected, parley_bus_link_up{link},
//   parley_bus_unsettled{direction="out"|"in"}.
// A null registry makes every call a no-op.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <parley/core/error.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace parley::net {
class metrics_registry;
class counter;
class gauge;
class histogram;
}  // namespace parley::net

namespace parley::bus {

class instruments {
 public:
  instruments(net::metrics_registry* registry, std::string backend);
  ~instruments();
  instruments(const instruments&) = delete;
  instruments& operator=(const instruments&) = delete;

  void published(std::chrono::steady_clock::duration to_confirmation);
  void publish_failed(const error_code& ec);
  /// A message reached its handler.
  void consumed(std::chrono::system_clock::time_point published_at);
  void handler_failed();
  void redelivered();
  void rejected();
  void reconnected();
  void set_connected(bool up);
  /// Link `name` ("publish:<topic>", "subscribe:<topic>/<name>") is attached or not.
  void set_link(const std::string& name, bool up);
  /// Gauges read when scraped: messages waiting for confirmation, and handed to handlers and
  /// not yet settled. The functions must stay callable until this object is destroyed.
  void watch_unsettled(std::function<double()> outgoing, std::function<double()> incoming);

 private:
  net::metrics_registry* registry_;
  std::string backend_;
  net::counter* published_ = nullptr;
  net::histogram* publish_seconds_ = nullptr;
  net::counter* consumed_ = nullptr;
  net::histogram* consume_latency_ = nullptr;
  net::counter* handler_failures_ = nullptr;
  net::counter* redeliveries_ = nullptr;
  net::counter* rejected_ = nullptr;
  net::counter* reconnects_ = nullptr;
  net::gauge* connected_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, net::gauge*, std::less<>> links_;
};

}  // namespace parley::bus
