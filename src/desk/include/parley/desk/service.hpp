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
#include <parley/desk/live.hpp>
#include <parley/desk/options.hpp>
#include <parley/net/client.hpp>
#include <parley/net/router.hpp>
#include <parley/store/conversation_store.hpp>
#include <parley/store/desk_queue_store.hpp>
#include <parley/store/desk_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::desk {

struct dependencies {
  boost::asio::io_context& io;
  store::conversation_store& conversations;
  store::desk_store& sessions;
  net::http_client& http;  ///< to the identity providers (discovery, JWKS, token endpoint)
  audit::sink& audit;
  const core::clock& clock;
  core::random_source& random;
  /// The live desk (issue 19): the queue in the store and the channel's steps. Null (part 1
  /// only): the queue routes answer 503 and handoffs are not queued.
  store::desk_queue_store* queue = nullptr;
  conversation_link* link = nullptr;
  /// Carries this node's desk events to the other nodes' desks (live.hpp); null: one node.
  event_relay* relay = nullptr;
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

  // ---- the live desk's intake (live.hpp): called by the composition root, from any thread.
  /// Queues a recorded handoff, tells the widget its place and wait, tells the tenant's desks.
  [[nodiscard]] boost::asio::awaitable<void> handoff_requested(handoff_notice n);
  /// The user left (or the session ended) while waiting or with a consultant: closes it.
  [[nodiscard]] boost::asio::awaitable<void> handoff_abandoned(std::string tenant_id, std::string conversation_id);
  /// An activity was appended to a conversation: the desks watching it (its consultant, a
  /// supervisor monitoring it) get it as a "conversation.activity" event. Never blocks.
  void conversation_activity(const std::string& tenant_id, const std::string& conversation_id, std::uint64_t seq,
                             std::string_view type, std::string_view activity_json);
  /// A desk event another node published (event_relay): told to this node's open desks it
  /// concerns (the tenant's, the consultant's, the conversation's watchers). Never blocks.
  void relayed_event(const desk_event& e);
  /// One pass of the no-answer check: handoffs assigned and unanswered for longer than
  /// [desk] answer_timeout go back to the queue. What the loop runs; public for tests.
  [[nodiscard]] boost::asio::awaitable<void> requeue_unanswered();
  /// In a tenant whose assignment is "auto": while a handoff waits and an available consultant
  /// with its queue as a skill has room, assigns it (least loaded, then round-robin; the store's
  /// compare-and-set), audits `desk.handoff_assigned`, calls the channel's accept and tells the
  /// consultant's open desks ("handoff.assigned"). Runs on each new handoff, each consultant
  /// becoming available, each conversation ending or requeued, and in check_queues().
  [[nodiscard]] boost::asio::awaitable<void> assign_waiting(std::string tenant_id);
  /// Handoffs waiting longer than [desk] wait_timeout fail: closed, audited `desk.handoff_failed`,
  /// the bot told handoff.status failed (the assistant offers its alternatives).
  [[nodiscard]] boost::asio::awaitable<void> fail_overdue(std::string tenant_id);
  /// One pass of the live desk's loop (every [desk] queue_check_interval, started by start()):
  /// requeue_unanswered(), then for every tenant fail_overdue() and assign_waiting().
  [[nodiscard]] boost::asio::awaitable<void> check_queues();

  struct impl;
  [[nodiscard]] impl& internals() noexcept { return *impl_; }

 private:
  explicit service(std::unique_ptr<impl> i);
  /// A session ended: its watches end, and what its consultant owned goes back to the queue.
  void session_left_live(const std::string& tenant, const std::string& ref);
  std::unique_ptr<impl> impl_;
};

}  // namespace parley::desk
