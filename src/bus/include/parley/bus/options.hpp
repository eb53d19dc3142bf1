// Configuration of the bus, section [bus]:
//
//   [bus]
//   backend = "in-process"       # "in-process" (one process, the default) or "amqp" ([bus.amqp],
//                                # read by src/bus/amqp: broker URL, credentials, TLS, flavour)
//   node_id = ""                 # this process's name on the bus ([A-Za-z0-9_-], at most 48);
//                                # empty: "n-" and 12 random characters at each start
//   max_outgoing = 10000         # publishes waiting for the broker's confirmation, at most
//   publish_timeout = "15s"      # a publish not confirmed by then fails with errc::unavailable
//   max_message_bytes = 262144   # body and fields of one message (Azure Service Bus Standard: 256 KB)
//   max_in_flight = 64           # unsettled messages per subscription (link credit), by default
//   redelivery_delay = "200ms"   # a message whose handler failed is released after this
//   stop_timeout = "5s"          # bound on a clean stop (confirmations, handlers, detach)
#pragma once

#include <parley/core/config.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace parley::bus {

enum class backend_kind { in_process, amqp };

struct options {
  backend_kind backend = backend_kind::in_process;  ///< which implementation src/app builds
  std::string node_id;                              ///< empty: random per start (make_node_id())
  std::size_t max_outgoing = 10000;                 ///< back-pressure bound (errc::overloaded)
  std::chrono::milliseconds publish_timeout{15000};
  std::size_t max_message_bytes = 256 * 1024;
  std::size_t max_in_flight = 64;
  std::chrono::milliseconds redelivery_delay{200};
  std::chrono::milliseconds stop_timeout{5000};
};

/// Reads section [bus] (not its [bus.amqp] table, which the caller reads from the same section
/// object first). Problems are recorded in the configuration.
[[nodiscard]] options parse_options(core::config_section section);

/// "n-" and 12 random characters: a node id for processes that were not given one.
[[nodiscard]] std::string make_node_id();

}  // namespace parley::bus
