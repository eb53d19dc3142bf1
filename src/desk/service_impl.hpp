// Private: the state behind desk::service, shared by its route files (routes_auth.cpp,
// routes_api.cpp, api.cpp, app_files.cpp) and its background loops (service.cpp).
#pragma once

#include "events.hpp"
#include "idp.hpp"
#include "live_state.hpp"
#include "sessions.hpp"

#include <parley/desk/service.hpp>
#include <parley/net/cookies.hpp>
#include <parley/net/rate_limiter.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/logger.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley::desk {

namespace detail {
inline constexpr std::string_view sign_in_cookie = "__Host-parley-desk-signin";
inline constexpr std::string_view logout_cookie = "__Host-parley-desk-logout";
/// The static CSRF header every /desk/api/ call carries (docs/adr/0011-desk-bff.md).
inline constexpr std::string_view csrf_header = "X-Parley-Desk";
}  // namespace detail

struct service::impl {
  impl(options o, dependencies d);

  options opts;
  dependencies deps;
  std::shared_ptr<spdlog::logger> log;
  std::map<std::string, std::unique_ptr<detail::idp>, std::less<>> idps;
  detail::event_hub hub;
  detail::live_state live;
  std::unique_ptr<detail::session_manager> sessions;
  /// Sign-in and callback requests per client address (each costs a store write and an audit entry).
  net::rate_limiter sign_in_limiter;
  std::string public_url;
  std::vector<std::string> origins;  ///< allowed Origin values (exact)
  boost::asio::strand<boost::asio::io_context::executor_type> loop_strand;
  boost::asio::steady_timer sweep_timer;
  boost::asio::steady_timer check_timer;
  /// Consultants' sends per actor (messages and typing).
  net::rate_limiter send_limiter;
  boost::asio::steady_timer answer_timer;
  /// Per tenant: a pass telling the waiting widgets their places is under way (true: and the
  /// queue changed again since it listed it). Concurrent changes share one pass (live.cpp).
  std::mutex places_mutex;
  std::map<std::string, bool, std::less<>> places_running;
  std::atomic<bool> stopped{false};
  std::atomic<bool> started{false};

  [[nodiscard]] detail::idp* find_idp(std::string_view tenant) const;
  [[nodiscard]] bool origin_allowed(std::string_view origin) const;
  /// A Set-Cookie value (the names and values here are always valid).
  [[nodiscard]] static std::string cookie(std::string_view name, std::string value, net::same_site same_site,
                                          std::optional<std::chrono::seconds> max_age);
};

// Route groups, each in its own file.
void add_auth_routes(net::router& r, const std::shared_ptr<service>& desk);
void add_api_routes(net::router& r, const std::shared_ptr<service>& desk);
void add_app_routes(net::router& r, const std::shared_ptr<service>& desk);
void add_live_routes(net::router& r, const std::shared_ptr<service>& desk);

}  // namespace parley::desk
