// POST /v3/directline/tokens/revoke: a bot ends token sessions early (the customer logged out of
// the bank's site, the bank suspects a stolen token). Bots only: the channel secret of the bot
// (what the bot web service holds) or a bot access token from the token endpoint; never a
// conversation token. Body, one of:
//   {"conversationId": "..."}  every session of that conversation of the caller's bot; the
//                              conversation is marked ended (its tokens stay refused)
//   {"token": "..."}           the session of that conversation token
// The sessions' streams close with 4403 and the bot gets an endOfConversation (it logs the user
// out at the bank). Answers 200 {"revoked": n}: n sessions ended now (0: already over).
#include "routes.hpp"

#include <parley/core/json.hpp>

#include <boost/json/object.hpp>

#include <algorithm>

namespace parley::channel {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using net::request;
using net::response;

constexpr std::size_t max_revoke_body = 16 * 1024;

// The bot behind a secret or a bot access token.
awaitable<result<const bot_options*>> authenticate_bot_caller(const state_ptr& s, const request& req) {
  const auto credential = bearer(req);
  if (!credential) co_return make_error_code(errc::missing_credentials);
  if (std::count(credential->begin(), credential->end(), '.') == 2) {
    auto g = s->tokens->verify_bot_access_token(*credential);
    if (!g) co_return make_error_code(errc::bad_credentials);  // a conversation token is not a bot's
    const auto* b = s->bots.by_app_id(g->app_id);
    if (b == nullptr || (g->tenant_id != "botframework.com" && g->tenant_id != b->tenant)) {
      co_return make_error_code(errc::bad_credentials);
    }
    co_return b;
  }
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return who.error();
  co_return who->bot;
}

awaitable<response> revoke(const state_ptr& s, const request& req) {
  if (!co_await s->throttle(s->per_client, req.limit_key())) co_return error_response(errc::rate_limited);
  auto bot = co_await authenticate_bot_caller(s, req);
  if (!bot) co_return error_response(bot.error());
  const auto* body = req.json().if_object();
  const auto conversation = body ? core::get_string(*body, "conversationId") : std::nullopt;
  const auto token = body ? core::get_string(*body, "token") : std::nullopt;
  if (body == nullptr || body->size() != 1 || (!conversation && !token)) {
    co_return error_response(errc::bad_argument, R"(the body must be {"conversationId": "..."} or {"token": "..."})");
  }
  std::size_t revoked = 0;
  if (conversation) {
    const conversation_ref ref{(*bot)->tenant, std::string(*conversation)};
    auto conv = co_await s->conversations.get(ref);
    if (!conv) co_return error_response(conv.error());
    if (conv->bot_id != (*bot)->id) co_return error_response(errc::wrong_conversation);
    revoked = co_await s->end_conversation(ref, session_end_reason::revoked, /*tell_bot=*/true);
  } else {
    auto g = s->tokens->verify_conversation_token(*token);
    if (!g && g.error() == errc::token_expired) co_return net::json_response(200, json::object{{"revoked", 0}});
    if (!g) co_return error_response(errc::bad_argument, "not a conversation token of this channel");
    if (g->bot_id != (*bot)->id || g->tenant_id != (*bot)->tenant) co_return error_response(errc::wrong_conversation);
    auto ended = s->sessions.revoke(*g, s->deps.clock.now(), s->session_end(*g), session_end_reason::revoked);
    if (ended) {
      revoked = 1;
      std::vector<ended_session> list{std::move(*ended)};
      co_await s->finish_sessions(std::move(list), /*tell_bot=*/true);
    }
  }
  s->log->info("tokens/revoke: bot {} revoked {} session(s)", (*bot)->id, revoked);
  co_return net::json_response(200, json::object{{"revoked", revoked}});
}

}  // namespace

void add_token_routes(net::router& r, const state_ptr& s) {
  net::route_options o;
  o.json_body = true;
  o.require_json_body = true;
  o.max_body_bytes = max_revoke_body;
  o.max_json_depth = 4;
  r.post("/v3/directline/tokens/revoke", [s](const request& q) { return revoke(s, q); }, o);
}

}  // namespace parley::channel
