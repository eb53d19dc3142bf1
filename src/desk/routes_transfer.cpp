// The live desk's transfers (issue 19, 2), every route through desk::api:
//   GET  /desk/api/agents                        the tenant's consultants as the queue knows them
//                                                (display name, availability, load, skills): whom to
//                                                transfer to
//   POST /desk/api/handoffs/{id}/transfer        {queue} or {consultant}: the owner (or a
//                                                supervisor) passes the conversation on, audited
//                                                (desk.handoff_transferred) before it happens
// To a queue: the handoff waits again in that queue (keeping its place by request time) and the
// widget is told it is being transferred; the conversation stays with the consultants at the
// channel, so the assistant does not answer in between. To a consultant: a compare-and-set from
// the owner to them (they must be available and under capacity); the widget is told who took over
// and their desks open it ("handoff.assigned").
#include "api_guard.hpp"
#include "live_steps.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace parley::desk {

using boost::asio::awaitable;

namespace {

net::response bad(std::string_view m) {
  return net::error_response(net::errc::bad_request, m);
}

awaitable<net::response> agents(service::impl& d, const caller& who) {
  if (!d.deps.queue) co_return net::error_response(net::errc::service_unavailable, "no live desk here");
  auto all = co_await d.deps.queue->list_desk_agents(who.tenant_id);
  if (!all) co_return detail::unavailable_response();
  boost::json::array items;
  for (const auto& a : *all) {
    boost::json::object o;
    o["id"] = a.actor_ref;  // the desk's pseudonymous actor id, never the IdP's subject
    o["name"] = a.display_name;
    o["availability"] = store::to_string(a.state);
    o["load"] = a.load;
    o["capacity"] = a.capacity;
    boost::json::array skills;
    for (const auto& s : a.skills) skills.emplace_back(s);
    o["skills"] = std::move(skills);
    o["me"] = a.actor_ref == who.actor;
    items.push_back(std::move(o));
  }
  boost::json::object o;
  o["agents"] = std::move(items);
  co_return net::json_response(200, o);
}

// Tells the widget what happened; a conversation the user left meanwhile is closed here.
awaitable<std::optional<net::response>> tell_channel(service::impl& d, const caller& who, const std::string& id,
                                                     std::string display_name) {
  auto told = co_await d.deps.link->transfer(who.tenant_id, id, std::move(display_name));
  if (told.status == link_status::ok) co_return std::nullopt;
  if (told.status == link_status::wrong_state || told.status == link_status::not_found) {
    std::string no_note;
    (void)co_await d.deps.queue->close_handoff(who.tenant_id, id, std::move(no_note));
    d.live.unwatch_all(who.tenant_id, id);
    detail::queue_changed(d, who.tenant_id, id, "closed");
    co_return net::error_response(net::errc::conflict, "the conversation is no longer with a consultant");
  }
  co_return detail::unavailable_response();
}

awaitable<net::response> to_queue(service::impl& d, const caller& who, const store::queued_handoff& h,
                                  std::string queue) {
  boost::json::object details;
  details["queue"] = queue;
  std::string serialized = boost::json::serialize(details);
  const std::string& id = h.conversation_id;
  if (auto refused = co_await detail::audited(d, who, "desk.handoff_transferred", id, std::move(serialized))) {
    co_return std::move(*refused);
  }
  std::string owner = h.owner_ref;
  std::optional<std::string> target = std::move(queue);
  auto released = co_await d.deps.queue->release_handoff(who.tenant_id, id, std::move(owner), std::move(target));
  if (!released) {
    co_return released.error() == store::errc::invalid_argument ? bad("queue must be 1..64 of [a-z0-9._-]")
                                                                : detail::unavailable_response();
  }
  if (!*released) co_return net::error_response(net::errc::conflict, "the conversation changed hands meanwhile");
  std::string no_name;  // back to waiting
  if (auto failed = co_await tell_channel(d, who, id, std::move(no_name))) co_return std::move(*failed);
  d.live.unwatch_all(who.tenant_id, id);
  detail::queue_changed(d, who.tenant_id, id, "waiting");
  co_await detail::assign_waiting(d, who.tenant_id);
  co_await detail::tell_position(d, who.tenant_id, id);
  co_return net::json_response(200, boost::json::object{{"conversation", id}, {"status", "waiting"}});
}

awaitable<net::response> to_consultant(service::impl& d, const caller& who, const store::queued_handoff& h,
                                       std::string target) {
  if (target == h.owner_ref) co_return bad("the conversation is already theirs");
  auto them = co_await d.deps.queue->get_desk_agent(who.tenant_id, target);
  if (!them) co_return detail::unavailable_response();
  if (!*them) co_return net::error_response(net::errc::not_found, "no such consultant");
  boost::json::object details;
  details["consultant"] = target;
  std::string serialized = boost::json::serialize(details);
  const std::string& id = h.conversation_id;
  if (auto refused = co_await detail::audited(d, who, "desk.handoff_transferred", id, std::move(serialized))) {
    co_return std::move(*refused);
  }
  std::optional<std::string> from = h.owner_ref;
  auto taken = co_await d.deps.queue->take_handoff(who.tenant_id, id, h.version, target, std::move(from));
  if (!taken) co_return detail::unavailable_response();
  switch (taken->outcome) {
    case store::take_outcome::taken:
      break;
    case store::take_outcome::lost:
      co_return net::error_response(net::errc::conflict, "TakenByAnother", "the conversation changed hands meanwhile");
    case store::take_outcome::at_capacity:
      co_return net::error_response(net::errc::conflict, "AtCapacity", "they already have their maximum");
    case store::take_outcome::not_available:
      co_return net::error_response(net::errc::conflict, "NotAvailable", "they are away");
  }
  if (auto failed = co_await tell_channel(d, who, id, taken->handoff.owner_name)) co_return std::move(*failed);
  d.live.unwatch_all(who.tenant_id, id);
  const auto data = detail::handoff_json(taken->handoff, nullptr, d.deps.clock.now());
  detail::tell_actor(d, who.tenant_id, target, id, "handoff.assigned", data);
  detail::queue_changed(d, who.tenant_id, id, "assigned");
  co_return net::json_response(200, detail::handoff_json(taken->handoff, &who, d.deps.clock.now()));
}

awaitable<net::response> transfer(service::impl& d, const net::request& req, const caller& who) {
  if (!d.deps.queue || !d.deps.link) co_return net::error_response(net::errc::service_unavailable, "no live desk here");
  const std::string id(req.param("id"));
  const auto* body = req.json().if_object();
  const auto* queue = body ? body->if_contains("queue") : nullptr;
  const auto* consultant = body ? body->if_contains("consultant") : nullptr;
  const bool one =
      body && body->size() == 1 && ((queue && queue->is_string()) || (consultant && consultant->is_string()));
  if (!one) co_return bad("{\"queue\": \"...\"} or {\"consultant\": \"...\"} is required");
  const auto& named = queue ? queue->get_string() : consultant->get_string();
  if (named.empty() || named.size() > 128) co_return bad("the queue or consultant is 1..128 bytes");
  net::response refusal;
  auto h = co_await detail::owned(d, who, id, refusal);
  if (!h) co_return refusal;
  if (h->status != store::handoff_status::assigned)
    co_return net::error_response(net::errc::conflict, "nobody owns it");
  std::string target(named.data(), named.size());
  if (queue) co_return co_await to_queue(d, who, *h, std::move(target));
  co_return co_await to_consultant(d, who, *h, std::move(target));
}

}  // namespace

namespace detail {

void add_transfer_routes(net::router& r, const std::shared_ptr<service>& desk) {
  const desk::api api = desk->api();
  auto* dp = &desk->internals();
  api.add(r, net::method::get, "/desk/api/agents",
          [dp](const net::request&, const caller& who) { return agents(*dp, who); });
  api.add(r, net::method::post, "/desk/api/handoffs/{id}/transfer",
          [dp](const net::request& req, const caller& who) { return transfer(*dp, req, who); }, {.json_body = true});
}

}  // namespace detail
}  // namespace parley::desk
