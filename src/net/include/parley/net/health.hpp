// The operational endpoints every Parley listener may serve.
//   GET /healthz → 200 {"status":"ok"} while the process serves at all (liveness);
//   GET /readyz  → 200 {"status":"ready"}, or 503 ServiceUnavailable when server::ready() is false
//                  (before start-up completes and during shutdown);
//   GET /metrics → the registry in Prometheus text format.
// The handlers keep references: `srv` and `metrics` must outlive the router.
#pragma once

#include <parley/net/metrics.hpp>
#include <parley/net/router.hpp>
#include <parley/net/server.hpp>

namespace parley::net {

void add_health_routes(router& routes, const server& srv);
void add_metrics_route(router& routes, const metrics_registry& metrics);

}  // namespace parley::net
