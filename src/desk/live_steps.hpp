// Private: what the live desk's intake (live.cpp) and routes (routes_live.cpp) share.
#pragma once

#include "service_impl.hpp"

#include <parley/core/clock.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace parley::desk::detail {

/// The name the user sees for a consultant: the first word of the IdP's name when it is 1..64
/// printable characters without '@', else "Consultant" (never an e-mail address).
[[nodiscard]] std::string display_name_of(const caller& who);
/// A handoff as the desk app shows it (`who`: mark the caller's own).
[[nodiscard]] boost::json::object handoff_json(const store::queued_handoff& h, const caller* who,
                                               std::chrono::system_clock::time_point now);
/// "queue.changed" {conversation, status} to every open desk of the tenant.
void queue_changed(service::impl& d, const std::string& tenant, const std::string& conversation,
                   std::string_view status);
/// Tells the widget of a waiting conversation its place in its queue and an estimated wait.
[[nodiscard]] boost::asio::awaitable<void> tell_position(service::impl& d, const std::string& tenant,
                                                         const std::string& conversation);
/// tell_position() for every waiting conversation of the tenant (the queue moved).
[[nodiscard]] boost::asio::awaitable<void> tell_positions(service::impl& d, const std::string& tenant);
/// True when the tenant's [[desk.tenants]] assignment is "auto".
[[nodiscard]] bool auto_assigns(const service::impl& d, const std::string& tenant);
/// service::assign_waiting().
[[nodiscard]] boost::asio::awaitable<void> assign_waiting(service::impl& d, std::string tenant);

}  // namespace parley::desk::detail
