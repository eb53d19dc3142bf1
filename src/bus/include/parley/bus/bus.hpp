// The message bus: how Parley's processes tell each other about events (an activity appended, a
// conversation ended, a handoff requested, desk events). A publisher names a topic; subscribers
// are either fan-out (every subscription, on every node, gets every message) or competing (the
// consumers of one named subscription, on whichever nodes, share its messages: each goes to one).
//
// Delivery is at-least-once. A publish is confirmed once the broker holds the message; a consumer
// settles a message only after its handler ran: success accepts it, an error or an exception
// releases it and the broker delivers it again (delivery_count > 0). So a consumer may see a
// message twice (after a failure, a reconnect, or a publish retried after a lost confirmation)
// and, across publishers, out of order: messages carry the tenant, a key (the conversation id)
// and the key's sequence number from the store, and consumers use bus::sequencer (ordering.hpp)
// to drop duplicates and fill gaps from the store, which stays the source of truth.
//
// Back-pressure: at most options::max_outgoing messages wait for the broker's confirmation;
// beyond that publish fails at once with errc::overloaded, and a message the broker has not
// confirmed within options::publish_timeout fails with errc::unavailable (it may still arrive).
// Each subscription holds at most max_in_flight unsettled messages (the link credit). Memory never
// grows without bound. While the broker is unreachable, status() says so and the bus reconnects
// by itself, restoring every subscription (on_reattached tells consumers to catch up).
//
// Implementations: in_process.hpp (one process, the default: `parley demo`), amqp/ (AMQP 1.0:
// RabbitMQ, ActiveMQ Artemis, Azure Service Bus); a fake for tests in testing/fake_bus.hpp.
//
// Ownership: the caller owns the bus and its subscriptions; a subscription must not outlive its
// bus, and the executor a subscription runs on must outlive the subscription.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <parley/bus/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::bus {

/// One event.
struct message {
  std::string topic;      ///< what happened, e.g. "channel.activity" (valid_name())
  std::string tenant;     ///< whose event; consumers act for this tenant only
  std::string key;        ///< the ordering key within the tenant (a conversation id); may be empty
  std::uint64_t seq = 0;  ///< the key's sequence number from the store; 0 when none
  std::string type;       ///< the event's kind within its topic (e.g. the activity type)
  std::string body;       ///< opaque payload (JSON). Never logged; sealed on the broker (amqp)
  // Set by the bus when publishing; consumers read them.
  std::string id;      ///< unique id, the same on every redelivery
  std::string origin;  ///< node_id() of the publisher
  std::chrono::system_clock::time_point published_at{};
  std::uint32_t delivery_count = 0;  ///< 0 on the first delivery; more when redelivered
};

enum class subscription_kind {
  fan_out,    ///< every fan-out subscription gets every message of its topic
  competing,  ///< each message goes to one consumer of the named subscription
};

struct subscription_options {
  std::string topic;
  subscription_kind kind = subscription_kind::fan_out;
  /// competing: the subscription's name, the same on every node (valid_name()). It is durable:
  /// it keeps messages while no consumer is attached. fan_out: leave empty (one per subscriber).
  std::string name;
  /// Unsettled messages handed to the handler at most (the link credit); 0: options' default.
  /// Handlers of one subscription may run concurrently up to this number.
  std::size_t max_in_flight = 0;
  /// Called on the subscription's executor each time the subscription is attached again after
  /// being lost (broker restart, network): a fan-out subscription may have missed messages
  /// meanwhile, so consumers catch up from the store. May be empty.
  std::function<void()> on_reattached;
};

/// What a subscriber does with one message, on the subscription's executor. Returning success
/// settles it (accepted); an error or an exception releases it for redelivery.
using handler = std::function<boost::asio::awaitable<error_code>(message)>;

/// A live subscription. close() (or destruction) stops new deliveries; handlers already running
/// finish, and their messages are settled if the link still exists (else the broker redelivers).
class subscription {
 public:
  virtual ~subscription() = default;
  virtual void close() = 0;
  /// True while the subscription's link is attached.
  [[nodiscard]] virtual bool attached() const = 0;
};

/// The bus's state, for /readyz, metrics and logs.
struct health {
  error_code error;    ///< {} when connected and every link attached; else unavailable, unauthorized...
  std::string detail;  ///< what is wrong, for operators (never a secret)
};

/// Called once with a publish's outcome.
using publish_callback = std::function<void(error_code)>;

class bus {
 public:
  virtual ~bus() = default;

  /// Publishes `m` (its id, origin and published_at are set here). `done` is called exactly once:
  /// {} when the broker holds the message; errc::overloaded (max_outgoing waiting),
  /// errc::unavailable (not confirmed within publish_timeout: it may still be delivered),
  /// errc::too_large, errc::invalid_argument (topic), errc::rejected, errc::stopped. It may be
  /// called before publish() returns (errors found at once, in-process success) or from the
  /// bus's own thread: keep it short and never block in it.
  virtual void publish(message m, publish_callback done) = 0;

  /// Subscribes; `h` runs on `ex`. Attaching happens in the background (attached() and status()
  /// tell). errc::invalid_argument (names, kind), errc::stopped.
  [[nodiscard]] virtual result<std::unique_ptr<subscription>> subscribe(subscription_options o,
                                                                        boost::asio::any_io_executor ex, handler h) = 0;

  [[nodiscard]] virtual health status() const = 0;
  /// This process's name on the bus (options::node_id).
  [[nodiscard]] virtual const std::string& node_id() const = 0;

  /// Stops cleanly, waiting at most options::stop_timeout: no new publishes (errc::stopped),
  /// confirmations of those in flight awaited, handlers running finished and settled, links
  /// detached before the connection closes. Blocks the calling thread; idempotent.
  virtual void stop() = 0;
};

/// Publishes and resumes on the caller's executor with the outcome (see bus::publish).
[[nodiscard]] boost::asio::awaitable<error_code> publish(bus& b, message m);

/// Topic and subscription names: 1..64 characters of [a-z0-9._-], starting with a letter or digit
/// (they go into broker addresses unescaped on every broker flavour).
[[nodiscard]] bool valid_name(std::string_view name) noexcept;
/// Node ids: 1..48 characters of [A-Za-z0-9_-].
[[nodiscard]] bool valid_node_id(std::string_view id) noexcept;

}  // namespace parley::bus
