#include "services.hpp"

#include <parley/net/health.hpp>

namespace parley::app {
namespace {

// Operational endpoints: liveness, readiness (flipped off at shutdown) and Prometheus metrics.
void add_ops_routes(net::router& r, service_context& ctx) {
  net::add_health_routes(r, ctx.server);
  net::add_metrics_route(r, ctx.metrics);
}

}  // namespace

const std::vector<service>& services() {
  static const std::vector<service> table = {
      {"ops", 0, add_ops_routes, {{"health", "/healthz"}, {"ready", "/readyz"}, {"metrics", "/metrics"}}},
      // Later issues: {"channel", 1, ...}, {"bot", 2, ...}, {"desk", 3, ...}, {"bank", 4, ...}.
  };
  return table;
}

const service* find_service(std::string_view name) {
  for (const auto& s : services()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace parley::app
