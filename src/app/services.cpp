#include "services.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/net/health.hpp>

#include <cstdio>
#include <string>

namespace parley::app {
namespace {

// Operational endpoints: liveness, readiness (flipped off at shutdown) and Prometheus metrics.
bool add_ops_routes(net::router& r, service_context& ctx) {
  net::add_health_routes(r, ctx.server);
  net::add_metrics_route(r, ctx.metrics);
  return true;
}

// BankX, the example bank (examples/bankx): the client's system the demo assistant logs in to.
// Not a Parley component; a real deployment points [login] at the bank's own Login API instead.
bool add_bank_routes(net::router& r, service_context& ctx) {
  std::string problem;
  auto bank = bankx::bank::create(ctx.config.bankx, core::system_clock(), core::os_random(), &problem);
  if (!bank) {
    std::fprintf(stderr, "parley: cannot start the BankX example bank: %s\n",
                 problem.empty() ? bank.error().message().c_str() : problem.c_str());
    return false;
  }
  bankx::add_routes(r, std::shared_ptr<bankx::bank>(std::move(*bank)));
  return true;
}

}  // namespace

const std::vector<service>& services() {
  static const std::vector<service> table = {
      {"ops", 0, add_ops_routes, {{"health", "/healthz"}, {"ready", "/readyz"}, {"metrics", "/metrics"}}},
      // Later issues: {"channel", 1, ...}, {"bot", 2, ...}, {"desk", 3, ...}.
      {"bank", 4, add_bank_routes, {{"bankx_api", "/api/v1"}, {"bankx_phone", "/app/"}}},
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
