// libFuzzer target "http": the bytes a client sends on one connection (request heads, bodies with
// Content-Length or chunked framing, pipelined requests, upgrades), read by the real server —
// Beast's parser under Parley's rules: limits (431, 413), timeouts, origin-form and absolute-form
// targets, percent-decoding of paths and queries, routing (404/405/OPTIONS), CORS, strict JSON
// bodies (415, 400 on duplicates and depth), keep-alive and Connection: close, static files.
// Findings: a crash or sanitizer report, a handler exception (driver.cpp), a connection that never
// ends (-timeout), a response that is not HTTP/1.1, or a static file served from outside its root.
#include "fuzz_target.hpp"
#include "loopback.hpp"

#include <parley/net/cors.hpp>
#include <parley/net/health.hpp>
#include <parley/net/static_files.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace parley::net::fuzz {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::string_view outside_marker = "OUTSIDE-THE-STATIC-ROOT";

// A static root with two files, and a file next to it that must never be served; removed at exit.
struct static_root {
  fs::path dir = fs::temp_directory_path() / ("parley-fuzz-http-" + std::to_string(::getpid()));
  static_root() {
    fs::create_directories(dir / "root" / "sub");
    std::ofstream(dir / "root" / "index.html") << "<p>index</p>";
    std::ofstream(dir / "root" / "sub" / "app.js") << "console.log(1)";
    std::ofstream(dir / "secret.txt") << outside_marker;
  }
  ~static_root() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

router routes(const fs::path& dir) {
  router r;
  r.get("/health", [](const request&) -> asio::awaitable<response> { co_return text_response(200, "ok"); });
  auto cors = std::make_shared<cors_policy>();
  cors->allow_origin = allow_origins({"https://app.example"});
  route_options json_opts;
  json_opts.json_body = true;
  json_opts.max_body_bytes = 4096;
  json_opts.max_json_depth = 8;
  json_opts.cors = cors;
  r.post(
      "/json/{id}",
      [](const request& req) -> asio::awaitable<response> {
        // What a handler reads: parameters, query, headers, the parsed body.
        std::size_t n = req.param("id").size() + req.query.size() + req.headers.size();
        n += req.headers.get("authorization").value_or("").size();
        if (req.json().is_object()) n += boost::json::serialize(req.json()).size();
        co_return text_response(200, std::to_string(n));
      },
      json_opts);
  route_options plain;
  plain.max_body_bytes = 1024;
  r.put(
      "/items/{id}",
      [](const request& req) -> asio::awaitable<response> {
        co_return text_response(200, std::string(req.body.substr(0, 16)));
      },
      plain);
  r.del("/items/{id}", [](const request&) -> asio::awaitable<response> { co_return empty_response(204); });
  r.get("/items/{id}/parts/{part}", [](const request& req) -> asio::awaitable<response> {
    std::string out(req.param("part"));
    for (const auto& [k, v] : req.query) out += k + "=" + v + ";";
    co_return text_response(200, out);
  });
  r.websocket("/ws", [](const request&) -> asio::awaitable<websocket_upgrade> {
    websocket_hooks h;
    h.on_message = [](websocket ws, std::string text) -> asio::awaitable<void> {
      ws.send(std::move(text));
      co_return;
    };
    co_return websocket_upgrade::accept(std::move(h));
  });
  auto files = static_files(dir / "root");
  if (!files) parley::fuzz::violated("static_files");
  r.get("/static/{*path}", std::move(*files));
  return r;
}

server_options limits() {
  server_options o;
  o.max_header_bytes = 2048;
  o.max_body_bytes = 8192;
  o.header_timeout = 2s;
  o.body_timeout = 2s;
  o.shutdown_timeout = 1s;
  return o;
}

}  // namespace
}  // namespace parley::net::fuzz

PARLEY_FUZZ_TARGET(http, "bytes of one client connection, read by the real net::server (Beast + Parley's rules)") {
  using namespace parley::net::fuzz;
  static const static_root root;
  static loopback server(routes(root.dir), limits());
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto answer = server.exchange(input);
  if (!answer.empty() && !answer.starts_with("HTTP/1.")) parley::fuzz::violated("a response that is not HTTP/1.x");
  if (answer.find(outside_marker) != std::string::npos) parley::fuzz::violated("a file outside the static root served");
  return 0;
}
