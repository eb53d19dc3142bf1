#include <parley/net/health.hpp>

namespace parley::net {
namespace {

// A coroutine function, not a capturing coroutine lambda (GCC 12 destroys such captures twice).
boost::asio::awaitable<response> readyz(const server& srv, std::shared_ptr<const readiness_check> check) {
  if (!srv.ready()) co_return error_response(errc::service_unavailable, "not ready");
  if (*check) {
    if (auto reason = (*check)(); !reason.empty())
      co_return error_response(errc::service_unavailable, "not ready: " + reason);
  }
  co_return json_response(200, std::string(R"({"status":"ready"})"));
}

}  // namespace

void add_health_routes(router& routes, const server& srv, readiness_check check) {
  routes.get("/healthz", [](const request&) -> boost::asio::awaitable<response> {
    co_return json_response(200, std::string(R"({"status":"ok"})"));
  });
  routes.get("/readyz", [&srv, c = std::make_shared<const readiness_check>(std::move(check))](const request&) {
    return readyz(srv, c);
  });
}

void add_metrics_route(router& routes, const metrics_registry& metrics) {
  routes.get("/metrics", [&metrics](const request&) -> boost::asio::awaitable<response> {
    response r;
    r.headers.set("Content-Type", std::string(prometheus_content_type));
    r.body = metrics.render();
    co_return r;
  });
}

}  // namespace parley::net
