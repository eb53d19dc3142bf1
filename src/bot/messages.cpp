// POST /api/messages: the Bot Connector messaging endpoint (bot-connector.md §1). Authenticate,
// parse, run the turn, send the replies through the Connector API, then answer — like botbuilder,
// whose replies all go out before the inbound POST is answered. A turn that outlives the budget
// keeps running in the background (its replies still arrive) and the POST is answered 200 so that
// the channel does not report a bot timeout for a slow Connector.
#include "service_state.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/async.hpp>
#include <parley/core/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace parley::bot {
namespace {

namespace asio = boost::asio;
using boost::asio::awaitable;
using net::request;
using net::response;

// Nesting allowed in an inbound activity (the route's and the in-process path's).
constexpr std::size_t message_json_depth = max_inbound_depth;

awaitable<result<void>> run_turn(state_ptr s, inbound_activity a, assistant::incoming in, bool may_register) {
  reply_target to{s->ref(a.conversation_id, a.from.id), a.service_url, a.locale, a.traceparent};
  const engine_step step = [&s, &in, &to](const assistant::dialog_state& st) {
    // The assistant's lines (synchronous: no co_await in a step) are about this conversation.
    const auto ids = log_ids(to.conversation, to.traceparent);
    const core::log_fields_scope scope(ids);
    return s->engine.turn(*s->def, st, in);
  };
  auto turn = co_await transact(s, to.conversation, step, may_register);
  if (!turn) {
    core::with_log_fields(log_ids(to.conversation, to.traceparent), [&] {
      s->log->warn("/api/messages: turn failed for conversation {}: {}", a.conversation_id, turn.error().message());
    });
    co_return turn.error();
  }
  co_return co_await deliver(s, to, a.id, std::move(*turn));
}

// One message from the turn to the handler waiting for it: "done, ok or not". A channel, so that
// a turn that finishes first, last or while the wait is being set up is never missed.
using done_channel = asio::experimental::concurrent_channel<void(boost::system::error_code, bool)>;

// The turn as a coroutine of its own: the budget may end the wait, never the turn.
awaitable<void> turn_task(state_ptr s, inbound_activity a, assistant::incoming in, bool may_register,
                          std::shared_ptr<done_channel> done) {
  auto r = co_await run_turn(s, std::move(a), std::move(in), may_register);
  done->try_send(boost::system::error_code{}, r.has_value());
}

// nullopt when the budget ran out first; otherwise whether the turn succeeded.
awaitable<std::optional<bool>> within_budget(const state_ptr& s, inbound_activity a, assistant::incoming in,
                                             bool may_register) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  auto done = std::make_shared<done_channel>(ex, 1);
  asio::co_spawn(s->deps.io, turn_task(s, std::move(a), std::move(in), may_register, done),
                 core::log_exceptions{s->log, "bot turn"});
  asio::steady_timer budget(ex, s->opts.turn_budget);
  auto first = co_await (done->async_receive(core::use_tuple) || budget.async_wait(core::use_tuple));
  if (first.index() == 1) co_return std::nullopt;
  const auto [ec, ok] = std::get<0>(first);
  co_return !ec && ok;
}

// The conversation is over for its client: the page ended the chat (a client's endOfConversation)
// or the channel ended its last token session. The user's login ends with it (docs/login-api.md:
// the bot calls /logout when the conversation ends): a login in progress is cancelled, the bank
// token revoked at the bank and wiped from the vault.
awaitable<response> conversation_ended(const state_ptr& s, const conversation_ref& ref, std::string_view traceparent) {
  s->deps.user_tokens.forget(ref);
  auto set = co_await s->deps.store.set_conversation_state(ref.tenant_id, ref.conversation_id,
                                                           store::conversation_state::ended);
  if (!set && set.error() != store::errc::not_found) {
    core::with_log_fields(log_ids(ref, traceparent), [&] {
      s->log->warn("/api/messages: conversation {} not marked ended: {}", ref.conversation_id, set.error().message());
    });
  }
  core::with_log_fields(log_ids(ref, traceparent), [&] {
    s->log->info("/api/messages: conversation {} ended by its client or the channel", ref.conversation_id);
  });
  co_return net::empty_response(200);
}

// One activity from the channel, authenticated (HTTP: the channel's JWT) or trusted (in-process:
// the channel of this process, whose replies go back through the link, never to serviceUrl).
awaitable<response> handle_activity(const state_ptr& s, const boost::json::value& body,
                                    std::optional<std::string> authorization, bool in_process,
                                    std::string traceparent = {}) {
  if (!s->started.load()) co_return net::error_response(net::errc::service_unavailable, "starting; retry shortly");
  auto a = parse_activity(body);
  if (!a) co_return net::error_response(net::errc::bad_request, "not a valid activity");
  a->traceparent = std::move(traceparent);
  // Only an authenticated activity (the channel's JWT, or the channel of this process) may
  // introduce a conversation the bot's store does not hold yet.
  bool may_register = in_process;
  if (!in_process) {
    if (auto ok = co_await s->auth->authenticate(std::move(authorization), *a); !ok) {
      co_return net::error_response(net::errc::unauthorized, "Unauthorized Access. Request is not authorized");
    }
    // An anonymous bot has no token binding serviceUrl: it replies only to its own channel, so
    // that a forged activity cannot point its replies (and their contents) anywhere else.
    if (s->auth->anonymous() && !a->service_url.starts_with(s->opts.channel_url + "/")) {
      co_return net::error_response(net::errc::unauthorized, "Unauthorized Access. Request is not authorized");
    }
    if (s->auth->anonymous()) {
      // Nothing proves who sent it: it may only speak in a conversation the channel started for
      // this bot (never create one, never reach another bot's).
      std::string tenant = s->opts.tenant;  // named arguments: GCC 12, PR 99576
      std::string conversation = a->conversation_id;
      auto conv = co_await s->deps.store.get_conversation(std::move(tenant), std::move(conversation));
      if (!conv || conv->bot_id != s->opts.id) {
        core::with_log_fields(
            {.conversation = a->conversation_id,
             .tenant = s->opts.tenant,
             .trace_id = net::trace_id_of(a->traceparent)},
            [&] { s->log->warn("/api/messages: unauthenticated activity for an unknown conversation refused"); });
        co_return net::error_response(net::errc::unauthorized, "Unauthorized Access. Request is not authorized");
      }
    } else {
      may_register = true;
    }
  }
  const auto ref = s->ref(a->conversation_id, a->from.id);
  if (a->type == "endOfConversation") co_return co_await conversation_ended(s, ref, a->traceparent);
  auto in = to_incoming(*a, s->deps.user_tokens.logged_in(ref));
  if (!in) co_return net::empty_response(200);  // typing, endOfConversation...: nothing to say
  if (a->type == "event" && a->name == "handoff.status") {
    // From the channel (a client cannot send handoff events): the user is told; a hand-back may
    // name the intent to resume, which runs as if the user had chosen it.
    auto resume = co_await on_handoff_status(s, *a);
    if (!resume) co_return net::empty_response(200);
    in->kind = assistant::activity_kind::message;
    in->name.clear();
    in->text.clear();
    in->value = boost::json::object{{"intent", *resume}};
  }
  if (in->kind == assistant::activity_kind::message && !in->text.empty()) {
    // A running login may be waiting for this message (customer id, method, one-time code).
    std::string text = in->text;
    auto consuming = s->deps.login.consume(ref, std::move(text));  // two statements: GCC 12, PR 99576
    if (co_await std::move(consuming)) co_return net::empty_response(200);
  }
  const std::string turn_trace = a->traceparent;  // a is moved into the turn
  core::with_log_fields(log_ids(ref, turn_trace),
                        [&] { s->log->debug("/api/messages: {} for conversation {}", a->type, a->conversation_id); });
  auto outcome = co_await within_budget(s, std::move(*a), std::move(*in), may_register);
  if (!outcome) {
    core::with_log_fields(log_ids(ref, turn_trace),
                          [&] { s->log->warn("/api/messages: turn over its budget; answering now, replies follow"); });
    co_return net::empty_response(200);
  }
  if (!*outcome) co_return net::error_response(net::errc::internal_error, "the bot could not process the activity");
  co_return net::empty_response(200);
}

awaitable<response> messages(const state_ptr& s, const request& req) {
  // A bot reached in-process (ADR 0007) takes activities only from the channel of its process:
  // over HTTP nobody is entitled to speak for that channel, whatever the credentials.
  if (s->deps.channel != nullptr) {
    co_return net::error_response(net::errc::forbidden, "this bot is reached in-process: /api/messages is closed");
  }
  std::optional<std::string> authorization;
  if (auto h = req.headers.get("authorization")) authorization = std::string(*h);
  // The server's traceparent for this request (always present): the login's calls to the bank join it.
  std::string traceparent(req.headers.get("traceparent").value_or(""));
  co_return co_await handle_activity(s, req.json(), std::move(authorization), false, std::move(traceparent));
}

}  // namespace

awaitable<int> service::receive_in_process(std::string activity_json, std::string traceparent) {
  const auto s = state_;
  // The limits of the /api/messages route: body size, then strict JSON at the route's depth.
  if (activity_json.size() > s->opts.max_activity_bytes) co_return 413;
  auto body = core::parse_json(activity_json, {activity_json.size() + 1, message_json_depth});
  if (!body) co_return 400;
  std::optional<std::string> no_authorization;  // a named argument: GCC 12, PR 99576
  auto r = co_await handle_activity(s, *body, std::move(no_authorization), true, std::move(traceparent));
  co_return r.status;
}

void add_message_routes(net::router& r, const state_ptr& s) {
  net::route_options o;
  o.max_body_bytes = s->opts.max_activity_bytes;
  o.json_body = true;
  o.require_json_body = true;
  o.max_json_depth = message_json_depth;
  r.post("/api/messages", [s](const request& q) { return messages(s, q); }, o);
}

}  // namespace parley::bot
