#include <parley/bus/bus.hpp>
#include <parley/bus/options.hpp>
#include <parley/core/random.hpp>

namespace parley::bus {

options parse_options(core::config_section s) {
  options o;
  const auto backend = s.string("backend", "in-process");
  if (backend == "in-process") {
    o.backend = backend_kind::in_process;
  } else if (backend == "amqp") {
    o.backend = backend_kind::amqp;
  } else {
    s.error("backend", "expected \"in-process\" or \"amqp\"");
  }
  o.node_id = s.string("node_id");
  if (!o.node_id.empty() && !valid_node_id(o.node_id)) {
    s.error("node_id", "1 to 48 characters of A-Z, a-z, 0-9, '_' and '-'");
  }
  o.max_outgoing =
      static_cast<std::size_t>(s.integer("max_outgoing", static_cast<std::int64_t>(o.max_outgoing), 1, 1'000'000));
  o.publish_timeout = s.duration("publish_timeout", o.publish_timeout);
  if (o.publish_timeout < std::chrono::milliseconds(100) || o.publish_timeout > std::chrono::minutes(10)) {
    s.error("publish_timeout", "must be from 100ms to 10m");
  }
  o.max_message_bytes = static_cast<std::size_t>(
      s.integer("max_message_bytes", static_cast<std::int64_t>(o.max_message_bytes), 1024, 64 << 20));
  o.max_in_flight =
      static_cast<std::size_t>(s.integer("max_in_flight", static_cast<std::int64_t>(o.max_in_flight), 1, 100'000));
  o.redelivery_delay = s.duration("redelivery_delay", o.redelivery_delay);
  if (o.redelivery_delay.count() < 0 || o.redelivery_delay > std::chrono::minutes(1)) {
    s.error("redelivery_delay", "must be from 0 to 1m");
  }
  o.stop_timeout = s.duration("stop_timeout", o.stop_timeout);
  if (o.stop_timeout.count() < 0 || o.stop_timeout > std::chrono::minutes(2))
    s.error("stop_timeout", "must be from 0 to 2m");
  s.finish();
  return o;
}

std::string make_node_id() {
  return core::random_id(core::os_random(), "n-", 9);
}

}  // namespace parley::bus
