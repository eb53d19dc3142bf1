// The bus inside one process (the default; what `parley demo` runs). Same semantics as a broker:
// topics, fan-out and named competing subscriptions (kept, with their messages, while no consumer
// is attached once they were subscribed to), settlement after the handler, redelivery after a
// failure (after options::redelivery_delay), max_in_flight per subscription, and back-pressure:
// each subscription queues at most options::max_outgoing messages, and a publish that would
// exceed that on any subscription fails with errc::overloaded (nothing is enqueued anywhere).
// A publish is confirmed (done({}), inline) once every matching subscription has it; a topic
// nobody subscribed to takes the message and drops it, as a broker exchange does.
//
// Several in_process_bus objects may share one in_process_broker: each is then one "node" (its own
// node_id and fan-out subscriptions), which lets tests run several channel services in one
// process. Handlers run on their subscription's executor, never on the publishing thread.
//
// Ownership: the broker is shared (shared_ptr); each bus must outlive its subscriptions.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/bus/options.hpp>

#include <memory>

namespace parley::net {
class metrics_registry;
}

namespace parley::bus {

/// The queues and subscriptions several in-process nodes share.
class in_process_broker {
 public:
  in_process_broker();
  ~in_process_broker();
  in_process_broker(const in_process_broker&) = delete;
  in_process_broker& operator=(const in_process_broker&) = delete;
  struct state;
  [[nodiscard]] state& get() noexcept { return *state_; }

 private:
  std::unique_ptr<state> state_;
};

class in_process_bus final : public bus {
 public:
  /// A node with its own broker (one process, one node). `metrics` may be null.
  explicit in_process_bus(options opts = {}, net::metrics_registry* metrics = nullptr);
  /// A node on a shared broker.
  in_process_bus(options opts, std::shared_ptr<in_process_broker> broker, net::metrics_registry* metrics = nullptr);
  ~in_process_bus() override;
  in_process_bus(const in_process_bus&) = delete;
  in_process_bus& operator=(const in_process_bus&) = delete;

  void publish(message m, publish_callback done) override;
  [[nodiscard]] result<std::unique_ptr<subscription>> subscribe(subscription_options o, boost::asio::any_io_executor ex,
                                                                handler h) override;
  [[nodiscard]] health status() const override;
  [[nodiscard]] const std::string& node_id() const override;
  void stop() override;

  struct node;

 private:
  std::shared_ptr<node> node_;
};

}  // namespace parley::bus
