// Private: the pieces of the /desk/api/ guard (api.cpp) that the events WebSocket and the session
// routes reuse.
#pragma once

#include "sessions.hpp"

#include <parley/desk/service.hpp>
#include <parley/net/http.hpp>

#include <boost/asio/awaitable.hpp>

#include <optional>

namespace parley::desk::detail {

/// 401 SessionEnded, clearing the session cookie.
[[nodiscard]] net::response no_session_response();
/// 503 with Retry-After (the store or the audit sink is down).
[[nodiscard]] net::response unavailable_response();
/// no_session → 401, anything else → 503.
[[nodiscard]] net::response failure_response(const error_code& e);
[[nodiscard]] bool is_state_changing(net::method m) noexcept;
/// 403 when the request's Origin is not allowed (or absent while `require`); nullopt when fine.
[[nodiscard]] std::optional<net::response> check_request_origin(const service::impl& desk, const net::request& req,
                                                                bool require);
/// The session the request's cookie names (errc::no_session when none).
[[nodiscard]] boost::asio::awaitable<result<active_session>> authenticate(service::impl& desk, const net::request& req,
                                                                          bool activity);

}  // namespace parley::desk::detail
