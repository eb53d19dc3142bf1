#include "services.hpp"

#include <parley/core/error.hpp>
#include <parley/net/health.hpp>

#include <cstdio>

namespace parley::app {
namespace {

// Operational endpoints: liveness, readiness (flipped off at shutdown) and Prometheus metrics.
void add_ops_routes(net::router& r, service_context& ctx) {
  net::add_health_routes(r, ctx.server);
  net::add_metrics_route(r, ctx.metrics);
}

// The channel (Direct Line 3.0 for clients, Bot Connector for bots); built by run_services.
void add_channel_routes(net::router& r, service_context& ctx) {
  PARLEY_CHECK(ctx.channel != nullptr, "a channel listener without a channel");
  ctx.channel->add_routes(r);
}

bool start_channel(service_context& ctx, const std::string& base_url) {
  if (ctx.channel->start(base_url)) return true;
  std::fprintf(stderr, "parley: channel: %s is not a usable public URL ([channel] public_url)\n", base_url.c_str());
  return false;
}

}  // namespace

const std::vector<service>& services() {
  static const std::vector<service> table = {
      {"ops", 0, add_ops_routes, {{"health", "/healthz"}, {"ready", "/readyz"}, {"metrics", "/metrics"}}},
      {"channel",
       1,
       add_channel_routes,
       {{"directline", "/v3/directline"}, {"channel_openid", "/v1/.well-known/openidconfiguration"}},
       start_channel},
      // Later issues: {"bot", 2, ...}, {"desk", 3, ...}, {"bank", 4, ...}.
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
