// Direct Line 3.0 REST routes (reference: directline-3.0.md §1-§3, §5 and the checklist §11).
//
// Rate limits delay a request over the rate instead of refusing it (state::throttle: callers wait
// their turn, spaced at the sustained rate, within max_throttle_delay), because directlinejs gives
// up for good on some 429s (POST conversations, the polling GET, reconnect); once that delay budget
// is spent the request is refused with 429 there too (issue 14: an attacker must not park an
// unbounded number of waiting requests). A conversation's bucket is charged only once the caller
// is authorised for that conversation, so that nobody can spend another's.
#include "activity_guard.hpp"
#include "routes.hpp"
#include "url_util.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/guard/credential_guard.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/net/cookies.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace parley::channel {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using net::request;
using net::response;

constexpr std::size_t max_token_request_bytes = 16 * 1024;
constexpr std::size_t max_poll_activities = 100;
constexpr std::size_t max_poll_bytes = 1024 * 1024;
constexpr std::size_t max_trusted_origins = 16;

// A member in camelCase or PascalCase (callers of tokens/generate send both).
const json::value* member(const json::object& o, std::string_view camel) {
  if (const auto* v = o.if_contains(camel)) return v;
  std::string pascal(camel);
  pascal[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(pascal[0])));
  return o.if_contains(pascal);
}

struct token_parameters {
  std::optional<std::string> user_id;
  std::string user_name;
  std::vector<std::string> trusted_origins;
  std::string jkt;  ///< dpopJkt: the key the client proved to the secret holder (RFC 9449 §10)
};

result<token_parameters> parse_token_parameters(const json::value& body) {
  token_parameters p;
  if (body.is_null()) return p;
  if (!body.is_object()) return make_error_code(errc::bad_argument);
  const auto& o = body.get_object();
  if (const auto* user = member(o, "user"); user && !user->is_null()) {
    if (!user->is_object()) return make_error_code(errc::bad_argument);
    if (const auto* id = member(user->get_object(), "id"); id && !id->is_null()) {
      if (!id->is_string() || !valid_user_id(id->get_string())) return make_error_code(errc::bad_argument);
      p.user_id = std::string(id->get_string());
    }
    if (const auto* name = member(user->get_object(), "name");
        name && name->is_string() && name->get_string().size() <= 128) {
      p.user_name = std::string(name->get_string());
    }
  }
  if (const auto* jkt = member(o, "dpopJkt"); jkt && !jkt->is_null()) {
    if (!jkt->is_string() || !jose::valid_jkt(jkt->get_string())) return make_error_code(errc::bad_argument);
    p.jkt = std::string(jkt->get_string());
  }
  if (const auto* origins = member(o, "trustedOrigins"); origins && !origins->is_null()) {
    if (!origins->is_array() || origins->get_array().size() > max_trusted_origins)
      return make_error_code(errc::bad_argument);
    for (const auto& v : origins->get_array()) {
      if (!v.is_string() || !valid_origin(v.get_string())) return make_error_code(errc::bad_argument);
      p.trusted_origins.emplace_back(v.get_string());
    }
  }
  return p;
}

response token_answer(int status, const conversation_grant& g, const issued_token& t) {
  return net::json_response(
      status,
      json::object{{"conversationId", g.conversation_id}, {"token", t.token}, {"expires_in", t.expires_in.count()}});
}

// POST /tokens/generate (secret): a token for a new conversation, bound to a user, in a new
// session; bound to a key too when the secret holder (the bot web service) says which key the
// client proved (`dpopJkt`).
awaitable<response> generate(const state_ptr& s, const request& req) {
  if (!co_await s->throttle(s->per_client, req.limit_key())) co_return error_response(errc::rate_limited);
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  if (!who->with_secret) co_return error_response(errc::bad_credentials, "tokens/generate needs the channel secret");
  auto params = parse_token_parameters(req.json());
  if (!params) co_return error_response(params.error(), "invalid TokenParameters");
  conversation_grant g;
  if (params->user_id) {
    // Only ids the channel binds carry the dl_ prefix: Web Chat and directlinejs refuse to let a
    // page choose one, so a dl_ id in a token proves the binding.
    if (!params->user_id->starts_with("dl_"))
      co_return error_response(errc::bad_argument, "user.id must start with dl_");
    g.user_id = *params->user_id;
  } else {
    g.user_id = core::random_id(s->deps.rng, "dl_", 16);
  }
  g.user_name = params->user_name;
  g.conversation_id = new_conversation_id(s->deps.rng);
  g.bot_id = who->bot->id;
  g.tenant_id = who->bot->tenant;
  for (auto& o : params->trusted_origins) {
    // The configured origins win (as on Azure with enhanced authentication): others are dropped.
    if (std::find(who->bot->origins.begin(), who->bot->origins.end(), o) != who->bot->origins.end()) {
      g.trusted_origins.push_back(std::move(o));
    }
  }
  g.jkt = params->jkt;
  auto t = s->open_session(*who->bot, g, /*primary=*/true);
  if (!t && t.error() == errc::not_offered) {
    co_return error_response(errc::not_offered, "this tenant requires sender-constrained tokens (dpopJkt)");
  }
  if (!t) co_return error_response(t.error());
  core::with_log_fields({.conversation = g.conversation_id,
                         .tenant = g.tenant_id,
                         .trace_id = net::trace_id_of(req.headers.get("traceparent").value_or(""))},
                        [&] {
                          s->log->info("tokens/generate: bot {} conversation {} ({} token)", g.bot_id,
                                       g.conversation_id, g.bound() ? "bound" : "bearer");
                        });
  co_return token_answer(200, g, *t);
}

// POST /tokens/refresh (token, empty body): the next token of the same session. The presented
// token is replaced (refresh_grace more for a retried request); the new one never outlives the
// session's max_session; a replaced token presented here after its grace revokes the session.
awaitable<response> refresh(const state_ptr& s, const request& req) {
  if (!co_await s->throttle(s->per_client, req.limit_key())) co_return error_response(errc::rate_limited);
  auto who = co_await s->authenticate_client(req, /*rotating=*/true);
  if (!who) co_return error_response(who.error());
  if (who->with_secret) co_return error_response(errc::bad_credentials, "tokens/refresh needs a conversation token");
  conversation_grant g = who->grant;
  const auto now = s->deps.clock.now();
  const auto lifetime = s->token_lifetime(*who->bot, g, now);
  if (lifetime.count() <= 0) co_return error_response(errc::token_expired, "the session has reached its maximum length");
  session_state state = session_state::live;
  std::optional<ended_session> reused;
  const auto expires = std::chrono::time_point_cast<std::chrono::seconds>(now) + lifetime;
  const auto generation = s->sessions.rotate(g, now, s->session_end(g), expires, state, reused);
  if (!generation) {
    if (reused) {
      core::with_log_fields(
          {.conversation = g.conversation_id,
           .tenant = g.tenant_id,
           .trace_id = net::trace_id_of(req.headers.get("traceparent").value_or(""))},
          [&] {
            s->log->warn("tokens/refresh: a replaced token of conversation {} was presented again: session revoked",
                         g.conversation_id);
          });
      std::vector<ended_session> ended{std::move(*reused)};
      co_await s->finish_sessions(std::move(ended), /*tell_bot=*/true);
      co_return error_response(errc::token_revoked);
    }
    co_return error_response(state == session_state::revoked ? errc::token_revoked : errc::token_expired);
  }
  g.generation = *generation;
  auto t = s->tokens->issue_conversation_token(g, lifetime);
  if (!t) co_return error_response(t.error());
  co_return token_answer(200, g, *t);
}

// POST /conversations: starts (or resumes) the conversation; 201 when created now.
awaitable<response> start(const state_ptr& s, const request& req) {
  if (!co_await s->throttle(s->per_client, req.limit_key())) co_return error_response(errc::rate_limited);
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  conversation_grant g = who->grant;
  issued_token t;
  if (who->with_secret) {
    // A secret holder is trusted to name the user (it could mint a token for any user anyway).
    g.conversation_id = new_conversation_id(s->deps.rng);
    g.user_id = core::random_id(s->deps.rng, "dl_", 16);
    if (const auto* body = req.json().if_object()) {
      if (const auto* user = body->if_contains("user"); user && user->is_object()) {
        const auto* id = user->get_object().if_contains("id");
        if (id && id->is_string() && valid_user_id(id->get_string())) g.user_id = std::string(id->get_string());
      }
    }
    // The secret is this caller's credential (directlinejs in secret mode ignores the token).
    auto issued = s->open_session(*who->bot, g, /*primary=*/false);
    if (!issued) co_return error_response(issued.error(), "this tenant requires sender-constrained tokens");
    t = std::move(*issued);
  } else {
    // The token's user wins over a `user.id` in the body (directlinejs omits it when the token has one).
    const auto now = s->deps.clock.now();
    t.token = who->token;
    t.expires_in = std::chrono::duration_cast<std::chrono::seconds>(g.expires - now);
    if (t.expires_in.count() < 0) t.expires_in = std::chrono::seconds(0);
  }
  const conversation_ref ref{g.tenant_id, g.conversation_id};
  auto created = co_await s->conversations.ensure(ref, g.bot_id, g.user_id);
  if (!created) co_return error_response(created.error());
  if (!*created && !who->with_secret) {
    auto existing = co_await s->conversations.get(ref);
    if (existing && existing->state == store::conversation_state::ended) co_return error_response(errc::token_revoked);
  }
  auto url = s->stream_url(g, "-");
  if (!url) co_return error_response(url.error());
  if (*created) {
    core::with_log_fields({.conversation = g.conversation_id,
                           .tenant = g.tenant_id,
                           .trace_id = net::trace_id_of(req.headers.get("traceparent").value_or(""))},
                          [&] { s->log->info("conversation {} started (bot {})", g.conversation_id, g.bot_id); });
    auto update = conversation_update(s->context(*who->bot, g.conversation_id, g.user_id, g.user_name));
    if (const auto* body = req.json().if_object()) {
      if (const auto* locale = body->if_contains("locale");
          locale && locale->is_string() && locale->get_string().size() <= 64) {
        update["locale"] = locale->get_string();
      }
    }
    // Stored (never shown to clients), then sent to the bot without holding the client's answer:
    // a slow or failing bot must not fail the start, which directlinejs cannot retry.
    activity_append a{std::move(update), "channel", std::nullopt, {}, {}};
    auto appended = co_await s->conversations.append(ref, std::move(a));
    if (appended && !appended->duplicate)
      s->deliver_in_background(*who->bot, appended->body, g.conversation_id,
                               std::string(req.headers.get("traceparent").value_or("")));
  }
  co_return net::json_response(*created ? 201 : 200, json::object{{"conversationId", g.conversation_id},
                                                                  {"token", t.token},
                                                                  {"expires_in", t.expires_in.count()},
                                                                  {"streamUrl", *url}});
}

// GET /conversations/{id}?watermark=: a new token and stream URL (reconnect, resume).
awaitable<response> reconnect(const state_ptr& s, const request& req) {
  if (!co_await s->throttle(s->per_client, req.limit_key())) co_return error_response(errc::rate_limited);
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  const auto id = req.param("id");
  auto conv = co_await s->authorize_conversation(*who, id);
  if (!conv) co_return error_response(conv.error());
  const auto watermark = req.query.get("watermark").value_or("");
  if (!parse_watermark(watermark)) co_return error_response(errc::bad_argument, "invalid watermark");
  conversation_grant g = who->grant;
  issued_token t;
  if (who->with_secret) {
    // An ended conversation (endOfConversation, revoked, expired) stays ended: 404 is what tells
    // directlinejs that a conversation is gone.
    if (conv->state == store::conversation_state::ended) co_return error_response(errc::not_found, "the conversation has ended");
    // A secret holder reviving a conversation gets a token of a new session.
    g.conversation_id = conv->id;
    g.user_id = conv->user_id;
    auto issued = s->open_session(*who->bot, g, /*primary=*/false);
    if (!issued) co_return error_response(issued.error(), "this tenant requires sender-constrained tokens");
    t = std::move(*issued);
  } else {
    // The same token: a reconnect never extends a session (only tokens/refresh does, rotating).
    t.token = who->token;
    t.expires_in = std::chrono::duration_cast<std::chrono::seconds>(g.expires - s->deps.clock.now());
    if (t.expires_in.count() < 0) t.expires_in = std::chrono::seconds(0);
  }
  auto url = s->stream_url(g, watermark);
  if (!url) co_return error_response(url.error());
  co_return net::json_response(200, json::object{{"conversationId", g.conversation_id},
                                                 {"token", t.token},
                                                 {"expires_in", t.expires_in.count()},
                                                 {"streamUrl", *url}});
}

// GET /conversations/{id}/activities?watermark=: polling; `activities` is always an array.
awaitable<response> poll(const state_ptr& s, const request& req) {
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  const auto id = req.param("id");
  if (!who->with_secret && who->grant.conversation_id != id) co_return error_response(errc::wrong_conversation);
  const auto after = parse_watermark(req.query.get("watermark").value_or(""));
  if (!after) co_return error_response(errc::bad_argument, "invalid watermark");
  if (who->with_secret) {
    auto conv = co_await s->authorize_conversation(*who, id);
    if (!conv) co_return error_response(conv.error());
  }
  // Only now, authorised: the conversation's bucket is its holders' alone.
  if (!co_await s->throttle(s->per_conversation, id)) co_return error_response(errc::rate_limited);
  const conversation_ref ref{who->bot->tenant, std::string(id)};
  auto page = co_await s->conversations.poll(ref, *after, max_poll_activities, max_poll_bytes);
  if (!page) co_return error_response(page.error());
  std::vector<std::string_view> bodies(page->bodies.begin(), page->bodies.end());
  co_return net::json_response(200, activity_set_frame(bodies, page->watermark));
}

}  // namespace

// Shared with the upload route: stores, echoes and delivers one client activity, then answers
// {id} once the bot has (or 502/504).
awaitable<response> post_client_activity(const state_ptr& s, const client_identity& who,
                                         const store::conversation& conv, json::object activity,
                                         std::string traceparent) {
  const conversation_ref ref{conv.tenant_id, conv.id};
  std::optional<std::string> key;
  if (const auto* cd = activity.if_contains("channelData"); cd && cd->is_object()) {
    // A retried send (Web Chat's retry keeps its clientActivityID) must not appear twice.
    if (const auto* cid = cd->get_object().if_contains("clientActivityID");
        cid && cid->is_string() && !cid->get_string().empty() && cid->get_string().size() <= 128) {
      key = "c:" + std::string(cid->get_string());
    }
  }
  // The credential guard (SECURITY.md promise 9): every string the client controls is guarded before
  // the activity is stored, streamed or delivered, and the user is told why; the answer to a prompt
  // that expects a secret (or a bare code while a login waits for one) is stored masked but
  // delivered to the bot as typed.
  guard::guard_mode mode;
  const auto* text = activity.if_contains("text");
  if (text && text->is_string() && activity.contains("type") && activity.at("type") == "message") {
    mode.expects_secret = s->take_secret_expected(ref);
  }
  mode.awaits_code = s->code_awaited(ref);
  auto guarded = guard_client_activity(activity, mode);
  const std::optional<std::string> typed = std::move(guarded.typed_text);  // only for an expected secret
  const auto warning_text = guard::warning_text(guarded.found);
  // Before anything is stored: what the bot would refuse is refused here (413), once.
  const client_activity_limits limits{s->opts.max_text_bytes, s->opts.max_value_bytes};
  if (auto over = over_client_limits(activity, limits, typed)) co_return error_response(errc::too_large, *over);
  activity_append a{std::move(activity), "user", std::move(key), {}, {}, s->opts.max_activity_bytes};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended && appended.error() == errc::too_large) {
    co_return error_response(errc::too_large, "activity over the limit of " +
                                                  std::to_string(s->opts.max_activity_bytes) +
                                                  " bytes as stored (with its id and timestamp)");
  }
  if (!appended) co_return error_response(appended.error());
  if (!warning_text.empty()) {
    // Told by the channel itself, so that it holds whatever the bot is doing.
    json::object notice{{"type", "message"}, {"text", warning_text}};
    auto warning = normalize_bot_activity(json::value(std::move(notice)), s->context(*who.bot, conv.id, conv.user_id),
                                          std::nullopt);
    if (warning) {
      activity_append w{std::move(*warning), "channel", {}, {}, {}};
      (void)co_await s->conversations.append(ref, std::move(w));
    }
  }
  std::string body = appended->body;
  if (typed) {
    // The bot asked for this secret: it gets it as typed; the stored and streamed copy is masked.
    auto parsed = core::parse_json_object(body);
    if (parsed) {
      (*parsed)["text"] = *typed;
      body = json::serialize(*parsed);
    }
  }
  if (appended->duplicate) {
    // Deliver the stored original again: the bot may never have had it (at-least-once, as Azure).
    auto again = co_await s->conversations.read(ref, appended->seq - 1, 1);
    if (!again || again->activities.empty()) co_return error_response(errc::internal);
    if (again->activities.front().corrupt) co_return error_response(errc::integrity_failure);
    body = std::move(again->activities.front().body);
  }
  const bool ends = appended->type == "endOfConversation";
  if (conv.state == store::conversation_state::with_consultant && !ends) {
    // A consultant owns the conversation (ADR 0021): the activity is stored and on the activity
    // bus, where the desk reads it; the bot does not get it.
    co_return net::json_response(200, json::object{{"id", appended->id}});
  }
  // No lock is held here: the bot's replies arrive through the Connector API meanwhile.
  auto delivered = co_await s->bot->deliver(*who.bot, std::move(body), std::move(traceparent), conv.id);
  if (ends) {
    // The page ended the chat: its tokens die with the conversation (the bot got the activity and
    // ends the user's login at the bank), its stream closes with 4403.
    (void)co_await s->end_conversation(ref, session_end_reason::ended, /*tell_bot=*/false);
  }
  if (!delivered) co_return error_response(delivered.error());
  co_return net::json_response(200, json::object{{"id", appended->id}});
}

namespace {

// POST /conversations/{id}/activities.
awaitable<response> post_activity(const state_ptr& s, const request& req) {
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  const auto id = req.param("id");
  if (req.json().is_null()) co_return error_response(errc::bad_argument, "an activity is required");
  auto conv = co_await s->authorize_conversation(*who, id);
  if (!conv) co_return error_response(conv.error());
  // Only now, authorised: the conversation's bucket is its holders' alone.
  if (!co_await s->throttle(s->per_conversation, id)) co_return error_response(errc::rate_limited);
  auto activity = normalize_client_activity(req.json(), s->context(*who->bot, conv->id, conv->user_id, who->grant.user_name));
  if (!activity) co_return error_response(activity.error());
  std::string traceparent(req.headers.get("traceparent").value_or(""));  // named: GCC 12, PR 99576
  co_return co_await post_client_activity(s, *who, *conv, std::move(*activity), std::move(traceparent));
}

// GET /session/getsessionid (token, withCredentials): a session id bound to this browser.
awaitable<response> session_id(const state_ptr& s, const request& req) {
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  const auto origin = req.headers.get("origin");
  if (!origin) co_return error_response(errc::origin_not_allowed, "getsessionid is for browsers (no Origin)");
  // The cookie is the verifier, the returned id its SHA-256: a sign-in page can later require the
  // cookie that hashes to the code_challenge, which only this browser holds (HttpOnly). Over https
  // it is a "__Host-" cookie (Secure, Path=/, no Domain): no sibling host and no plain-http page can
  // plant or overwrite it. Plain http is for loopback development only. Read strictly: a cookie
  // sent twice (one of them planted) is refused, never resolved by taking the first.
  const bool https = s->opts.public_url.starts_with("https://");
  const std::string_view cookie_name = https ? "__Host-dlsession" : "dlsession";
  auto sent = net::find_cookie(req.headers, cookie_name);
  if (!sent) co_return error_response(errc::bad_argument, "the session cookie was sent more than once");
  std::string verifier;
  if (const auto& v = *sent; v && v->size() >= 22 && v->size() <= 64 &&
                             std::all_of(v->begin(), v->end(), [](unsigned char c) {
                               return std::isalnum(c) || c == '-' || c == '_';
                             })) {
    verifier = std::string(*v);
  }
  response r;
  if (verifier.empty()) {
    verifier = core::random_id(s->deps.rng, "", 32);
    net::set_cookie c;
    c.name = std::string(cookie_name);
    c.value = verifier;
    c.secure = https;
    c.path = https ? "/" : "/v3/directline";
    c.same_site = https ? net::same_site::none : net::same_site::lax;  // the widget calls cross-site
    auto field = net::format_set_cookie(c);
    if (!field) co_return error_response(errc::internal, "the session cookie could not be written");
    r.headers.add("Set-Cookie", *field);
  }
  const auto digest = crypto::sha256(verifier);
  auto answer = net::json_response(200, json::object{{"sessionId", core::base64url_encode(digest)}});
  for (const auto& [k, v] : r.headers) answer.headers.add(k, v);
  co_return answer;
}

// GET /conversations/{id}/attachments/{attachment}: uploaded files, to holders of the
// conversation's token (or the bot's secret) only, and to the bot that owns the conversation,
// which gets the same contentUrl in the activity (with its Connector bearer, or from loopback
// when it is anonymous).
awaitable<response> attachment(const state_ptr& s, const request& req) {
  const auto id = req.param("id");
  store::conversation conv;
  auto who = co_await s->authenticate_client(req);
  if (who) {
    auto c = co_await s->authorize_conversation(*who, id);
    if (!c) co_return error_response(c.error());
    conv = std::move(*c);
  } else {
    auto bot = co_await s->authenticate_bot(req, id);
    if (!bot) co_return error_response(who.error());
    conv = std::move(bot->second);
  }
  std::string attachment_id(req.param("attachment"));
  auto file = co_await s->deps.store.get_attachment(conv.tenant_id, conv.id, std::move(attachment_id));
  if (!file) co_return error_response(from_store(file.error()));
  co_return attachment_response(std::move(*file));
}

}  // namespace

response attachment_response(store::attachment file) {
  response r;
  r.status = 200;
  r.headers.set("Content-Type", file.content_type);
  // Never rendered as a page of this origin: a sandboxed, script-less document at most.
  r.headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
  const bool inline_ok = file.content_type.starts_with("image/");
  std::string safe_name;
  for (const char c : file.name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') safe_name.push_back(c);
  }
  if (safe_name.empty()) safe_name = "file";
  r.headers.set("Content-Disposition",
                std::string(inline_ok ? "inline" : "attachment") + "; filename=\"" + safe_name + "\"");
  r.headers.set("Cache-Control", "private, no-store");
  r.body = std::move(file.bytes);
  return r;
}

awaitable<response> with_dpop_nonce(state_ptr s, awaitable<response> inner) {
  auto r = co_await std::move(inner);
  // RFC 9449 §8.2: any response may carry the next nonce; the client keeps the newest.
  r.headers.set("DPoP-Nonce", s->dpop.nonce());
  co_return r;
}

void add_directline_routes(net::router& r, const state_ptr& s) {
  net::route_options token_opts;
  token_opts.json_body = true;
  token_opts.max_body_bytes = max_token_request_bytes;
  token_opts.cors = s->cors;
  net::route_options plain_opts;
  plain_opts.max_body_bytes = 1024;
  plain_opts.cors = s->cors;
  net::route_options activity_opts;
  activity_opts.json_body = true;
  activity_opts.max_body_bytes = s->opts.max_activity_bytes;
  activity_opts.max_json_depth = s->opts.max_activity_depth;
  activity_opts.cors = s->cors;
  net::route_options session_opts = plain_opts;
  session_opts.cors = s->cors_credentials;

  const std::string base = "/v3/directline";
  r.post(base + "/tokens/generate", [s](const request& q) { return generate(s, q); }, token_opts);
  r.post(base + "/tokens/refresh", [s](const request& q) { return with_dpop_nonce(s, refresh(s, q)); }, plain_opts);
  r.post(base + "/conversations", [s](const request& q) { return with_dpop_nonce(s, start(s, q)); }, token_opts);
  r.get(base + "/conversations/{id}", [s](const request& q) { return with_dpop_nonce(s, reconnect(s, q)); }, plain_opts);
  r.get(base + "/conversations/{id}/activities", [s](const request& q) { return with_dpop_nonce(s, poll(s, q)); },
        plain_opts);
  r.post(base + "/conversations/{id}/activities", [s](const request& q) { return with_dpop_nonce(s, post_activity(s, q)); },
         activity_opts);
  r.get(base + "/conversations/{id}/attachments/{attachment}",
        [s](const request& q) { return with_dpop_nonce(s, attachment(s, q)); }, plain_opts);
  r.get(base + "/session/getsessionid", [s](const request& q) { return with_dpop_nonce(s, session_id(s, q)); },
        session_opts);
}

}  // namespace parley::channel
