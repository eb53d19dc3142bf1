// Private: consultants' sessions over the store's desk_store (server-side, sealed at rest, any
// desk node can serve any session) and the audit entries of their whole life.
//
// A session starts at a successful sign-in (a new id every time: a cookie planted before the
// sign-in never becomes a session, and the cookie the browser had is ended), is checked on every
// API call and WebSocket check (absolute timeout, idle timeout, refresh at the IdP when due), and
// ends by sign-out, back-channel logout, a timeout, a refused refresh, or a lost role. Each end is
// audited and reported to `on_ended` (which closes the session's open desks on this node; other
// nodes notice at their next check). Sign-ins are audited before the session exists: when the
// audit sink fails, there is no session (fail closed).
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include "idp.hpp"

#include <parley/audit/sink.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/desk/api.hpp>
#include <parley/desk/options.hpp>
#include <parley/store/conversation_store.hpp>
#include <parley/store/desk_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace parley::desk::detail {

inline constexpr std::string_view session_cookie = "__Host-parley-desk";

/// Why a session ended (the audit entry's details and the desk's "session.ended" event).
enum class end_reason {
  signed_out,
  backchannel,
  idle,
  absolute,
  timeout,
  refresh_refused,
  role_removed,
  idp_unreachable,
  replaced,
  corrupt
};
[[nodiscard]] std::string_view to_string(end_reason r) noexcept;

/// A tenant admin's settings (docs/audit.md "desk.settings_changed"), bounded by [desk].
struct tenant_settings {
  std::chrono::seconds idle_timeout{0};
  std::chrono::seconds absolute_timeout{0};
  std::uint64_t version = 0;  ///< 0: never set (the [desk] defaults apply)
};

/// A live session as the guard found it.
struct active_session {
  desk::caller caller;
  std::chrono::system_clock::time_point idle_deadline{};
  std::chrono::system_clock::time_point absolute_deadline{};
};

/// What sign-out needs to send the browser on to the IdP.
struct signed_out {
  std::string tenant_id;
  std::string id_token;  ///< for id_token_hint; wiped by the caller
  ~signed_out();
  signed_out() = default;
  signed_out(signed_out&&) noexcept = default;
  signed_out& operator=(signed_out&&) noexcept = default;
};

struct session_dependencies {
  store::desk_store& store;
  store::conversation_store& conversations;  ///< ensure_tenant before the first session
  audit::sink& audit;
  const core::clock& clock;
  core::random_source& random;
  std::function<idp*(std::string_view tenant)> find_idp;
  /// Called after a session ended (closing its WebSockets on this node).
  std::function<void(const std::string& tenant, const std::string& ref, end_reason)> on_ended;
};

/// An audit entry of `who` (an empty actor is recorded as "anonymous", without a role).
[[nodiscard]] audit::entry entry_for(const desk::caller& who, std::string_view event, std::string_view subject = {},
                                     std::string details = {});
/// An entry about a session the desk ended (actor = the session's consultant).
[[nodiscard]] audit::entry session_entry(std::string_view tenant, std::string_view actor, std::string_view actor_role,
                                         std::string_view source, std::string_view event, std::string details);

class session_manager {
 public:
  session_manager(const options& o, session_dependencies deps);

  /// Audits the sign-in, then stores a new session and returns the cookie value
  /// ("<tenant>.<secret>"). `previous_cookie` (the desk cookie the browser sent, if any) is ended.
  /// Errors: audit::errc::unavailable, store errors.
  [[nodiscard]] boost::asio::awaitable<result<std::string>> create(const std::string& tenant, const identity& who,
                                                                   token_set tokens,
                                                                   std::optional<std::string> previous_cookie,
                                                                   std::string source);
  /// The guard's check of a cookie value. errc::no_session when there is none (or it just ended);
  /// store::errc::unavailable when the store cannot say.
  [[nodiscard]] boost::asio::awaitable<result<active_session>> authenticate(std::string cookie_value, bool activity,
                                                                            std::string source);
  /// The same for a session known by tenant and ref (open desks' periodic check; never activity).
  [[nodiscard]] boost::asio::awaitable<result<active_session>> check(std::string tenant, std::string ref);
  /// Ends the caller's session (audited as desk.sign_out) and returns what the IdP's logout needs.
  [[nodiscard]] boost::asio::awaitable<result<signed_out>> sign_out(const desk::caller& who);
  /// Ends the sessions a valid logout token names (audited as desk.sign_out by the back channel).
  /// errc::bad_token for a replayed token (its jti seen before).
  [[nodiscard]] boost::asio::awaitable<result<std::size_t>> back_channel_logout(const std::string& tenant,
                                                                                const logout_request& request);
  /// Purges expired sessions and sign-ins of every tenant (audited as desk.session_expired).
  [[nodiscard]] boost::asio::awaitable<void> sweep();

  /// The tenant's settings (cached for 30 s; the [desk] values where unset).
  [[nodiscard]] boost::asio::awaitable<result<tenant_settings>> settings(const std::string& tenant);
  /// Forgets the cached settings of `tenant` (after a change on this node).
  void forget_settings(const std::string& tenant);

  /// Appends one audit entry (build it with entry_for, in a named variable: GCC 12 mishandles
  /// temporaries passed to coroutines). Errors: the sink's (the failure is logged).
  [[nodiscard]] boost::asio::awaitable<result<void>> record(audit::entry e);

 private:
  struct loaded;
  [[nodiscard]] boost::asio::awaitable<result<active_session>> examine(store::desk_session s, bool activity,
                                                                       std::string source);
  [[nodiscard]] boost::asio::awaitable<void> end(const store::desk_session& s, const std::string& actor_role,
                                                 end_reason reason, std::string source);
  [[nodiscard]] boost::asio::awaitable<result<void>> ensure_tenant(const std::string& tenant);

  const options& opts_;
  session_dependencies deps_;
  std::mutex mutex_;
  std::set<std::string> ensured_;
  struct cached_settings {
    tenant_settings value;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, cached_settings> settings_;
  std::map<std::string, std::chrono::system_clock::time_point> seen_jti_;
};

}  // namespace parley::desk::detail
