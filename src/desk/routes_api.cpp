// The desk's JSON API (every route through desk::api, so behind the guard) and its events
// WebSocket. Each handler acts only within caller.tenant_id.
#include "api_guard.hpp"
#include "secrets.hpp"
#include "service_impl.hpp"

#include <parley/core/clock.hpp>
#include <parley/core/json.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/desk/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <map>

namespace parley::desk {

using boost::asio::awaitable;
using std::chrono::system_clock;

namespace {

constexpr auto live_window = std::chrono::minutes{30};
constexpr std::size_t page_size = 50;

std::int64_t seconds_left(system_clock::time_point deadline, system_clock::time_point now) {
  return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(deadline - now).count());
}

std::string iso(system_clock::time_point t) {
  const auto s = core::unix_seconds(t);
  const std::time_t tt = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

boost::json::object session_json(const service::impl& d, const detail::active_session& s) {
  const auto now = d.deps.clock.now();
  const auto* provider = d.find_idp(s.caller.tenant_id);
  boost::json::object o;
  o["signed_in"] = true;
  o["tenant"] = s.caller.tenant_id;
  o["tenant_name"] = provider ? provider->tenant().name : s.caller.tenant_id;
  o["role"] = to_string(s.caller.role);
  o["name"] = s.caller.name;
  o["actor"] = s.caller.actor;
  o["idle_remaining_s"] = seconds_left(s.idle_deadline, now);
  o["absolute_remaining_s"] = seconds_left(s.absolute_deadline, now);
  o["idle_warning_s"] = d.opts.idle_warning.count();
  return o;
}

boost::json::object conversation_json(const store::conversation& c) {
  boost::json::object o;
  o["id"] = c.id;
  o["bot"] = c.bot_id;
  o["state"] = store::to_string(c.state);
  o["created"] = iso(c.created);
  o["last_activity"] = iso(c.last_activity);
  o["activities"] = c.last_seq;
  return o;
}

net::response ok(boost::json::object o) {
  return net::json_response(200, o);
}

awaitable<net::response> list(service::impl& d, const net::request& req, const caller& who, bool live) {
  store::conversation_filter f;
  f.limit = page_size;
  if (live) f.active_since = d.deps.clock.now() - live_window;
  if (auto state = req.query.get("state")) {
    f.state = store::conversation_state_from_string(*state);
    if (!f.state) co_return net::error_response(net::errc::bad_request, "unknown state");
  }
  if (auto cursor = req.query.get("cursor")) {
    if (cursor->empty() || cursor->size() > 512) co_return net::error_response(net::errc::bad_request, "bad cursor");
    f.cursor = std::string(*cursor);
  }
  auto page = co_await d.deps.conversations.list_conversations(who.tenant_id, std::move(f));
  if (!page) {
    if (page.error() == store::errc::invalid_argument)
      co_return net::error_response(net::errc::bad_request, "bad cursor");
    co_return detail::unavailable_response();
  }
  // Where each conversation stands in the live desk's queue (the store's state says "with bot"
  // until the channel moves it; the queue knows a handoff at once, and its wait).
  std::map<std::string, const store::queued_handoff*> open;
  result<std::vector<store::queued_handoff>> queue = std::vector<store::queued_handoff>{};
  if (d.deps.queue) queue = co_await d.deps.queue->list_queue(who.tenant_id, store::max_desk_queue_length);
  if (queue) {
    for (const auto& h : *queue) open[h.conversation_id] = &h;
  }
  const auto now = d.deps.clock.now();
  boost::json::array items;
  for (const auto& c : page->conversations) {
    if (live && c.state == store::conversation_state::ended) continue;
    auto o = conversation_json(c);
    if (auto it = open.find(c.id); it != open.end()) {
      const auto& h = *it->second;
      boost::json::object handoff;
      handoff["status"] = store::to_string(h.status);
      handoff["queue"] = h.queue;
      handoff["waiting_s"] =
          std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(now - h.requested).count());
      if (h.status == store::handoff_status::assigned) handoff["owner_name"] = h.owner_name;
      o["handoff"] = std::move(handoff);
    }
    items.push_back(std::move(o));
  }
  boost::json::object o;
  o["conversations"] = std::move(items);
  if (page->next_cursor) o["next_cursor"] = *page->next_cursor;
  co_return ok(std::move(o));
}

// A conversation's metadata. The view is audited before the consultant sees anything; an id of
// another tenant is simply not found in the caller's tenant.
awaitable<net::response> view(service::impl& d, const net::request& req, const caller& who) {
  const std::string id(req.param("id"));
  auto c = co_await d.deps.conversations.get_conversation(who.tenant_id, id);
  if (!c) {
    if (c.error() == store::errc::not_found || c.error() == store::errc::erased) {
      co_return net::error_response(net::errc::not_found, "no such conversation");
    }
    co_return detail::unavailable_response();
  }
  auto entry = detail::entry_for(who, "desk.conversation_viewed", id);
  if (auto logged = co_await d.sessions->record(std::move(entry)); !logged) {
    co_return detail::unavailable_response();
  }
  co_return ok(conversation_json(*c));
}

boost::json::object settings_json(const detail::tenant_settings& s) {
  boost::json::object o;
  o["version"] = s.version;
  o["idle_timeout_minutes"] = std::chrono::duration_cast<std::chrono::minutes>(s.idle_timeout).count();
  o["absolute_timeout_hours"] = std::chrono::duration_cast<std::chrono::hours>(s.absolute_timeout).count();
  return o;
}

// PUT {"version": n, "idle_timeout_minutes"?: m, "absolute_timeout_hours"?: h}; strict.
awaitable<net::response> change_settings(service::impl& d, const net::request& req, const caller& who) {
  const auto* body = req.json().if_object();
  if (!body) co_return net::error_response(net::errc::bad_request, "a JSON object is required");
  const auto max_idle = std::chrono::duration_cast<std::chrono::minutes>(d.opts.idle_timeout).count();
  const auto max_absolute = std::chrono::duration_cast<std::chrono::hours>(d.opts.absolute_timeout).count();
  boost::json::object next;
  boost::json::array fields;
  std::optional<std::uint64_t> expected;
  for (const auto& [key, value] : *body) {
    if (key == "version") {
      if (!value.is_int64() || value.get_int64() < 0)
        co_return net::error_response(net::errc::bad_request, "bad version");
      if (value.get_int64() > 0) expected = static_cast<std::uint64_t>(value.get_int64());
    } else if (key == "idle_timeout_minutes" || key == "absolute_timeout_hours") {
      const auto max = key == "idle_timeout_minutes" ? max_idle : std::max<std::int64_t>(1, max_absolute);
      if (!value.is_int64() || value.get_int64() < 1 || value.get_int64() > max) {
        co_return net::error_response(net::errc::bad_request,
                                      std::string(key) + " must be from 1 to " + std::to_string(max));
      }
      next[key] = value.get_int64();
      fields.push_back(boost::json::string(key));
    } else {
      co_return net::error_response(net::errc::bad_request, "unknown setting");
    }
  }
  auto current = co_await d.deps.sessions.get_desk_settings(who.tenant_id);
  if (!current) co_return detail::unavailable_response();
  if ((*current ? std::optional<std::uint64_t>((*current)->version) : std::nullopt) != expected) {
    co_return net::error_response(net::errc::conflict, "the settings changed meanwhile; reload them");
  }
  // Keep the settings not named in this change.
  if (*current) {
    if (auto old = core::parse_json_object((*current)->data)) {
      for (const auto& [k, v] : *old) {
        if (!next.contains(k)) next[k] = v;
      }
    }
  }
  boost::json::object details;
  details["fields"] = std::move(fields);
  details["from_version"] = expected.value_or(0);
  auto entry = detail::entry_for(who, "desk.settings_changed", "desk", boost::json::serialize(details));
  if (auto logged = co_await d.sessions->record(std::move(entry)); !logged) {
    co_return detail::unavailable_response();
  }
  std::string data = boost::json::serialize(next);  // a named argument: GCC 12, PR 99576
  auto version = co_await d.deps.sessions.put_desk_settings(who.tenant_id, std::move(data), expected);
  d.sessions->forget_settings(who.tenant_id);
  if (!version) {
    if (version.error() == store::errc::etag_mismatch) {
      co_return net::error_response(net::errc::conflict, "the settings changed meanwhile; reload them");
    }
    co_return detail::unavailable_response();
  }
  auto now = co_await d.sessions->settings(who.tenant_id);
  if (!now) co_return detail::unavailable_response();
  co_return ok(settings_json(*now));
}

awaitable<net::response> sign_out(service::impl& d, const caller& who) {
  auto done = co_await d.sessions->sign_out(who);
  if (!done) co_return detail::failure_response(done.error());
  boost::json::object o;
  std::string logout_url;
  std::string state;
  if (auto* provider = d.find_idp(who.tenant_id)) {
    if (auto meta = co_await provider->metadata()) {
      state = detail::random_token(d.deps.random);
      logout_url = provider->end_session_url(*meta, done->id_token, state);
    }
  }
  o["redirect"] = logout_url.empty() ? std::string("/desk/?signed_out=1") : logout_url;
  crypto::secure_wipe(logout_url);
  auto r = ok(std::move(o));
  r.headers.add("Set-Cookie",
                service::impl::cookie(detail::session_cookie, "", net::same_site::strict, std::chrono::seconds{0}));
  if (!state.empty()) {
    r.headers.add("Set-Cookie", service::impl::cookie(detail::logout_cookie, std::move(state), net::same_site::lax,
                                                      std::chrono::seconds{600}));
  }
  co_return r;
}

// /desk/api/events: the session's events (events.hpp). The upgrade cannot carry the CSRF header,
// so its Origin must be present and allowed (WebSockets are not covered by CORS).
awaitable<net::websocket_upgrade> events(std::shared_ptr<service> desk, const net::request& req) {
  auto& d = desk->internals();
  if (auto bad = detail::check_request_origin(d, req, true)) co_return net::websocket_upgrade::reject(std::move(*bad));
  auto session = co_await detail::authenticate(d, req, false);
  if (!session) co_return net::websocket_upgrade::reject(detail::failure_response(session.error()));
  auto hello = session_json(d, *session);
  const std::string tenant = session->caller.tenant_id;
  const std::string ref = session->caller.session_ref;
  std::weak_ptr<service> weak = desk;
  net::websocket_hooks hooks;
  hooks.on_open = [weak, tenant, ref, hello](net::websocket ws) {
    auto self = weak.lock();
    if (!self) return;
    self->internals().hub.add(tenant, ref, ws);
    self->internals().hub.send(ws, "hello", hello);
  };
  hooks.on_message = [weak](net::websocket ws, std::string text) -> awaitable<void> {
    auto self = weak.lock();
    if (!self) co_return;
    auto msg = core::parse_json_object(text, {.max_bytes = 16 * 1024, .max_depth = 8});
    const auto type = msg ? core::get_string(*msg, "type") : std::nullopt;
    if (type && *type == "ping") {
      self->internals().hub.send(ws, "pong", {});
    } else {
      self->internals().hub.send(ws, "error", {{"message", "unknown message type"}});
    }
  };
  hooks.on_close = [weak](net::websocket ws, const net::websocket_close&) {
    if (auto self = weak.lock()) self->internals().hub.remove(ws);
  };
  co_return net::websocket_upgrade::accept(std::move(hooks));
}

}  // namespace

void add_api_routes(net::router& r, const std::shared_ptr<service>& desk) {
  const desk::api api = desk->api();
  auto& d = desk->internals();
  auto* dp = &d;
  // The session check the app polls: not an activity, or the idle timeout would never fire.
  api.add(r, net::method::get, "/desk/api/session",
          [dp](const net::request&, const caller& who) -> awaitable<net::response> {
            auto s = co_await dp->sessions->check(who.tenant_id, who.session_ref);
            if (!s) co_return detail::failure_response(s.error());
            co_return ok(session_json(*dp, *s));
          },
          {.activity = false});
  // "Stay signed in" (WCAG 2.2.1): an explicit activity.
  api.add(r, net::method::post, "/desk/api/session/extend",
          [dp](const net::request&, const caller& who) -> awaitable<net::response> {
            auto s = co_await dp->sessions->check(who.tenant_id, who.session_ref);
            if (!s) co_return detail::failure_response(s.error());
            co_return ok(session_json(*dp, *s));
          });
  api.add(r, net::method::post, "/desk/api/logout",
          [dp](const net::request&, const caller& who) { return sign_out(*dp, who); }, {.activity = false});
  api.add(r, net::method::get, "/desk/api/me",
          [dp](const net::request&, const caller& who) -> awaitable<net::response> {
            boost::json::object o;
            o["tenant"] = who.tenant_id;
            const auto* provider = dp->find_idp(who.tenant_id);
            o["tenant_name"] = provider ? provider->tenant().name : who.tenant_id;
            o["role"] = to_string(who.role);
            o["name"] = who.name;
            o["actor"] = who.actor;
            co_return ok(std::move(o));
          });
  api.add(r, net::method::get, "/desk/api/conversations",
          [dp](const net::request& req, const caller& who) { return list(*dp, req, who, false); });
  api.add(r, net::method::get, "/desk/api/conversations/{id}",
          [dp](const net::request& req, const caller& who) { return view(*dp, req, who); });
  api.add(r, net::method::get, "/desk/api/live",
          [dp](const net::request& req, const caller& who) { return list(*dp, req, who, true); },
          {.minimum = role::supervisor});
  api.add(r, net::method::get, "/desk/api/settings",
          [dp](const net::request&, const caller& who) -> awaitable<net::response> {
            auto s = co_await dp->sessions->settings(who.tenant_id);
            if (!s) co_return detail::unavailable_response();
            co_return ok(settings_json(*s));
          },
          {.minimum = role::admin});
  api.add(r, net::method::put, "/desk/api/settings",
          [dp](const net::request& req, const caller& who) { return change_settings(*dp, req, who); },
          {.minimum = role::admin, .max_body_bytes = 4 * 1024, .json_body = true});
  net::websocket_options ws;
  ws.max_message_bytes = 16 * 1024;
  ws.max_queued_messages = 256;
  r.websocket(
      "/desk/api/events", [desk](const net::request& req) { return events(desk, req); }, ws);
}

}  // namespace parley::desk
