// The consultants' tools (issue 19, 4), every route through desk::api:
//   GET /desk/api/canned                          the tenant's canned responses ([[desk.tenants.canned]])
//   GET /desk/api/search?q=&from=&to=             conversations by id or user pseudonym (`q`, exact)
//                                                 and/or last activity in [from, to] (unix seconds);
//                                                 the newest search_scan conversations are searched
//   POST /desk/api/handoffs/{id}/notes            {text}: a private note on the conversation (its
//                                                 owner or a supervisor; audited desk.note_added):
//                                                 stored sealed in the conversation's record under
//                                                 the record type "handoff", which the channel never
//                                                 delivers to a client or a bot; shown in the desk's
//                                                 transcript and export
//   GET /desk/api/conversations/{id}/export       one transcript as a JSON download, audited
//                                                 (desk.transcript_exported) before it is read; a
//                                                 consultant only the conversation they own now,
//                                                 a supervisor any of the tenant's
// The export is the store's record: what the credential guard masked stays masked, a record
// that failed its integrity check is marked, never shown as garbage.
#include "api_guard.hpp"
#include "live_steps.hpp"

#include <parley/core/clock.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <charconv>

namespace parley::desk {

using boost::asio::awaitable;

namespace {

constexpr std::size_t search_scan = 1000;  ///< conversations read per search (newest activity first)
constexpr std::size_t search_results = 50;
constexpr std::size_t export_limit = 10000;  ///< activities in one export
constexpr std::size_t export_page = 500;

net::response bad(std::string_view m) {
  return net::error_response(net::errc::bad_request, m);
}

awaitable<net::response> canned(service::impl& d, const caller& who) {
  boost::json::array items;
  if (const auto* p = d.find_idp(who.tenant_id)) {
    for (const auto& c : p->tenant().canned) items.push_back(boost::json::object{{"title", c.title}, {"text", c.text}});
  }
  co_return net::json_response(200, boost::json::object{{"canned", std::move(items)}});
}

std::optional<std::int64_t> unix_seconds_of(std::string_view v) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < 0 || n > 253402300799) return std::nullopt;
  return n;
}

awaitable<net::response> search(service::impl& d, const net::request& req, const caller& who) {
  std::string q;
  if (auto v = req.query.get("q")) {
    if (v->size() > 128) co_return bad("q is at most 128 bytes");
    q = std::string(*v);
  }
  std::optional<std::int64_t> from, to;
  if (auto v = req.query.get("from")) {
    if (!(from = unix_seconds_of(*v))) co_return bad("from must be unix seconds");
  }
  if (auto v = req.query.get("to")) {
    if (!(to = unix_seconds_of(*v))) co_return bad("to must be unix seconds");
  }
  if (q.empty() && !from && !to) co_return bad("q, from or to is required");
  if (from && to && *from > *to) co_return bad("from is after to");
  boost::json::array items;
  std::optional<std::string> cursor;
  bool complete = true;
  for (std::size_t seen = 0; items.size() < search_results;) {
    if (seen >= search_scan) {
      complete = false;
      break;
    }
    store::conversation_filter f;
    f.limit = 50;
    f.cursor = cursor;
    auto page = co_await d.deps.conversations.list_conversations(who.tenant_id, std::move(f));
    if (!page) co_return detail::unavailable_response();
    for (const auto& c : page->conversations) {
      const auto at = core::unix_seconds(c.last_activity);
      if (!q.empty() && c.id != q && c.user_id != q) continue;
      if ((from && at < *from) || (to && at > *to)) continue;
      if (items.size() < search_results) {
        items.push_back(boost::json::object{{"id", c.id},
                                            {"user", c.user_id},
                                            {"state", store::to_string(c.state)},
                                            {"last_activity", at},
                                            {"activities", c.last_seq}});
      }
    }
    seen += page->conversations.size();
    if (!page->next_cursor || page->conversations.empty()) break;
    cursor = std::move(page->next_cursor);
  }
  boost::json::object o;
  o["conversations"] = std::move(items);
  o["complete"] = complete;  // false: only the newest search_scan conversations were searched
  co_return net::json_response(200, o);
}

awaitable<net::response> add_note(service::impl& d, const net::request& req, const caller& who) {
  if (!d.deps.queue) co_return net::error_response(net::errc::service_unavailable, "no live desk here");
  const std::string id(req.param("id"));
  const auto* body = req.json().if_object();
  const auto* text = body ? body->if_contains("text") : nullptr;
  if (!text || !text->is_string() || body->size() != 1) co_return bad("{\"text\": \"...\"} is required");
  if (text->get_string().empty() || text->get_string().size() > store::max_desk_text) {
    co_return bad("text must be 1 to 2000 bytes");
  }
  net::response refusal;
  auto h = co_await detail::owned(d, who, id, refusal);
  if (!h) co_return refusal;
  if (auto refused = co_await detail::audited(d, who, "desk.note_added", id)) co_return std::move(*refused);
  std::array<std::uint8_t, 12> raw{};
  d.deps.random.fill(raw);
  std::string note_id = "note-";
  for (const auto b : raw) {
    constexpr char hex[] = "0123456789abcdef";
    note_id += hex[b >> 4];
    note_id += hex[b & 15];
  }
  const auto now = d.deps.clock.now();
  boost::json::object note{{"type", "event"},
                           {"name", "parley.note"},
                           {"id", note_id},
                           {"text", text->get_string()},
                           {"from", boost::json::object{{"id", "consultant"}, {"name", detail::display_name_of(who)}}},
                           {"timestamp", core::unix_seconds(now)}};
  // The record type "handoff": never delivered to clients or bots (channel::delivered_to_clients).
  store::new_activity a{note_id, now, "handoff", "consultant", boost::json::serialize(note), std::nullopt};
  boost::json::object event{{"conversation", id}, {"type", "handoff"}, {"activity", std::move(note)}};
  auto appended = co_await d.deps.conversations.append_activity(who.tenant_id, id, std::move(a));
  if (!appended) {
    co_return appended.error() == store::errc::not_found
        ? net::error_response(net::errc::not_found, "no such conversation")
        : detail::unavailable_response();
  }
  // Every desk watching the conversation (its owner's, a supervisor's; here and on other nodes)
  // shows it at once, as it shows the conversation's messages.
  event["seq"] = appended->seq;
  detail::tell_watchers(d, who.tenant_id, id, "conversation.activity", event);
  co_return net::json_response(200, boost::json::object{{"id", note_id}, {"seq", appended->seq}});
}

awaitable<net::response> export_transcript(service::impl& d, const net::request& req, const caller& who) {
  const std::string id(req.param("id"));
  if (who.role < role::supervisor) {
    if (!d.deps.queue) co_return net::error_response(net::errc::forbidden, "supervisors only");
    net::response refusal;
    auto h = co_await detail::owned(d, who, id, refusal);
    if (!h) co_return refusal;
  }
  auto c = co_await d.deps.conversations.get_conversation(who.tenant_id, id);
  if (!c) {
    co_return c.error() == store::errc::not_found || c.error() == store::errc::erased
        ? net::error_response(net::errc::not_found, "no such conversation")
        : detail::unavailable_response();
  }
  if (auto refused = co_await detail::audited(d, who, "desk.transcript_exported", id)) co_return std::move(*refused);
  boost::json::array items;
  std::uint64_t after = 0;
  while (items.size() < export_limit) {
    auto page = co_await d.deps.conversations.read_activities(who.tenant_id, id, after, export_page);
    if (!page) co_return detail::unavailable_response();
    for (const auto& r : page->activities) {
      boost::json::object item;
      item["seq"] = r.seq;
      if (r.corrupt) {
        item["integrity"] = "failed";
      } else {
        item["time"] = core::unix_seconds(r.timestamp);
        item["type"] = r.type;
        item["role"] = r.sender_role;
        boost::system::error_code ec;
        auto v = boost::json::parse(r.body, ec);
        if (!ec) item["activity"] = std::move(v);
      }
      items.push_back(std::move(item));
    }
    if (page->activities.empty() || page->last_seq <= after) break;
    after = page->last_seq;
  }
  boost::json::object o;
  o["conversation"] = id;
  o["user"] = c->user_id;
  o["state"] = store::to_string(c->state);
  o["exported_at"] = core::unix_seconds(d.deps.clock.now());
  o["complete"] = items.size() < export_limit;
  o["activities"] = std::move(items);
  auto r = net::json_response(200, o);
  // A download the browser saves (the id is [A-Za-z0-9_-], the store's rule for ids).
  r.headers.set("Content-Disposition", "attachment; filename=\"transcript-" + id + ".json\"");
  co_return r;
}

}  // namespace

namespace detail {

void add_tool_routes(net::router& r, const std::shared_ptr<service>& desk) {
  const desk::api api = desk->api();
  auto* dp = &desk->internals();
  api.add(r, net::method::get, "/desk/api/canned",
          [dp](const net::request&, const caller& who) { return canned(*dp, who); });
  api.add(r, net::method::get, "/desk/api/search",
          [dp](const net::request& req, const caller& who) { return search(*dp, req, who); });
  api.add(r, net::method::post, "/desk/api/handoffs/{id}/notes",
          [dp](const net::request& req, const caller& who) { return add_note(*dp, req, who); }, {.json_body = true});
  api.add(r, net::method::get, "/desk/api/conversations/{id}/export",
          [dp](const net::request& req, const caller& who) { return export_transcript(*dp, req, who); });
}

}  // namespace detail
}  // namespace parley::desk
