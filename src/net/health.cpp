#include <parley/net/health.hpp>

namespace parley::net {

void add_health_routes(router& routes, const server& srv) {
  routes.get("/healthz", [](const request&) -> boost::asio::awaitable<response> {
    co_return json_response(200, std::string(R"({"status":"ok"})"));
  });
  routes.get("/readyz", [&srv](const request&) -> boost::asio::awaitable<response> {
    if (!srv.ready()) co_return error_response(errc::service_unavailable, "not ready");
    co_return json_response(200, std::string(R"({"status":"ready"})"));
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
