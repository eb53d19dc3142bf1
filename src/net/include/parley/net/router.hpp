// Routes requests to handlers by path pattern and method.
//
// Patterns are absolute paths of segments: literals, `{name}` (one segment, decoded, required
// non-empty) and a final `{*name}` (the rest of the path, possibly empty, for static files).
// A literal segment wins over a parameter at the same place. Matching ignores one trailing slash
// ("/healthz/" is "/healthz") and never decodes '%2F' into a separator.
// Unknown path → 404; known path, other method → 405 with Allow; HEAD is served by GET handlers;
// OPTIONS is answered by the server (preflight when the route has CORS, else 204 with Allow).
//
// Ownership: the router owns its handlers. It is built single-threaded at start-up, then shared
// read-only by the listeners (match() is const and thread-safe). Registering the same pattern and
// method twice, or an invalid pattern, is a programmer error (PARLEY_CHECK).
#pragma once

#include <parley/net/cors.hpp>
#include <parley/net/http.hpp>
#include <parley/net/websocket.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

/// A request handler: a coroutine, so it may await the store, timers or outbound calls without
/// blocking a thread. It runs on its connection's strand; a long wait (the channel waits ~15 s for
/// a bot) holds only that connection. An exception escaping it becomes a 500 ServiceError and a
/// log line (without its text).
using handler = std::function<boost::asio::awaitable<response>(const request&)>;

/// Per-route settings.
struct route_options {
  /// Largest body accepted; a larger Content-Length or chunked body gets 413 without reading it.
  std::size_t max_body_bytes = 64 * 1024;
  /// Parse the body as JSON (core::parse_json: strict, no duplicate members) before the handler
  /// runs: 415 unless Content-Type is application/json, 400 BadSyntax if malformed. An empty body
  /// is allowed (request::json() is then null) unless require_json_body.
  bool json_body = false;
  bool require_json_body = false;
  std::size_t max_json_depth = 32;
  /// Cross-origin policy; null = same-origin only (no CORS headers, preflights get 403).
  std::shared_ptr<const cors_policy> cors;
};

class router {
 public:
  router();
  ~router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;

  router& add(method m, std::string_view pattern, handler h, route_options options = {});
  router& get(std::string_view pattern, handler h, route_options options = {});
  router& post(std::string_view pattern, handler h, route_options options = {});
  router& put(std::string_view pattern, handler h, route_options options = {});
  router& del(std::string_view pattern, handler h, route_options options = {});
  /// A GET route that upgrades to a WebSocket (see websocket.hpp). A plain GET there gets 426.
  router& websocket(std::string_view pattern, websocket_handler h, websocket_options ws = {},
                    route_options options = {});

  /// One method's registration on a pattern.
  struct endpoint {
    method verb = method::get;
    handler on_request;          ///< set for HTTP routes
    websocket_handler on_upgrade;  ///< set for WebSocket routes
    websocket_options ws;
    route_options options;
  };

  struct match_result {
    enum class kind { found, not_found, method_not_allowed, bad_path } outcome = kind::not_found;
    const endpoint* target = nullptr;   ///< found: the endpoint for the method (GET for HEAD)
    std::string_view pattern;           ///< found / method_not_allowed: the route pattern
    std::vector<method> allowed;        ///< found / method_not_allowed: methods of the pattern
    param_list params;                  ///< found: decoded path parameters
    /// Endpoints of the matched pattern (for CORS preflights).
    std::vector<const endpoint*> endpoints;
  };

  /// Matches a raw (percent-encoded) path. bad_path: malformed percent-encoding or a decoded NUL.
  /// The result points into the router (pattern, endpoints), which must outlive it.
  [[nodiscard]] match_result match(method m, std::string_view raw_path) const;

  /// Every endpoint with its pattern (the server prepares per-route metrics from it).
  void for_each_endpoint(const std::function<void(std::string_view pattern, const endpoint&)>& fn) const;

 private:
  struct node;
  std::unique_ptr<node> root_;
};

}  // namespace parley::net
