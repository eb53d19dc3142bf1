// Private: what the live desk's intake (live.cpp) and routes (routes_live.cpp) share.
#pragma once

#include "service_impl.hpp"

#include <parley/core/clock.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::desk::detail {

/// The name the user sees for a consultant: the first word of the IdP's name when it is 1..64
/// printable characters without '@', else "Consultant" (never an e-mail address).
[[nodiscard]] std::string display_name_of(const caller& who);
/// A handoff as the desk app shows it (`who`: mark the caller's own).
[[nodiscard]] boost::json::object handoff_json(const store::queued_handoff& h, const caller* who,
                                               std::chrono::system_clock::time_point now);
/// An event to every open desk of the tenant, here and (through the relay) on the other nodes.
void tell_tenant(service::impl& d, const std::string& tenant, std::string_view type, const boost::json::object& data);
/// An event to the consultant `actor`'s open desks, here and on the other nodes; they watch
/// `conversation` from now on (handoff.assigned).
void tell_actor(service::impl& d, const std::string& tenant, const std::string& actor, const std::string& conversation,
                std::string_view type, const boost::json::object& data);
/// An event to the desks watching `conversation`, here and on the other nodes.
void tell_watchers(service::impl& d, const std::string& tenant, const std::string& conversation, std::string_view type,
                   const boost::json::object& data);
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
/// Appends the caller's audit entry before anything happens (fail closed): nullopt when
/// recorded, else the 503 to answer. (Name the arguments at the call: GCC 12, PR 99576.)
[[nodiscard]] boost::asio::awaitable<std::optional<net::response>> audited(service::impl& d, const caller& who,
                                                                           std::string_view event,
                                                                           std::string_view subject,
                                                                           std::string details = {});
/// The open handoff `id` if the caller may act on it (its owner, or any supervisor); else the
/// error, with the answer to give in `refusal` (404, 403, 503).
[[nodiscard]] boost::asio::awaitable<result<store::queued_handoff>> owned(service::impl& d, const caller& who,
                                                                          const std::string& id,
                                                                          net::response& refusal);
/// The consultant named `display_name` joins the conversation at the channel: accept_handoff()
/// for a first take, transfer_handoff() when it was with a consultant before (a transfer, a
/// requeue after a session ended or an unanswered assignment): the bot is not told twice.
[[nodiscard]] boost::asio::awaitable<link_result> join(service::impl& d, const std::string& tenant,
                                                       const std::string& conversation, std::string display_name);
/// The transfer and agents routes (routes_transfer.cpp).
void add_transfer_routes(net::router& r, const std::shared_ptr<service>& desk);
/// The consultants' tools: canned responses, search, export (routes_tools.cpp).
void add_tool_routes(net::router& r, const std::shared_ptr<service>& desk);
/// service::assign_waiting().
[[nodiscard]] boost::asio::awaitable<void> assign_waiting(service::impl& d, std::string tenant);

}  // namespace parley::desk::detail
