// The HTTP server against real sockets: keep-alive, routing, limits, timeouts, CORS, security
// headers, logging discipline and metrics.
#include "probe.hpp"
#include "server_fixture.hpp"

#include <parley/core/testing/log_capture.hpp>
#include <parley/net/health.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parley::net::test {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(core::use_tuple);
}

void build_routes(router& r, server& srv, metrics_registry& metrics) {
  add_health_routes(r, srv);
  add_metrics_route(r, metrics);
  r.get("/hello", [](const request&) -> asio::awaitable<response> {
    co_return json_response(200, std::string(R"({"hello":"world"})"));
  });
  r.get("/echo/{id}", [](const request& req) -> asio::awaitable<response> {
    json::object o;
    o["id"] = req.param("id");
    o["q"] = req.query.get("q").value_or("-");
    o["route"] = req.route;
    o["remote"] = req.remote_address;
    o["tls"] = req.tls;
    o["method"] = req.method_token;
    co_return json_response(200, o);
  });
  route_options json_opts;
  json_opts.json_body = true;
  json_opts.max_body_bytes = 1024;
  r.post("/json", [](const request& req) -> asio::awaitable<response> {
    co_return json_response(200, json::value{{"got", req.json()}});
  }, json_opts);
  route_options small;
  small.max_body_bytes = 100;
  r.post("/upload", [](const request& req) -> asio::awaitable<response> {
    co_return json_response(200, json::value{{"size", req.body.size()}});
  }, small);
  r.get("/slow", [](const request&) -> asio::awaitable<response> {
    co_await sleep_for(std::chrono::milliseconds(1500));
    co_return text_response(200, "slow done");
  });
  r.get("/throw", [](const request&) -> asio::awaitable<response> {
    throw std::runtime_error("zzinternal-detailzz");
    co_return response{};
  });
  r.get("/trace", [](const request& req) -> asio::awaitable<response> {
    co_return text_response(200, std::string(req.headers.get("traceparent").value_or("none")));
  });
  r.get("/page", [](const request&) -> asio::awaitable<response> { co_return html_response(200, "<p>hi</p>"); });
  route_options cors_opts;
  auto policy = std::make_shared<cors_policy>();
  policy->allow_origin = allow_origins({"https://bank.example"});
  policy->allow_credentials = true;
  cors_opts.cors = policy;
  r.post("/cors", [](const request&) -> asio::awaitable<response> { co_return json_response(200, std::string("{}")); },
         cors_opts);
  r.get("/cors", [](const request&) -> asio::awaitable<response> { co_return json_response(200, std::string("{}")); },
        cors_opts);
}

server_options short_timeouts() {
  server_options o;
  o.header_timeout = std::chrono::milliseconds(300);
  o.body_timeout = std::chrono::milliseconds(300);
  o.idle_timeout = std::chrono::milliseconds(400);
  o.first_byte_timeout = std::chrono::milliseconds(400);
  o.max_header_bytes = 2048;
  return o;
}

std::string get_req(std::string_view target, std::string_view extra = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

json::value body_json(const raw_response& r) { return json::parse(r.body); }

TEST(net_http, keep_alive_serves_several_requests_on_one_connection) {
  running_server s(build_routes);
  probe p(s.port());
  ASSERT_TRUE(p.connected());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(p.send(get_req("/hello")));
    const auto r = p.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"hello":"world"})");
    EXPECT_NE(r->header("connection"), "close");
  }
  EXPECT_EQ(s.metrics().counter_for("parley_http_connections_accepted_total", "TCP connections accepted").value(), 1u);
}

// W3C traceparent: a valid one is continued (same trace, a new span for this request, which the
// handler and the response both see); a bad one, or two, start a new trace; none starts one.
TEST(net_http, traceparent_is_continued_or_started_and_returned) {
  running_server s(build_routes);
  probe p(s.port());
  const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto ask = [&](const std::string& extra) {
    EXPECT_TRUE(p.send("GET /trace HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n"));
    auto r = p.read_response();
    EXPECT_TRUE(r);
    if (!r) return trace_context{};
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, r->header("traceparent")) << "the handler saw another traceparent than the response";
    const auto t = parse_traceparent(r->body);
    EXPECT_TRUE(t) << r->body;
    return t.value_or(trace_context{});
  };
  const auto continued = ask("traceparent: " + incoming + "\r\n");
  EXPECT_EQ(continued.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(continued.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(continued.flags, "01");
  const std::vector<std::string> bad_ones = {
      "traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01\r\n",
      "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n",
      "traceparent: " + incoming + "\r\ntraceparent: " + incoming + "\r\n", ""};
  for (const auto& bad : bad_ones) {
    const auto fresh = ask(bad);
    EXPECT_NE(fresh.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") << bad;
    EXPECT_EQ(fresh.flags, "00") << bad;
  }
  EXPECT_NE(ask("").trace_id, ask("").trace_id);
}

TEST(net_http, pipelined_requests_are_answered_in_order) {
  running_server s(build_routes);
  probe p(s.port());
  ASSERT_TRUE(p.send(get_req("/echo/one") + get_req("/echo/two") + get_req("/hello")));
  EXPECT_EQ(body_json(*p.read_response()).at("id").as_string(), "one");
  EXPECT_EQ(body_json(*p.read_response()).at("id").as_string(), "two");
  EXPECT_EQ(p.read_response()->status, 200);
}

TEST(net_http, path_and_query_parameters_are_decoded) {
  running_server s(build_routes);
  const auto r = get(s.port(), "/echo/a%20b/?q=x+y%26z&t=secret");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto v = body_json(*r);
  EXPECT_EQ(v.at("id").as_string(), "a b");
  EXPECT_EQ(v.at("q").as_string(), "x y&z");
  EXPECT_EQ(v.at("route").as_string(), "/echo/{id}");
  EXPECT_EQ(v.at("remote").as_string(), "127.0.0.1");
  EXPECT_EQ(v.at("tls").as_bool(), false);
}

TEST(net_http, not_found_and_method_not_allowed_use_the_error_body) {
  running_server s(build_routes);
  auto r = get(s.port(), "/nowhere");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "NotFound");
  probe p(s.port());
  ASSERT_TRUE(p.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "MethodNotAllowed");
}

TEST(net_http, head_has_length_but_no_body) {
  running_server s(build_routes);
  probe p(s.port());
  ASSERT_TRUE(p.send("HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  const auto raw = p.read_raw_until_close();
  ASSERT_TRUE(raw);
  EXPECT_NE(raw->find("Content-Length: 17\r\n"), std::string::npos);
  EXPECT_TRUE(raw->ends_with("\r\n\r\n"));
  const auto o = get(s.port(), "/hello");
  ASSERT_TRUE(o);
  probe q(s.port());
  ASSERT_TRUE(q.send("OPTIONS /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto r = q.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->header("allow"), "GET, HEAD, OPTIONS");
}

TEST(net_http, malformed_request_gets_400_and_others_are_still_served) {
  running_server s(build_routes);
  for (const std::string bad : {"GARBAGE\r\n\r\n", "GET /hello HTTP/9.9\r\n\r\n", "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n",
                                "GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n", "GET /echo/x?q=%G1 HTTP/1.1\r\nHost: t\r\n\r\n",
                                "GET nothing HTTP/1.1\r\nHost: t\r\n\r\n",
                                "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"}) {
    probe p(s.port());
    ASSERT_TRUE(p.send(bad));
    const auto r = p.read_response();
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(r->header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "BadSyntax") << bad;
    EXPECT_TRUE(p.wait_closed()) << bad;
  }
  EXPECT_EQ(get(s.port(), "/hello")->status, 200);
}

TEST(net_http, body_over_the_route_limit_gets_413) {
  running_server s(build_routes);
  probe p(s.port());
  ASSERT_TRUE(p.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'x')));
  auto r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "PayloadTooLarge");
  EXPECT_EQ(r->header("connection"), "close");
  // Chunked: the limit is found while reading.
  probe c(s.port());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'y') +
                     "\r\n5\r\nzzzzz\r\n0\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // Over the server-wide cap: refused while reading the headers.
  probe h(s.port());
  ASSERT_TRUE(h.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999\r\n\r\n"));
  r = h.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // Within the limit: fine.
  probe ok(s.port());
  ASSERT_TRUE(ok.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')));
  r = ok.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_json(*r).at("size").as_int64(), 100);
}

TEST(net_http, oversized_headers_get_431) {
  running_server s(build_routes, short_timeouts());
  probe p(s.port());
  ASSERT_TRUE(p.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  const auto r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "HeadersTooLarge");
  EXPECT_EQ(get(s.port(), "/hello")->status, 200);
}

TEST(net_http, slow_headers_are_cut_off_with_408) {
  running_server s(build_routes, short_timeouts());
  probe p(s.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(p.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // never finished
  const auto r = p.read_response(std::chrono::milliseconds(3000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "RequestTimeout");
  EXPECT_TRUE(p.wait_closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

TEST(net_http, slow_body_is_cut_off_with_408) {
  running_server s(build_routes, short_timeouts());
  probe p(s.port());
  ASSERT_TRUE(p.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  const auto r = p.read_response(std::chrono::milliseconds(3000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(p.wait_closed());
}

TEST(net_http, silent_and_idle_connections_are_closed) {
  running_server s(build_routes, short_timeouts());
  probe silent(s.port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.wait_closed(std::chrono::milliseconds(3000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(350));
  probe idle(s.port());
  ASSERT_TRUE(idle.send(get_req("/hello")));
  ASSERT_TRUE(idle.read_response());
  EXPECT_TRUE(idle.wait_closed(std::chrono::milliseconds(3000)));  // keep-alive idle timeout
}

TEST(net_http, json_routes_parse_strictly) {
  running_server s(build_routes);
  const auto post = [&](std::string_view type, std::string_view body) {
    probe p(s.port());
    p.send("POST /json HTTP/1.1\r\nHost: t\r\nContent-Type: " + std::string(type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body));
    return p.read_response();
  };
  auto r = post("application/json; charset=utf-8", R"({"a":[1,2]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"got":{"a":[1,2]}})");
  r = post("text/plain", R"({"a":1})");
  EXPECT_EQ(r->status, 415);
  r = post("application/json", R"({"a":1,"a":2})");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("duplicate"), std::string::npos);
  r = post("application/json", R"({"a":)");
  EXPECT_EQ(r->status, 400);
  r = post("application/json", "");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"got":null})");
}

TEST(net_http, a_long_handler_does_not_hold_up_other_connections) {
  running_server s(build_routes);  // one I/O thread
  probe slow(s.port());
  ASSERT_TRUE(slow.send(get_req("/slow")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(get(s.port(), "/hello")->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  const auto r = slow.read_response(std::chrono::milliseconds(5000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "slow done");
}

TEST(net_http, security_headers_on_every_response) {
  running_server s(build_routes);
  auto r = get(s.port(), "/hello");
  EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r->header("referrer-policy"), "no-referrer");
  EXPECT_EQ(r->header("cache-control"), "no-store");
  EXPECT_FALSE(r->has("strict-transport-security"));  // plain HTTP: HSTS only over TLS
  EXPECT_FALSE(r->has("content-security-policy"));
  EXPECT_FALSE(r->header("date").empty());
  r = get(s.port(), "/page");
  EXPECT_NE(r->header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(r->header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  r = get(s.port(), "/nowhere");
  EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
}

TEST(net_http, cors_preflight_and_actual_requests) {
  running_server s(build_routes);
  probe p(s.port());
  ASSERT_TRUE(p.send("OPTIONS /cors HTTP/1.1\r\nHost: t\r\nOrigin: https://bank.example\r\n"
                     "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n"));
  auto r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->header("access-control-allow-origin"), "https://bank.example");
  EXPECT_EQ(r->header("access-control-allow-credentials"), "true");
  EXPECT_EQ(r->header("access-control-allow-methods"), "POST, GET");
  EXPECT_EQ(r->header("access-control-max-age"), "600");

  ASSERT_TRUE(p.send("OPTIONS /cors HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\n"
                     "Access-Control-Request-Method: POST\r\n\r\n"));
  r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->has("access-control-allow-origin"));

  ASSERT_TRUE(p.send("OPTIONS /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://bank.example\r\n"
                     "Access-Control-Request-Method: GET\r\n\r\n"));
  r = p.read_response();
  EXPECT_EQ(r->status, 403);  // no CORS on /hello

  ASSERT_TRUE(p.send("POST /cors HTTP/1.1\r\nHost: t\r\nOrigin: https://bank.example\r\nContent-Length: 0\r\n\r\n"));
  r = p.read_response();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("access-control-allow-origin"), "https://bank.example");
  EXPECT_EQ(r->header("vary"), "Origin");

  ASSERT_TRUE(p.send("POST /cors HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\n\r\n"));
  r = p.read_response();
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "Forbidden");
}

TEST(net_http, handler_exceptions_become_500_without_their_text_in_logs) {
  core::testing::log_capture logs;
  running_server s(build_routes);
  const auto r = get(s.port(), "/throw");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "ServiceError");
  EXPECT_EQ(r->body.find("zzinternal"), std::string::npos);
  EXPECT_TRUE(logs.contains("threw"));
  EXPECT_FALSE(logs.contains("zzinternal-detailzz"));
  EXPECT_EQ(get(s.port(), "/hello")->status, 200);
}

TEST(net_http, logs_carry_route_patterns_never_targets_queries_or_header_values) {
  ASSERT_FALSE(core::init_logging({.level = "debug"}));
  core::testing::log_capture logs;
  {
    running_server s(build_routes);
    ASSERT_EQ(get(s.port(), "/echo/zzconversationzz?t=zzstreamtokenzz",
                  "Authorization: Bearer zzsecretzz\r\nCookie: s=zzcookiezz\r\n")->status, 200);
    ASSERT_EQ(get(s.port(), "/missing/zzpathzz?t=zzstreamtokenzz")->status, 404);
    probe p(s.port());
    p.send("GET /hello?t=zzstreamtokenzz HTTP/1.1\r\nAuthorization: zzsecretzz\r\nX: " + std::string(20000, 'a') +
           "\r\n\r\n");
    EXPECT_EQ(p.read_response()->status, 431);
  }
  ASSERT_FALSE(core::init_logging({.level = "info"}));
  EXPECT_TRUE(logs.contains("GET /echo/{id} 200"));
  EXPECT_TRUE(logs.contains("(unmatched) 404"));
  EXPECT_TRUE(logs.contains("431"));
  for (const char* secret : {"zzconversationzz", "zzstreamtokenzz", "zzsecretzz", "zzcookiezz", "zzpathzz"}) {
    EXPECT_FALSE(logs.contains(secret)) << secret;
  }
}

TEST(net_http, connection_cap_closes_extra_connections) {
  server_options o;
  o.max_connections = 2;
  running_server s(build_routes, o);
  probe a(s.port());
  probe b(s.port());
  ASSERT_TRUE(a.send(get_req("/hello")));
  ASSERT_TRUE(b.send(get_req("/hello")));
  ASSERT_TRUE(a.read_response());
  ASSERT_TRUE(b.read_response());
  probe c(s.port());
  EXPECT_TRUE(c.wait_closed(std::chrono::milliseconds(2000)));
  EXPECT_EQ(s.srv().active_connections(), 2u);
  EXPECT_GE(s.metrics().counter_for("parley_http_connections_rejected_total", "").value(), 1u);
}

TEST(net_http, metrics_count_requests_per_route_pattern) {
  running_server s(build_routes);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(s.port(), "/echo/x" + std::to_string(i))->status, 200);
  ASSERT_EQ(get(s.port(), "/nowhere")->status, 404);
  const auto r = get(s.port(), "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("parley_http_requests_total{listener=\"test\",route=\"/echo/{id}\",method=\"GET\",code=\"200\"} 3\n"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("route=\"(unmatched)\",method=\"any\",code=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(r->body.find("parley_http_request_duration_seconds_count{listener=\"test\",route=\"/echo/{id}\"} 3\n"),
            std::string::npos);
  EXPECT_EQ(r->body.find("/echo/x1"), std::string::npos);
}

TEST(net_http, health_and_readiness) {
  running_server s(build_routes);
  EXPECT_EQ(get(s.port(), "/healthz")->body, R"({"status":"ok"})");
  EXPECT_EQ(get(s.port(), "/readyz")->status, 200);
  s.srv().set_ready(false);
  const auto r = get(s.port(), "/readyz");
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_json(*r).at("error").at("code").as_string(), "ServiceUnavailable");
  EXPECT_EQ(get(s.port(), "/healthz")->status, 200);
}

TEST(net_http, readiness_check_fails_readyz_with_its_reason) {
  std::atomic<bool> broker_up{false};
  running_server s([&](router& r, server& srv, metrics_registry&) {
    add_health_routes(r, srv,
                      [&] { return broker_up.load() ? std::string{} : std::string("bus: broker unreachable"); });
  });
  const auto down = get(s.port(), "/readyz");
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(body_json(*down).at("error").at("message").as_string(), "not ready: bus: broker unreachable");
  EXPECT_EQ(get(s.port(), "/healthz")->status, 200);  // alive all the same
  broker_up = true;
  EXPECT_EQ(get(s.port(), "/readyz")->status, 200);
}

TEST(net_http, expect_100_continue) {
  running_server s(build_routes);
  probe p(s.port());
  ASSERT_TRUE(p.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 100);
  ASSERT_TRUE(p.send("abcd"));
  r = p.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_json(*r).at("size").as_int64(), 4);
}

TEST(net_http, absolute_form_target) {
  running_server s(build_routes);
  const auto r = get(s.port(), "http://example.test/echo/abs?q=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_json(*r).at("id").as_string(), "abs");
}

// A seeded mutation fuzzer over valid requests: flipped, inserted and dropped bytes, truncation.
// Every case must end in an answer or a close, never a crash or an escaped exception.
TEST(net_http, mangled_requests_never_crash_the_server) {
  running_server s(build_routes, short_timeouts());
  const std::vector<std::string> seeds = {
      "GET /echo/abc?q=1&t=2 HTTP/1.1\r\nHost: t\r\nOrigin: https://bank.example\r\n\r\n",
      "POST /json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":[1,{}]}",
      "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "OPTIONS /cors HTTP/1.1\r\nHost: t\r\nOrigin: https://bank.example\r\nAccess-Control-Request-Method: POST\r\n\r\n",
      "GET /static/%2e%2e/x HTTP/1.0\r\n\r\n"};
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  const auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int i = 0; i < 400; ++i) {
    std::string input = seeds[next() % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      const std::size_t at = next() % input.size();
      switch (next() % 4) {
        case 0: input[at] = static_cast<char>(next()); break;
        case 1: input.insert(at, 1 + next() % 64, static_cast<char>(next())); break;
        case 2: input.erase(at, 1 + next() % 16); break;
        default: input.resize(at); break;
      }
    }
    probe p(s.port());
    ASSERT_TRUE(p.connected()) << i;
    p.send(input);
    p.shutdown_write();
    EXPECT_TRUE(p.wait_closed(3s)) << "case " << i;
  }
  EXPECT_EQ(get(s.port(), "/hello")->status, 200);
  EXPECT_EQ(core::escaped_exceptions(), 0u);
}

TEST(net_http, plain_http_off_loopback_is_refused_at_listen) {
  metrics_registry m;
  asio::io_context io;
  server srv(io, {}, m);
  auto routes = std::make_shared<router>();
  listener_options l;
  l.address = "0.0.0.0";
  l.port = 0;
  const auto refused = srv.listen(l, routes);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), make_error_code(errc::insecure_listener));
  l.behind_tls_proxy = true;
  const auto allowed = srv.listen(l, routes);
  EXPECT_TRUE(allowed) << allowed.error().message();
}

}  // namespace
}  // namespace parley::net::test
