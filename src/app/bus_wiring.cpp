#include "bus_wiring.hpp"

#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/bus/in_process.hpp>

#include <cstdio>

namespace parley::app {

std::unique_ptr<bus::bus> open_bus(const settings& s, net::metrics_registry& metrics) {
  if (s.bus.backend == bus::backend_kind::in_process) return std::make_unique<bus::in_process_bus>(s.bus, &metrics);
  auto b = bus::amqp::open(s.bus, s.bus_amqp, &metrics);
  if (!b) {
    std::fprintf(stderr, "parley: cannot start the bus ([bus.amqp]): %s (details in the log)\n",
                 b.error().message().c_str());
    return nullptr;
  }
  return std::move(*b);
}

std::string bus_readiness(const bus::bus& b) {
  const auto h = b.status();
  if (!h.error) return {};
  return "bus: " + (h.detail.empty() ? h.error.message() : h.detail);
}

}  // namespace parley::app
