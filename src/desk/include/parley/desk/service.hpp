// The service desk's web service, part 1: consultants sign in through their tenant's own
// identity provider (OpenID Connect, authorization code + PKCE, as a backend-for-frontend: no
// token ever reaches the browser), get a server-side session, and use the desk app and its API
// within their tenant and role. docs/adr/0011-desk-bff.md explains the design; the README lists
// the routes.
//
// Routes (add_routes): the app under /desk/ (strict CSP), /desk/login/{tenant} (a navigation to
// the IdP), /desk/callback/{tenant} (the redirect URI, one per IdP), POST /desk/logout (then the
// IdP's end_session_endpoint), /desk/signed-out (the post-logout redirect URI),
// POST /desk/backchannel-logout/{tenant} (OIDC Back-Channel Logout), and /desk/api/... through
// desk::api (api.hpp), including the events WebSocket /desk/api/events.
//
// Every sign-in, failed sign-in, sign-out (by the consultant, by the IdP's back channel, by a
// timeout or a refused refresh), conversation view and settings change is appended to the audit
// sink before the desk acts on it (docs/audit.md); when the sink fails, the desk refuses (503).
//
// Ownership: the service is shared (routes and background loops hold it); the dependencies must
// outlive it. Call start() once the listener is bound, stop() before the server shuts down.
// Thread-safety: everything after start-up may run concurrently.
#pragma once

#include <parley/audit/sink.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/desk/api.hpp>
#include <parley/desk/options.hpp>
#include <parley/net/client.hpp>
#include <parley/net/router.hpp>
#include <parley/store/conversation_store.hpp>
#include <parley/store/desk_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace parley::desk {

struct dependencies {
  boost::asio::io_context& io;
  store::conversation_store& conversations;
  store::desk_store& sessions;
  net::http_client& http;  ///< to the identity providers (discovery, JWKS, token endpoint)
  audit::sink& audit;
  const core::clock& clock;
  core::random_source& random;
};

class service : public std::enable_shared_from_this<service> {
 public:
  /// Checks the options (tenants, URLs); errc-free: a bad option is reported by parse_options.
  [[nodiscard]] static std::shared_ptr<service> create(options o, dependencies deps);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// Adds every desk route to `r`.
  void add_routes(net::router& r);
  /// The handle part 2's routes register through.
  [[nodiscard]] desk::api api() { return desk::api(shared_from_this()); }

  /// Completes the configuration with the listener's URL (when [desk] public_url is empty) and
  /// starts the background loops (session sweeper, open desks' session checks). False when the
  /// URL is unusable (printed to the log).
  [[nodiscard]] bool start(const std::string& listener_url);
  /// Stops the background loops and closes every open desk's WebSocket (going away).
  void stop();

  /// One pass of the sweeper: deletes expired sessions and sign-ins, audits and closes them.
  /// What the loop runs every sweep_interval; public for tests (fake clock).
  [[nodiscard]] boost::asio::awaitable<void> sweep();
  /// One pass over the open desks: each session checked (and refreshed when due); ended ones are
  /// told and closed. What the loop runs every events_check_interval; public for tests.
  [[nodiscard]] boost::asio::awaitable<void> check_open_desks();
  /// Open desk WebSockets (for tests and metrics).
  [[nodiscard]] std::size_t open_desks() const;

  struct impl;
  [[nodiscard]] impl& internals() noexcept { return *impl_; }

 private:
  explicit service(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace parley::desk
