// The widget's handshake: POST /api/token (GetNewToken) and POST /api/token/refresh (RefreshToken).
// The bot is the only holder of the channel secret; the widget gets a conversation token bound to
// a user id the bot chose (never one the page chose).
#include "service_state.hpp"
#include "user_ids.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/jose/error.hpp>
#include <parley/net/cors.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace parley::bot {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using net::request;
using net::response;

using state = service::state;

constexpr std::size_t max_handshake_body = 16 * 1024;

bool origin_allowed(const state& s, std::string_view origin) {
  return std::find(s.opts.origins.begin(), s.opts.origins.end(), origin) != s.opts.origins.end();
}

// The channel's answer to tokens/generate or tokens/refresh, as the widget's handshake answer.
struct channel_token {
  std::string token;
  std::string conversation_id;
  std::int64_t expires_in = 0;
};

// The `user` claim of a token the channel just issued to us over our own server-side call: read,
// not verified (the channel is the issuer; the widget and directlinejs read it the same way).
std::string user_claim(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  auto payload = core::base64url_decode_string(token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  auto o = core::parse_json_object(*payload, {.max_bytes = 16 * 1024, .max_depth = 8});
  const auto user = o ? core::get_string(*o, "user") : std::nullopt;
  return user ? std::string(*user) : std::string{};
}

response answer(const state& s, const channel_token& t, std::string_view user_id, bool bound) {
  return net::json_response(200, json::object{{"token", t.token},
                                              {"conversationId", t.conversation_id},
                                              {"userId", user_id},
                                              {"expiresIn", t.expires_in},
                                              {"channelUrl", s.opts.channel_public_url},
                                              {"tokenType", bound ? "DPoP" : "Bearer"}});
}

// This endpoint's URI as the browser addressed it (the `htu` of the widget's proof).
std::string own_url(const state& s, const request& req, std::string_view path) {
  if (!s.opts.public_url.empty()) return s.opts.public_url + std::string(path);
  const auto host = req.headers.get("host").value_or("");
  return std::string(req.secure ? "https://" : "http://") + std::string(host) + std::string(path);
}

// The single DPoP header of the request, nullopt when there is none; an error when repeated.
result<std::optional<std::string_view>> dpop_header(const request& req) {
  std::optional<std::string_view> found;
  for (const auto& [name, value] : req.headers) {
    if (!net::iequals(name, "dpop")) continue;
    if (found) return make_error_code(errc::bad_activity);
    found = value;
  }
  return found;
}

// RFC 9449 §5: a token request with a proof gets a token bound to the proof's key; an invalid
// proof is refused (never silently answered with an unbound token).
response proof_refused(std::string_view why) {
  auto r = net::json_response(400, json::object{{"error", "invalid_dpop_proof"}, {"error_description", std::string(why)}});
  r.headers.set("WWW-Authenticate", R"(DPoP error="invalid_dpop_proof", algs="ES256")");
  return r;
}

// Maps a channel refusal to the widget: statuses the widget acts on pass through with the
// channel's error code (only codes from a fixed list: the body is the channel's, not ours to echo).
response channel_refusal(const state& s, const net::client_response& r, std::string_view call) {
  std::string code;
  if (auto o = core::parse_json_object(r.body, {.max_bytes = 64 * 1024, .max_depth = 8})) {
    if (const auto* e = core::get_object(*o, "error")) code = std::string(core::get_string(*e, "code").value_or(""));
  }
  s.log->info("{}: channel answered {} {}", call, r.status, code.empty() ? "(no code)" : code);
  if (r.status == 403 && code == "TokenExpired") {
    return net::error_response(net::errc::token_expired, "the token has expired: start a new conversation");
  }
  if (r.status == 401 || r.status == 403) {
    return net::error_response(net::errc::forbidden, "the channel refused the token");
  }
  if (r.status == 429) {
    auto resp = net::error_response(net::errc::too_many_requests, "the channel is busy: retry later");
    resp.headers.set("Retry-After", std::string(r.headers.get("Retry-After").value_or("5")));
    return resp;
  }
  return net::error_response(net::errc::bad_gateway, "the channel did not give a token");
}

// POSTs to the channel's Direct Line token routes and reads {conversationId, token, expires_in}.
awaitable<result<channel_token>> channel_call(const state_ptr& s, std::string path, std::string credential,
                                              const json::value& body, std::optional<response>& refusal) {
  auto req = net::client_request::json(net::method::post, s->opts.channel_url + "/v3/directline/" + path, body);
  req.headers.set("Authorization", "Bearer " + credential);
  req.sensitive = true;  // the secret (or the client's token): the HTTP client wipes its copies
  core::secret_string wipe_me(std::move(credential));  // our copy goes when this call ends
  req.timeout = s->opts.channel_timeout;
  auto r = co_await s->deps.http.send(std::move(req));
  if (!r) {
    s->log->warn("{}: channel unreachable ({})", path, r.error().message());
    refusal = net::error_response(net::errc::bad_gateway, "the channel is not reachable");
    co_return make_error_code(errc::channel_unreachable);
  }
  if (r->status != 200) {
    refusal = channel_refusal(*s, *r, path);
    co_return make_error_code(errc::channel_error);
  }
  auto o = core::parse_json_object(r->body, {.max_bytes = 64 * 1024, .max_depth = 8});
  channel_token t;
  if (o) {
    t.token = std::string(core::get_string(*o, "token").value_or(""));
    t.conversation_id = std::string(core::get_string(*o, "conversationId").value_or(""));
    t.expires_in = core::get_int(*o, "expires_in").value_or(0);
  }
  if (t.token.empty() || t.conversation_id.empty() || t.expires_in <= 0) {
    s->log->warn("{}: malformed channel answer ({} bytes)", path, r->body.size());
    refusal = net::error_response(net::errc::bad_gateway, "the channel did not give a token");
    co_return make_error_code(errc::channel_error);
  }
  co_return t;
}

std::optional<response> not_started(const state& s) {
  if (s.started.load()) return std::nullopt;
  return net::error_response(net::errc::service_unavailable, "starting; retry shortly");
}

// The request's body: {} or {"userAssertion": "<jwt>"}; nothing else.
result<std::optional<std::string>> parse_token_body(const request& req) {
  const auto& body = req.json();
  if (body.is_null()) return std::optional<std::string>{};
  if (!body.is_object()) return make_error_code(errc::bad_activity);
  std::optional<std::string> assertion;
  for (const auto& [key, value] : body.get_object()) {
    if (key != "userAssertion" || !value.is_string() || value.get_string().empty() ||
        value.get_string().size() > 8 * 1024) {
      return make_error_code(errc::bad_activity);
    }
    assertion = std::string(value.get_string());
  }
  return assertion;
}

awaitable<response> get_new_token(const state_ptr& s, const request& req) {
  if (auto r = not_started(*s)) co_return *r;
  const auto origin = req.headers.get("origin");
  if (!origin || !origin_allowed(*s, *origin)) {
    // The server's request line (403) says enough; one line per refusal would let a flood write the log.
    s->log->debug("GetNewToken refused: origin not allowed");
    co_return net::error_response(net::errc::forbidden, "this origin may not start conversations with this bot");
  }
  // Per client (IPv4 address, IPv6 /64); the 429s are counted and summarised per client by the server.
  if (auto d = s->per_address.take(req.limit_key()); !d.allowed) co_return net::too_many_requests(d);
  if (auto d = s->global.take("*"); !d.allowed) {
    if (s->global_limit_warning.due())
      s->log->warn("GetNewToken: the global rate limit is reached (everyone gets 429)");
    co_return net::too_many_requests(d);
  }
  auto assertion = parse_token_body(req);
  if (!assertion) co_return net::error_response(net::errc::bad_request, "the body must be {} or {\"userAssertion\": \"<jwt>\"}");
  std::string jkt;
  auto proof = dpop_header(req);
  if (!proof) co_return proof_refused("one DPoP header at most");
  if (*proof) {
    auto p = s->dpop.verify(**proof, {"POST", own_url(*s, req, "/api/token"), {}});
    if (!p) {
      s->log->info("GetNewToken refused: DPoP proof {}", p.error().message());
      co_return proof_refused(p.error() == jose::errc::expired || p.error() == jose::errc::not_yet_valid
                                  ? "iat out of range (check the clock against the Date header)"
                                  : "the proof does not verify");
    }
    if (!s->dpop_replay.record(p->jkt, p->jti, s->deps.clock.steady_now())) co_return proof_refused("proof already used");
    jkt = std::move(p->jkt);
  }
  std::string user_id;
  if (*assertion) {
    if (s->assertions->empty()) {
      co_return net::error_response(net::errc::bad_request, "this bot accepts no user assertions");
    }
    auto id = co_await s->assertions->user_id_for(**assertion);
    if (!id) co_return net::error_response(net::errc::unauthorized, "the user assertion was refused");
    user_id = std::move(*id);
  } else {
    user_id = new_user_id(s->deps.rng);
  }
  std::optional<response> refusal;
  json::object body{{"user", json::object{{"id", user_id}}}, {"trustedOrigins", json::array{json::string(*origin)}}};
  if (!jkt.empty()) body["dpopJkt"] = jkt;  // the channel binds the token to the proven key
  // Named arguments only in co_await calls (GCC 12 destroys temporaries there twice, PR 99576).
  std::string path = "tokens/generate";
  std::string credential(s->channel_secret.view());
  auto t = co_await channel_call(s, std::move(path), std::move(credential), body, refusal);
  if (!t) co_return std::move(*refusal);
  core::with_log_fields({.conversation = t->conversation_id,
                         .tenant = s->opts.tenant,
                         .trace_id = net::trace_id_of(req.headers.get("traceparent").value_or(""))},
                        [&] {
                          s->log->info("GetNewToken: conversation {} started for a {} user ({} token)",
                                       t->conversation_id, *assertion ? "vouched-for" : "new anonymous",
                                       jkt.empty() ? "bearer" : "DPoP-bound");
                        });
  co_return answer(*s, *t, user_id, !jkt.empty());
}

awaitable<response> refresh(const state_ptr& s, const request& req) {
  if (auto r = not_started(*s)) co_return *r;
  if (auto d = s->refresh_per_address.take(req.limit_key()); !d.allowed) co_return net::too_many_requests(d);
  const auto h = req.headers.get("authorization");
  if (!h || h->size() <= 7 || h->substr(0, 7) != "Bearer " || h->find(' ', 7) != std::string_view::npos) {
    co_return net::error_response(net::errc::unauthorized, "Authorization: Bearer <token> is required");
  }
  const auto& body = req.json();
  if (!body.is_null() && !(body.is_object() && body.get_object().empty())) {
    co_return net::error_response(net::errc::bad_request, "the body must be {}");
  }
  std::optional<response> refusal;
  std::string path = "tokens/refresh";
  std::string credential(h->substr(7));
  const json::object empty;
  auto t = co_await channel_call(s, std::move(path), std::move(credential), empty, refusal);
  if (!t) co_return std::move(*refusal);
  const auto user_id = user_claim(t->token);
  co_return answer(*s, *t, user_id, false);
}

}  // namespace

void add_handshake_routes(net::router& r, const state_ptr& s) {
  auto cors = std::make_shared<net::cors_policy>();
  cors->allow_origin = net::allow_origins(s->opts.origins);
  cors->allow_headers = {"authorization", "content-type", "accept", "dpop"};
  cors->expose_headers = {"date", "www-authenticate"};  // the widget sets its proofs' iat by the server's clock
  cors->reject_disallowed_origins = true;
  net::route_options o;
  o.max_body_bytes = max_handshake_body;
  o.json_body = true;
  o.max_json_depth = 4;
  o.cors = cors;
  r.post("/api/token", [s](const request& q) { return get_new_token(s, q); }, o);
  r.post("/api/token/refresh", [s](const request& q) { return refresh(s, q); }, o);
}

}  // namespace parley::bot
