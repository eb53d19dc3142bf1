// The one way a desk route learns who calls it: every route under /desk/api/ is registered through
// desk::api, whose guard runs before the handler and hands it the `caller` (tenant, role, actor).
// Handlers never read cookies or headers for identity, so tenant isolation and roles hold for
// every route, including the ones part 2 adds (queue, takeover, transcripts).
//
// The guard, in order: the static CSRF header (`X-Parley-Desk: 1`, on every API call: a page of
// another origin cannot send it without a CORS preflight, which the desk never grants); the
// Origin, when sent (always on state-changing calls), must be the desk's or an allowed one; the
// `__Host-parley-desk` session cookie names a live session of a configured tenant; its absolute
// and idle timeouts have not passed; when its refresh is due the IdP is asked first (a consultant
// disabled there loses access here); the caller's role is at least the route's. A failure is
// answered 401 (no session: the cookie is cleared), 403 (CSRF, Origin, role) or 503 (store or
// audit down), never with a hint about other tenants.
//
// Ownership: api is a cheap handle on the desk service, which must outlive every router it was
// used with. Thread-safety: registration happens at start-up (single-threaded); the guard and
// handlers run concurrently on connection strands.
#pragma once

#include <parley/net/router.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::desk {

/// Desk roles, each including the ones below it.
enum class role { consultant = 1, supervisor = 2, admin = 3 };
[[nodiscard]] std::string_view to_string(role r) noexcept;
[[nodiscard]] std::optional<role> role_from_string(std::string_view s) noexcept;

/// Who is calling, as the guard established it.
struct caller {
  std::string tenant_id;  ///< the consultant's tenant: the only tenant a handler may touch
  desk::role role = role::consultant;
  std::string actor;        ///< stable pseudonymous id derived from the IdP's (iss, sub); for audit entries
  std::string name;         ///< display name from the IdP (never logged)
  std::string session_ref;  ///< the session's store ref (not the cookie's secret)
  std::string source;       ///< client address, for audit entries
};

using api_handler = std::function<boost::asio::awaitable<net::response>(const net::request&, const caller&)>;

struct api_route_options {
  role minimum = role::consultant;
  std::size_t max_body_bytes = 16 * 1024;
  bool json_body = false;  ///< the body is strict JSON (request::json())
  /// The call counts as the consultant's activity (resets the idle timeout). The session check
  /// that the app polls does not, or the idle timeout would never fire.
  bool activity = true;
};

class service;

class api {
 public:
  explicit api(std::shared_ptr<service> desk) : desk_(std::move(desk)) {}
  /// Registers `pattern` (which must start with /desk/api/) with the guard in front of `h`.
  void add(net::router& r, net::method m, std::string_view pattern, api_handler h, api_route_options o = {}) const;

 private:
  std::shared_ptr<service> desk_;
};

}  // namespace parley::desk
