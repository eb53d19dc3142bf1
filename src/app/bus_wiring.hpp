// Builds the bus that [bus] chooses (the composition root's job): in-process, the default and what
// `parley demo` runs, or AMQP 1.0 with [bus.amqp] for several nodes. Only src/app knows both.
#pragma once

#include "settings.hpp"

#include <parley/bus/bus.hpp>
#include <parley/net/metrics.hpp>

#include <memory>
#include <string>

namespace parley::app {

/// The bus, started (AMQP connects in the background). On failure prints one clear line to
/// stderr (no secrets) and returns nullptr.
[[nodiscard]] std::unique_ptr<bus::bus> open_bus(const settings& s, net::metrics_registry& metrics);

/// What /readyz says about the bus: empty while it is connected with every link attached, else
/// "bus: <reason>" (the broker unreachable, credentials refused...).
[[nodiscard]] std::string bus_readiness(const bus::bus& b);

}  // namespace parley::app
