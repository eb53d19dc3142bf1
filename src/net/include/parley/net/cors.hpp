// Cross-origin resource sharing, per route (Fetch standard, "CORS protocol").
//
// A route opts in with route_options::cors. The allowlist is a callback so that it can be
// dynamic: the channel allows, per request, the widget origins configured for the bot.
// Preflights (OPTIONS with Access-Control-Request-Method) are answered by the server from the
// policy of the route and method asked for; handlers never see them.
// Thread-safety: a policy is immutable once shared; `allow_origin` is called concurrently from
// the I/O threads and must be thread-safe.
#pragma once

#include <parley/net/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

struct cors_policy {
  /// Decides whether `origin` (the exact Origin header, e.g. "https://bank.example") may call the
  /// route. Called for every cross-origin request and preflight. Required.
  std::function<bool(std::string_view origin)> allow_origin;
  /// Send Access-Control-Allow-Credentials: true (cookies, withCredentials).
  bool allow_credentials = false;
  /// Request headers a caller may send beyond the CORS-safelisted ones (case-insensitive).
  std::vector<std::string> allow_headers = {"authorization", "content-type"};
  /// Response headers scripts may read (Access-Control-Expose-Headers).
  std::vector<std::string> expose_headers;
  /// How long a browser may cache a preflight answer.
  std::chrono::seconds max_age{600};
  /// Refuse (403) actual requests that carry an Origin the callback does not allow, instead of
  /// only withholding the CORS headers. On for endpoints whose side effects matter (a token
  /// endpoint): a browser would block the reading, not the request.
  bool reject_disallowed_origins = true;
};

/// A callback allowing exactly the listed origins (compared exactly, case-sensitively).
[[nodiscard]] std::function<bool(std::string_view)> allow_origins(std::vector<std::string> origins);

/// What the server does with a preflight or an actual request on a route with CORS.
struct cors_decision {
  bool allowed = false;     ///< false: answer 403 (preflight, or actual request when rejecting)
  header_map headers;       ///< the Access-Control-* and Vary headers to add to the response
};

/// A preflight: `origin`, the Access-Control-Request-Method, the Access-Control-Request-Headers
/// value (comma-separated, may be empty); `allowed_methods` are the methods the route serves.
[[nodiscard]] cors_decision evaluate_preflight(const cors_policy& policy, std::string_view origin,
                                               std::string_view request_method, std::string_view request_headers,
                                               const std::vector<method>& allowed_methods);

/// An actual request carrying `origin` (non-empty).
[[nodiscard]] cors_decision evaluate_actual(const cors_policy& policy, std::string_view origin);

}  // namespace parley::net
