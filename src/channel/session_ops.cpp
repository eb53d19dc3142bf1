// Token sessions at the service level: starting one with its first token, ending them (their
// streams closed with 4401/4403, the bot told with an endOfConversation when its client's last
// session is over, so that it logs the user out at the bank), and the sweeper that ends expired
// ones. The registry itself is sessions.hpp; the routes that use this are directline_routes.cpp
// (generate, refresh, start, reconnect, an endOfConversation), connector_routes.cpp (the bot's
// endOfConversation) and token_routes.cpp (revoke).
#include "routes.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log_fields.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace parley::channel {

namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

time_point service::state::session_end(const conversation_grant& g) const {
  return g.session_start + tenant_policy(opts, g.tenant_id).max_session;
}

seconds service::state::token_lifetime(const bot_options& b, const conversation_grant& g, time_point now) const {
  const auto& policy = tenant_policy(opts, g.tenant_id);
  seconds lifetime = b.token_lifetime.count() > 0 ? b.token_lifetime
                     : g.bound()                  ? policy.bound_token_lifetime
                                                  : policy.unbound_token_lifetime;
  // No token outlives its session (the bank's login, tied to the conversation, does not either).
  const auto left = std::chrono::duration_cast<seconds>(session_end(g) - now);
  if (left <= seconds(0)) return seconds(0);
  return std::min(lifetime, left);
}

result<issued_token> service::state::open_session(const bot_options& b, conversation_grant& g, bool primary) {
  if (!g.bound() && tenant_policy(opts, g.tenant_id).require_bound_tokens) return make_error_code(errc::not_offered);
  const auto now = deps.clock.now();
  g.session_id = core::random_id(deps.rng, "", 16);
  g.session_start = std::chrono::time_point_cast<seconds>(now);  // `sst` has whole seconds
  g.generation = 0;
  const auto lifetime = token_lifetime(b, g, now);
  auto t = tokens->issue_conversation_token(g, lifetime);
  if (!t) return t.error();
  g.expires = std::chrono::time_point_cast<seconds>(now) + lifetime;
  sessions.open(g, session_end(g), primary);
  return t;
}

namespace {

std::string_view end_code(session_end_reason why) {
  return why == session_end_reason::expired ? "sessionExpired" : "sessionRevoked";
}

}  // namespace

awaitable<void> service::state::finish_sessions(std::vector<ended_session> ended, bool tell_bot) {
  for (auto& e : ended) {
    const bool expired = e.reason == session_end_reason::expired;
    for (auto& stream : e.streams) {
      stream->close(expired ? session_expired_close : session_revoked_close,
                    expired ? "session expired" : "session revoked");
    }
    core::with_log_fields({.conversation = e.conversation_id, .tenant = e.tenant_id}, [&] {
      log->info("token session of conversation {} {}", e.conversation_id,
                expired                                       ? "expired"
                : e.reason == session_end_reason::token_reuse ? "revoked: a replaced token was used again"
                : e.reason == session_end_reason::ended       ? "ended"
                                                              : "revoked");
    });
    if (!tell_bot || !e.last_of_conversation) continue;
    // The conversation is over for its client: the bot hears it like a client's endOfConversation
    // and ends the user's login at the bank (docs/login-api.md: logout when the conversation ends).
    const auto* bot = bots.by_id(e.bot_id);
    const conversation_ref ref{e.tenant_id, e.conversation_id};
    auto conv = co_await conversations.get(ref);
    if (bot == nullptr || !conv || conv->state == store::conversation_state::ended) continue;
    notify_handoff_abandoned(shared_from_this(), *conv);
    // Ended first, so that nothing revives it while the bot is being told.
    (void)co_await deps.store.set_conversation_state(e.tenant_id, e.conversation_id, store::conversation_state::ended);
    auto activity = end_of_conversation(context(*bot, conv->id, conv->user_id), end_code(e.reason));
    activity_append a{std::move(activity), "channel", std::nullopt, {}, {}};
    auto appended = co_await conversations.append(ref, std::move(a));
    if (appended && !appended->duplicate) deliver_in_background(*bot, appended->body, conv->id);
  }
}

awaitable<std::size_t> service::state::end_conversation(const conversation_ref& ref, session_end_reason why,
                                                        bool tell_bot) {
  auto before = co_await conversations.get(ref);
  auto ended = sessions.revoke_conversation(ref.tenant_id, ref.conversation_id, why);
  const auto n = ended.size();
  if (tell_bot && !ended.empty()) ended.back().last_of_conversation = true;  // the bot hears it once
  co_await finish_sessions(std::move(ended), tell_bot);
  auto marked = co_await deps.store.set_conversation_state(ref.tenant_id, ref.conversation_id,
                                                           store::conversation_state::ended);
  if (!marked)
    core::with_log_fields({.conversation = ref.conversation_id, .tenant = ref.tenant_id}, [&] {
      log->warn("conversation {} not marked ended: {}", ref.conversation_id, marked.error().message());
    });
  if (before) notify_handoff_abandoned(shared_from_this(), *before);
  co_return n;
}

awaitable<void> service::state::sweep_sessions() {
  auto ended = sessions.sweep(deps.clock.now());
  if (!ended.empty()) co_await finish_sessions(std::move(ended), true);
}

namespace {

// A coroutine function rather than a capturing lambda (GCC 12 destroys a coroutine lambda's
// captures twice); it holds the state, which it leaves within a second of the service's end.
awaitable<void> sweeper(std::shared_ptr<service::state> s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!s->stopping.load()) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(core::use_tuple);
    if (s->stopping.load()) break;
    co_await s->sweep_sessions();
  }
}

}  // namespace

void service::state::start_sweeper() {
  asio::co_spawn(deps.io, sweeper(shared_from_this()), core::log_exceptions{log, "session sweeper"});
}

}  // namespace parley::channel
