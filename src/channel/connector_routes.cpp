// The Bot Connector API, bot → channel (bot-connector.md §2.1): replies and new activities, updates
// and deletions, members, attachments. Every call is authenticated (state::authenticate_bot): the
// bearer must name the bot that owns the conversation, or, for an anonymous bot, come from
// loopback. The channel overwrites `from` with the bot's account. A retried POST (botbuilder's
// HTTP pipeline retries 5xx, 429 and network errors with the same x-ms-client-request-id) is
// answered with the first result and appended once; a bot that sends no such header gets no
// de-duplication, because two identical bodies may well be two messages ("OK", "OK").
#include "handoff_protocol.hpp"
#include "routes.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace parley::channel {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using net::request;
using net::response;

response resource(std::string_view id) { return net::json_response(200, json::object{{"id", id}}); }

std::optional<std::string> idempotency_key(const request& req) {
  const auto id = req.headers.get("x-ms-client-request-id");
  if (!id || id->empty() || id->size() > 128) return std::nullopt;
  return "b:" + std::string(*id);
}

// POST /v3/conversations/{id}/activities[/{replyToId}].
awaitable<response> send_activity(const state_ptr& s, const request& req, bool reply) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  const auto& [bot, conv] = *auth;
  if (req.json().is_null()) co_return error_response(errc::bad_argument, "an activity is required");
  std::optional<std::string_view> reply_to;
  if (reply) reply_to = req.param("activityId");
  auto key = idempotency_key(req);
  auto id = co_await post_bot_activity(s, *bot, conv, req.json(), reply_to, std::move(key));
  if (!id) co_return error_response(id.error());
  co_return resource(*id);
}

// POST /v3/conversations/{id}/activities/history: a transcript, appended in order.
awaitable<response> send_history(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  const auto& [bot, conv] = *auth;
  const auto* body = req.json().if_object();
  const auto* list = body ? body->if_contains("activities") : nullptr;
  if (!list || !list->is_array() || list->get_array().size() > 1000) {
    co_return error_response(errc::bad_argument, "a Transcript {activities:[...]} is required");
  }
  const auto key = idempotency_key(req);
  std::string last;
  std::size_t index = 0;
  for (const auto& item : list->get_array()) {
    auto activity = normalize_bot_activity(item, s->context(*bot, conv.id, conv.user_id), std::nullopt);
    if (!activity) co_return error_response(activity.error());
    std::optional<std::string> k;
    if (key) k = *key + "#" + std::to_string(index++);
    const conversation_ref ref{conv.tenant_id, conv.id};
    activity_append a{std::move(*activity), "bot", k, {}, {}};
    auto appended = co_await s->conversations.append(ref, std::move(a));
    if (!appended) co_return error_response(appended.error());
    last = appended->id;
  }
  co_return resource(last);
}

// PUT /v3/conversations/{id}/activities/{activityId}: a new version with the same id (Web Chat
// replaces an activity by id), delivered to readers like any activity.
awaitable<response> update_activity(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  const auto& [bot, conv] = *auth;
  const conversation_ref ref{conv.tenant_id, conv.id};
  const auto activity_id = req.param("activityId");
  auto existing = co_await s->conversations.find(ref, activity_id);
  if (!existing) co_return error_response(existing.error());
  if (existing->sender_role != "bot") co_return error_response(errc::bad_credentials, "a bot may only update its own activities");
  if (req.json().is_null()) co_return error_response(errc::bad_argument, "an activity is required");
  auto activity = normalize_bot_activity(req.json(), s->context(*bot, conv.id, conv.user_id), std::nullopt);
  if (!activity) co_return error_response(activity.error());
  activity_append a{std::move(*activity), "bot", idempotency_key(req), std::string(activity_id), existing->activity_id};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended) co_return error_response(appended.error());
  co_return resource(activity_id);
}

// DELETE /v3/conversations/{id}/activities/{activityId}: a messageDelete version with the same id
// (Web Chat replaces the message by it and renders nothing).
awaitable<response> delete_activity(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  const auto& [bot, conv] = *auth;
  const conversation_ref ref{conv.tenant_id, conv.id};
  const auto activity_id = req.param("activityId");
  auto existing = co_await s->conversations.find(ref, activity_id);
  if (!existing) co_return error_response(existing.error());
  if (existing->sender_role != "bot") co_return error_response(errc::bad_credentials, "a bot may only delete its own activities");
  auto tombstone = normalize_bot_activity(json::object{{"type", "messageDelete"}}, s->context(*bot, conv.id, conv.user_id),
                                          std::nullopt);
  activity_append a{std::move(*tombstone), "bot", idempotency_key(req), std::string(activity_id), existing->activity_id};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended) co_return error_response(appended.error());
  co_return net::empty_response(200);
}

json::array members(const bot_options& bot, const store::conversation& conv) {
  return json::array{to_json(account{conv.user_id, {}, "user"}), to_json(bot_registry::bot_account(bot))};
}

awaitable<response> get_members(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  co_return net::json_response(200, members(*auth->first, auth->second));
}

awaitable<response> get_member(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  for (auto& m : members(*auth->first, auth->second)) {
    if (m.at("id").as_string() == req.param("memberId")) co_return net::json_response(200, m);
  }
  co_return error_response(errc::not_found);
}

awaitable<response> get_activity_members(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  const conversation_ref ref{auth->second.tenant_id, auth->second.id};
  auto existing = co_await s->conversations.find(ref, req.param("activityId"));
  if (!existing) co_return error_response(existing.error());
  co_return net::json_response(200, members(*auth->first, auth->second));
}

// POST /v3/conversations/{id}/attachments: AttachmentData {type, name, originalBase64}.
awaitable<response> upload_attachment(const state_ptr& s, const request& req) {
  auto auth = co_await s->authenticate_bot(req, req.param("id"));
  if (!auth) co_return error_response(auth.error());
  const auto& conv = auth->second;
  const auto* body = req.json().if_object();
  if (!body) co_return error_response(errc::bad_argument, "AttachmentData is required");
  const auto type = core::get_string(*body, "type");
  const auto name = core::get_string(*body, "name").value_or("file");
  const auto data = core::get_string(*body, "originalBase64");
  if (!type || !data) co_return error_response(errc::bad_argument, "type and originalBase64 are required");
  auto bytes = core::base64_decode(*data);
  if (!bytes) co_return error_response(errc::bad_syntax, "originalBase64 is not base64");
  if (bytes->size() > s->opts.max_upload_bytes) co_return error_response(errc::too_large);
  std::string content_type(type->substr(0, type->find(';')));
  for (auto& c : content_type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  store::attachment file{content_type, std::string(name.substr(0, 200)), std::string(bytes->begin(), bytes->end())};
  auto stored = co_await s->deps.store.put_attachment(conv.tenant_id, conv.id, std::move(file));
  if (!stored) co_return error_response(from_store(stored.error()));
  // The id names the conversation too, so that /v3/attachments/{id} can find the file.
  co_return resource(conv.id + "~" + *stored);
}

// GET /v3/attachments/{attachmentId}[/views/{viewId}]: the bot reads back a file of one of its
// conversations (uploaded by itself or by the user).
awaitable<response> get_attachment(const state_ptr& s, const request& req) {
  const auto id = req.param("attachmentId");
  const auto tilde = id.find('~');
  if (tilde == std::string_view::npos) co_return error_response(errc::not_found);
  auto auth = co_await s->authenticate_bot(req, id.substr(0, tilde));
  if (!auth) co_return error_response(auth.error());
  const auto& conv = auth->second;
  std::string attachment_id(id.substr(tilde + 1));
  auto file = co_await s->deps.store.get_attachment(conv.tenant_id, conv.id, std::move(attachment_id));
  if (!file) co_return error_response(from_store(file.error()));
  co_return attachment_response(std::move(*file));
}

awaitable<response> not_offered(const request&) {
  // Bots cannot start conversations here: a Direct Line client only ever joins the conversation
  // it started, so a proactively created one would have no reader.
  co_return error_response(errc::not_offered,
                           "this channel does not let bots create or list conversations; reply in the user's conversation");
}

}  // namespace

awaitable<result<std::string>> post_bot_activity(const state_ptr& s, const bot_options& bot,
                                                 const store::conversation& conv, const json::value& body,
                                                 std::optional<std::string_view> reply_to,
                                                 std::optional<std::string> idempotency) {
  auto activity = normalize_bot_activity(body, s->context(bot, conv.id, conv.user_id), reply_to);
  if (!activity) co_return activity.error();
  if (is_handoff_initiate(*activity)) {
    co_return co_await post_bot_handoff(s, bot, conv, std::move(*activity), std::move(idempotency));
  }
  const conversation_ref ref{conv.tenant_id, conv.id};
  // The credential guard's flags (expectsSecret, awaitsCode) count from now, before the append:
  // a user's message racing this one is guarded already.
  s->note_bot_activity(ref, *activity);
  activity_append a{std::move(*activity), "bot", std::move(idempotency), {}, {}};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended) co_return appended.error();
  if (appended->type == "endOfConversation" && !appended->duplicate) {
    // The bot ended the conversation: the client's tokens end with it, after the activity is on
    // its stream (the close frame follows the queued frames).
    (void)co_await s->end_conversation(ref, session_end_reason::ended, /*tell_bot=*/false);
  }
  co_return std::move(appended->id);
}

void add_connector_routes(net::router& r, const state_ptr& s) {
  net::route_options json_opts;
  json_opts.json_body = true;
  json_opts.max_body_bytes = s->opts.max_activity_bytes;
  json_opts.max_json_depth = connector_json_depth;
  net::route_options history_opts = json_opts;
  history_opts.max_body_bytes = 4 * 1024 * 1024;
  net::route_options attachment_opts = json_opts;
  attachment_opts.max_body_bytes = s->opts.max_upload_bytes * 4 / 3 + 4096;  // base64
  net::route_options plain;

  const std::string c = "/v3/conversations/{id}";
  r.post("/v3/conversations", not_offered, json_opts);
  r.get("/v3/conversations", not_offered, plain);
  r.post(c + "/activities", [s](const request& q) { return send_activity(s, q, false); }, json_opts);
  r.post(c + "/activities/history", [s](const request& q) { return send_history(s, q); }, history_opts);
  r.post(c + "/activities/{activityId}", [s](const request& q) { return send_activity(s, q, true); }, json_opts);
  r.put(c + "/activities/{activityId}", [s](const request& q) { return update_activity(s, q); }, json_opts);
  r.del(c + "/activities/{activityId}", [s](const request& q) { return delete_activity(s, q); }, plain);
  r.get(c + "/activities/{activityId}/members", [s](const request& q) { return get_activity_members(s, q); }, plain);
  r.get(c + "/members", [s](const request& q) { return get_members(s, q); }, plain);
  r.get(c + "/members/{memberId}", [s](const request& q) { return get_member(s, q); }, plain);
  r.post(c + "/attachments", [s](const request& q) { return upload_attachment(s, q); }, attachment_opts);
  r.get("/v3/attachments/{attachmentId}", [s](const request& q) { return get_attachment(s, q); }, plain);
  r.get("/v3/attachments/{attachmentId}/views/{viewId}", [s](const request& q) { return get_attachment(s, q); }, plain);
}

}  // namespace parley::channel
