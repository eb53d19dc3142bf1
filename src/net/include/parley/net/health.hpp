// The operational endpoints every Parley listener may serve.
//   GET /healthz → 200 {"status":"ok"} while the process serves at all (liveness);
//   GET /readyz  → 200 {"status":"ready"}, or 503 ServiceUnavailable when server::ready() is false
//                  (before start-up completes and during shutdown) or a readiness check fails
//                  (e.g. the message broker is unreachable), with the check's reason;
//   GET /metrics → the registry in Prometheus text format.
// The handlers keep references: `srv` and `metrics` must outlive the router.
#pragma once

#include <parley/net/metrics.hpp>
#include <parley/net/router.hpp>
#include <parley/net/server.hpp>

#include <functional>
#include <string>

namespace parley::net {

/// A condition /readyz requires besides server::ready(): empty when it holds, else a short reason
/// for the 503 body and logs (never a secret). Called on every /readyz: quick and thread-safe.
using readiness_check = std::function<std::string()>;

void add_health_routes(router& routes, const server& srv, readiness_check check = {});
void add_metrics_route(router& routes, const metrics_registry& metrics);

}  // namespace parley::net
