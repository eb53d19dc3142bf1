// The live desk's API (issue 19), every route through desk::api (session, role, CSRF header):
//   GET  /desk/api/handoffs                      the tenant's queue (waiting, then assigned)
//   PUT  /desk/api/availability                  {state, capacity?, skills?}: the caller as an agent
//   POST /desk/api/handoffs/{id}/take            {version}: compare-and-set; 409 when another won
//   POST /desk/api/handoffs/{id}/take-over       {version}: a supervisor takes an assigned one
//   POST /desk/api/handoffs/{id}/messages        {text}: the owner (or a supervisor barging in)
//   POST /desk/api/handoffs/{id}/typing          the owner's typing indicator
//   POST /desk/api/handoffs/{id}/hand-back       {note?, intent?}: back to the assistant
//   GET  /desk/api/handoffs/{id}/transcript      the owner's or a supervisor's (audited)
//   POST /desk/api/conversations/{id}/monitor    a supervisor watches silently (audited)
//   (transfer and the agents list: routes_transfer.cpp; canned responses, search, export:
//   routes_tools.cpp)
// Every access to a conversation is audited before it happens (fail closed: 503); a conversation
// of another tenant is not found. Events reach the desks over /desk/api/events.
#include "api_guard.hpp"
#include "live_steps.hpp"

#include <parley/core/json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace parley::desk {

using boost::asio::awaitable;

namespace detail {

// Appends the entry before anything happens; nullopt when recorded.
// (Arguments are named variables or views at the call sites: GCC 12, PR 99576.)
awaitable<std::optional<net::response>> audited(service::impl& d, const caller& who, std::string_view event,
                                                std::string_view subject, std::string details) {
  auto entry = detail::entry_for(who, event, subject, std::move(details));
  if (auto logged = co_await d.sessions->record(std::move(entry)); !logged) {
    co_return detail::unavailable_response();
  }
  co_return std::nullopt;
}

// The open handoff, if the caller may act on it (its owner, or any supervisor).
awaitable<result<store::queued_handoff>> owned(service::impl& d, const caller& who, const std::string& id,
                                               net::response& refusal) {
  auto h = co_await d.deps.queue->open_handoff(who.tenant_id, id);
  if (!h) {
    refusal = h.error() == store::errc::not_found ? net::error_response(net::errc::not_found, "no such handoff")
                                                  : unavailable_response();
    co_return h.error();
  }
  if (!*h) {
    refusal = net::error_response(net::errc::not_found, "no such handoff");
    co_return make_error_code(store::errc::not_found);
  }
  const bool mine = (*h)->status == store::handoff_status::assigned && (*h)->owner_ref == who.actor;
  if (!mine && who.role < role::supervisor) {
    refusal = net::error_response(net::errc::forbidden, "another consultant owns this conversation");
    co_return make_error_code(store::errc::not_found);
  }
  co_return std::move(**h);
}

}  // namespace detail

namespace {

using detail::audited;
using detail::owned;

constexpr std::size_t max_text = 4000;
constexpr std::size_t transcript_limit = 500;

std::string str(const boost::json::string& s) {
  return std::string(s.data(), s.size());
}

net::response ok(boost::json::object o) {
  return net::json_response(200, o);
}
net::response bad(std::string_view m) {
  return net::error_response(net::errc::bad_request, m);
}

std::optional<net::response> not_live(const service::impl& d) {
  if (!d.deps.queue || !d.deps.link) return net::error_response(net::errc::service_unavailable, "no live desk here");
  return std::nullopt;
}

net::response link_failure(link_status s) {
  switch (s) {
    case link_status::ok:
      return ok({});
    case link_status::not_found:
      return net::error_response(net::errc::not_found, "no such conversation");
    case link_status::wrong_state:
      return net::error_response(net::errc::conflict, "the conversation is no longer with a consultant");
    case link_status::bad_argument:
      return bad("refused by the channel");
    case link_status::unavailable:
      break;
  }
  return detail::unavailable_response();
}

awaitable<net::response> list(service::impl& d, const caller& who) {
  if (auto no = not_live(d)) co_return std::move(*no);
  auto q = co_await d.deps.queue->list_queue(who.tenant_id, 200);
  if (!q) co_return detail::unavailable_response();
  boost::json::array items;
  std::size_t waiting = 0;
  for (const auto& h : *q) {
    if (h.status == store::handoff_status::waiting) ++waiting;
    items.push_back(detail::handoff_json(h, &who, d.deps.clock.now()));
  }
  boost::json::object o;
  o["handoffs"] = std::move(items);
  o["waiting"] = waiting;
  if (const auto* p = d.find_idp(who.tenant_id); p && p->tenant().hours.configured) {
    o["open"] = p->tenant().hours.open_at(d.deps.clock.now());  // closed: handoffs fail at once
    o["hours"] = p->tenant().hours.describe();
  }
  auto me = co_await d.deps.queue->get_desk_agent(who.tenant_id, who.actor);
  if (me && *me) {
    o["availability"] = store::to_string((*me)->state);
    o["capacity"] = (*me)->capacity;
    o["load"] = (*me)->load;
  }
  co_return ok(std::move(o));
}

awaitable<net::response> availability(service::impl& d, const net::request& req, const caller& who) {
  if (auto no = not_live(d)) co_return std::move(*no);
  const auto* body = req.json().if_object();
  if (!body) co_return bad("a JSON object is required");
  store::desk_agent a;
  a.tenant_id = who.tenant_id;
  a.actor_ref = who.actor;
  a.display_name = detail::display_name_of(who);
  a.skills = {"general"};
  bool has_state = false;
  for (const auto& [key, value] : *body) {
    if (key == "state" && value.is_string()) {
      auto s = store::parse_availability(str(value.get_string()));
      if (!s) co_return bad("state must be available, busy or away");
      a.state = *s;
      has_state = true;
    } else if (key == "capacity" && value.is_int64()) {
      if (value.get_int64() < 1 || value.get_int64() > static_cast<std::int64_t>(store::max_desk_capacity)) {
        co_return bad("capacity out of range");
      }
      a.capacity = static_cast<unsigned>(value.get_int64());
    } else if (key == "skills" && value.is_array() && value.get_array().size() <= store::max_desk_skills) {
      a.skills.clear();
      for (const auto& s : value.get_array()) {
        if (!s.is_string()) co_return bad("skills are queue names");
        a.skills.push_back(str(s.get_string()));
      }
    } else {
      co_return bad("unknown or malformed member");
    }
  }
  if (!has_state) co_return bad("state is required");
  boost::json::object details;
  details["state"] = store::to_string(a.state);
  details["capacity"] = a.capacity;
  std::string serialized = boost::json::serialize(details);
  if (auto refused = co_await audited(d, who, "desk.availability_changed", "desk", std::move(serialized))) {
    co_return std::move(*refused);
  }
  auto put = co_await d.deps.queue->put_desk_agent(std::move(a));
  if (!put) co_return put.error() == store::errc::invalid_argument ? bad("bad skills") : detail::unavailable_response();
  d.live.note_session(who.tenant_id, who.session_ref, who.actor);  // where its assignments are told
  if (put->state == store::availability::available) co_await detail::assign_waiting(d, who.tenant_id);
  boost::json::object o;
  o["availability"] = store::to_string(put->state);
  o["capacity"] = put->capacity;
  o["load"] = put->load;
  co_return ok(std::move(o));
}

awaitable<net::response> take(service::impl& d, const net::request& req, const caller& who, bool over) {
  if (auto no = not_live(d)) co_return std::move(*no);
  const std::string id(req.param("id"));
  const auto* body = req.json().if_object();
  const auto version = body ? core::get_int(*body, "version") : std::nullopt;
  if (!version || *version < 1 || body->size() != 1) co_return bad("{\"version\": n} is required");
  auto current = co_await d.deps.queue->open_handoff(who.tenant_id, id);
  if (!current) co_return detail::unavailable_response();
  if (!*current) co_return net::error_response(net::errc::not_found, "no such handoff");
  if (over && (*current)->status != store::handoff_status::assigned) {
    co_return net::error_response(net::errc::conflict, "nobody owns it: take it instead");
  }
  // The caller becomes an agent on first use (available, the default capacity).
  auto me = co_await d.deps.queue->get_desk_agent(who.tenant_id, who.actor);
  if (!me) co_return detail::unavailable_response();
  if (!*me) {
    store::desk_agent a;
    a.tenant_id = who.tenant_id;
    a.actor_ref = who.actor;
    a.display_name = detail::display_name_of(who);
    a.state = store::availability::available;
    a.skills = {(*current)->queue};
    auto added = co_await d.deps.queue->put_desk_agent(std::move(a));
    if (!added) co_return detail::unavailable_response();
  }
  if (auto refused = co_await audited(d, who, over ? "desk.handoff_taken_over" : "desk.handoff_taken", id)) {
    co_return std::move(*refused);
  }
  std::optional<std::string> from;
  if (over) from = (*current)->owner_ref;
  auto taken = co_await d.deps.queue->take_handoff(who.tenant_id, id, static_cast<std::uint64_t>(*version), who.actor,
                                                   std::move(from));
  if (!taken) co_return detail::unavailable_response();
  switch (taken->outcome) {
    case store::take_outcome::taken:
      break;
    case store::take_outcome::lost:
      co_return net::error_response(net::errc::conflict, "TakenByAnother", "another consultant took it first");
    case store::take_outcome::at_capacity:
      co_return net::error_response(net::errc::conflict, "AtCapacity",
                                    "you already have your maximum of conversations");
    case store::take_outcome::not_available:
      co_return net::error_response(net::errc::conflict, "NotAvailable", "set yourself available first");
  }
  if (!over) {
    auto accepted = co_await detail::join(d, who.tenant_id, id, taken->handoff.owner_name);
    if (accepted.status != link_status::ok) {
      // The user left meanwhile, or the channel refused: the handoff is over.
      std::string no_note;
      (void)co_await d.deps.queue->close_handoff(who.tenant_id, id, std::move(no_note));
      detail::queue_changed(d, who.tenant_id, id, "closed");
      co_return link_failure(accepted.status);
    }
  } else {
    // A supervisor's take-over: the widget hears who took over, as after a transfer (the bot
    // hears nothing: the handoff goes on).
    std::string name = taken->handoff.owner_name;
    auto told = co_await d.deps.link->transfer(who.tenant_id, id, std::move(name));
    if (told.status == link_status::wrong_state || told.status == link_status::not_found) {
      std::string no_note;  // the user left meanwhile: the handoff is over
      (void)co_await d.deps.queue->close_handoff(who.tenant_id, id, std::move(no_note));
      d.live.unwatch_all(who.tenant_id, id);
      detail::queue_changed(d, who.tenant_id, id, "closed");
      co_return link_failure(told.status);
    }
    if (told.status != link_status::ok) co_return link_failure(told.status);  // taken; the widget not told
  }
  // Every desk of the consultant shows it: each tab of this session (one WebSocket each) and
  // their desks in other browsers, here and on other nodes, open it ("handoff.assigned").
  d.live.note_session(who.tenant_id, who.session_ref, who.actor);
  const auto assigned = detail::handoff_json(taken->handoff, nullptr, d.deps.clock.now());
  d.live.watch(who.tenant_id, id, who.session_ref, who.actor);
  detail::tell_actor(d, who.tenant_id, who.actor, id, "handoff.assigned", assigned);
  detail::queue_changed(d, who.tenant_id, id, "assigned");
  auto answer = ok(detail::handoff_json(taken->handoff, &who, d.deps.clock.now()));
  if (!over) co_await detail::tell_positions(d, who.tenant_id);  // the ones behind it moved up
  co_return answer;
}

awaitable<net::response> send(service::impl& d, const net::request& req, const caller& who, bool typing) {
  if (auto no = not_live(d)) co_return std::move(*no);
  const std::string id(req.param("id"));
  std::string text;
  if (!typing) {
    const auto* body = req.json().if_object();
    const auto t = body ? core::get_string(*body, "text") : std::nullopt;
    if (!t || body->size() != 1) co_return bad("{\"text\": \"...\"} is required");
    if (t->empty() || t->size() > max_text) co_return bad("text must be 1 to 4000 bytes");
    text = std::string(*t);
  }
  if (auto rate = d.send_limiter.take(who.tenant_id + "/" + who.actor); !rate.allowed) {
    co_return net::error_response(net::errc::too_many_requests, "slow down");
  }
  net::response refusal;
  auto h = co_await owned(d, who, id, refusal);
  if (!h) co_return refusal;
  if (!typing) {
    if (auto refused = co_await audited(d, who, "desk.message_sent", id)) co_return std::move(*refused);
  }
  const std::string name = h->owner_ref == who.actor ? h->owner_name : detail::display_name_of(who);
  auto sent = co_await d.deps.link->send(who.tenant_id, id, name, typing, std::move(text));
  if (sent.status != link_status::ok) co_return link_failure(sent.status);
  if (h->owner_ref == who.actor) (void)co_await d.deps.queue->mark_answered(who.tenant_id, id, who.actor);
  boost::json::object o;
  if (!typing) o["id"] = sent.activity_id;
  co_return ok(std::move(o));
}

awaitable<net::response> hand_back(service::impl& d, const net::request& req, const caller& who) {
  if (auto no = not_live(d)) co_return std::move(*no);
  const std::string id(req.param("id"));
  const auto* body = req.json().if_object();
  if (!body) co_return bad("a JSON object is required");
  std::string note, intent;
  for (const auto& [key, value] : *body) {
    if (key == "note" && value.is_string() && value.get_string().size() <= store::max_desk_text) {
      note = str(value.get_string());
    } else if (key == "intent" && value.is_string() && value.get_string().size() <= 64) {
      intent = str(value.get_string());
    } else {
      co_return bad("unknown or malformed member (note ≤ 2000 bytes, intent ≤ 64)");
    }
  }
  net::response refusal;
  auto h = co_await owned(d, who, id, refusal);
  if (!h) co_return refusal;
  boost::json::object details;
  if (!intent.empty()) details["intent"] = intent;
  std::string serialized = details.empty() ? std::string() : boost::json::serialize(details);
  if (auto refused = co_await audited(d, who, "desk.handed_back", id, std::move(serialized))) {
    co_return std::move(*refused);
  }
  std::string no_message;
  auto ended = co_await d.deps.link->end(who.tenant_id, id, true, std::move(no_message), intent);
  if (ended.status != link_status::ok && ended.status != link_status::wrong_state) co_return link_failure(ended.status);
  auto closed = co_await d.deps.queue->close_handoff(who.tenant_id, id, std::move(note));
  if (!closed) co_return detail::unavailable_response();
  d.live.unwatch_all(who.tenant_id, id);
  detail::queue_changed(d, who.tenant_id, id, "closed");
  co_await detail::assign_waiting(d, who.tenant_id);  // the consultant has room for the next one
  co_return ok({});
}

awaitable<net::response> transcript(service::impl& d, const net::request& req, const caller& who, bool monitor) {
  if (auto no = not_live(d)) co_return std::move(*no);
  const std::string id(req.param("id"));
  if (!monitor) {
    net::response refusal;
    auto h = co_await owned(d, who, id, refusal);
    if (!h) co_return refusal;
  }
  auto c = co_await d.deps.conversations.get_conversation(who.tenant_id, id);
  if (!c) {
    co_return c.error() == store::errc::not_found || c.error() == store::errc::erased
        ? net::error_response(net::errc::not_found, "no such conversation")
        : detail::unavailable_response();
  }
  if (auto refused = co_await audited(d, who, monitor ? "desk.monitor_started" : "desk.transcript_viewed", id)) {
    co_return std::move(*refused);
  }
  const std::uint64_t from = c->last_seq > transcript_limit ? c->last_seq - transcript_limit : 0;
  auto page = co_await d.deps.conversations.read_activities(who.tenant_id, id, from, transcript_limit);
  if (!page) co_return detail::unavailable_response();
  boost::json::array items;
  for (const auto& r : page->activities) {
    boost::json::object item;
    item["seq"] = r.seq;
    item["type"] = r.type;
    item["role"] = r.sender_role;
    if (r.corrupt) {
      item["integrity"] = "failed";  // the store's marker: the record did not authenticate
    } else {
      boost::system::error_code ec;
      auto v = boost::json::parse(r.body, ec);
      if (!ec) item["activity"] = std::move(v);
    }
    items.push_back(std::move(item));
  }
  d.live.watch(who.tenant_id, id, who.session_ref, who.actor);
  boost::json::object o;
  o["conversation"] = id;
  o["state"] = store::to_string(c->state);
  o["activities"] = std::move(items);
  co_return ok(std::move(o));
}

}  // namespace

void add_live_routes(net::router& r, const std::shared_ptr<service>& desk) {
  const desk::api api = desk->api();
  auto* dp = &desk->internals();
  const api_route_options json{.json_body = true};
  api.add(r, net::method::get, "/desk/api/handoffs",
          [dp](const net::request&, const caller& who) { return list(*dp, who); });
  api.add(
      r, net::method::put, "/desk/api/availability",
      [dp](const net::request& req, const caller& who) { return availability(*dp, req, who); }, json);
  api.add(
      r, net::method::post, "/desk/api/handoffs/{id}/take",
      [dp](const net::request& req, const caller& who) { return take(*dp, req, who, false); }, json);
  api.add(r, net::method::post, "/desk/api/handoffs/{id}/take-over",
          [dp](const net::request& req, const caller& who) { return take(*dp, req, who, true); },
          {.minimum = role::supervisor, .json_body = true});
  api.add(
      r, net::method::post, "/desk/api/handoffs/{id}/messages",
      [dp](const net::request& req, const caller& who) { return send(*dp, req, who, false); }, json);
  api.add(r, net::method::post, "/desk/api/handoffs/{id}/typing",
          [dp](const net::request& req, const caller& who) { return send(*dp, req, who, true); });
  api.add(
      r, net::method::post, "/desk/api/handoffs/{id}/hand-back",
      [dp](const net::request& req, const caller& who) { return hand_back(*dp, req, who); }, json);
  api.add(r, net::method::get, "/desk/api/handoffs/{id}/transcript",
          [dp](const net::request& req, const caller& who) { return transcript(*dp, req, who, false); });
  api.add(r, net::method::post, "/desk/api/conversations/{id}/monitor",
          [dp](const net::request& req, const caller& who) { return transcript(*dp, req, who, true); },
          {.minimum = role::supervisor});
  detail::add_transfer_routes(r, desk);
  detail::add_tool_routes(r, desk);
}

}  // namespace parley::desk
