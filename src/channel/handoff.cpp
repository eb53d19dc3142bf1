// The channel's side of a handoff (ADR 0021, include/parley/channel/handoff.hpp): a bot's
// handoff.initiate recorded and passed to the desk, the desk's steps (accept, consultant
// messages, queue position, end) applied to the conversation, and handoff.status sent to the bot.
// The conversation's state in the store is the one source of truth for who owns it; the desk
// decides who wins a conversation (its compare-and-set) before it calls accept_handoff().
#include "handoff_protocol.hpp"
#include "routes.hpp"

#include <parley/core/log_fields.hpp>

#include <boost/json/serialize.hpp>

namespace parley::channel {

namespace json = boost::json;
using boost::asio::awaitable;
using store::conversation_state;

namespace {

constexpr std::size_t max_status_message_bytes = 1000;

bool handed_off(conversation_state s) {
  return s == conversation_state::waiting_for_consultant || s == conversation_state::with_consultant;
}

// Appends a `parley.handoff` event for the widget (sender "channel", from the bot's account).
awaitable<void> tell_widget(const state_ptr& s, const bot_options& bot, const store::conversation& conv,
                            const widget_handoff& w) {
  auto activity = normalize_bot_activity(json::value(widget_handoff_activity(w)),
                                         s->context(bot, conv.id, conv.user_id), std::nullopt);
  if (!activity) co_return;
  const conversation_ref ref{conv.tenant_id, conv.id};
  activity_append a{std::move(*activity), "channel", std::nullopt, {}, {}};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended)
    core::with_log_fields({.conversation = conv.id, .tenant = conv.tenant_id}, [&] {
      s->log->warn("handoff: widget event for {} not stored: {}", conv.id, appended.error().message());
    });
}

// Appends handoff.status (record type "handoff": not for clients) and delivers it to the bot: in
// the background, or with `before_answer` before the caller answers the bot's own POST (the
// refusal of a handoff.initiate, so that the bot has it before its send completes).
awaitable<void> tell_bot(const state_ptr& s, const bot_options& bot, const store::conversation& conv,
                         std::string_view state, std::string_view message, std::string_view resume_intent,
                         bool before_answer = false) {
  auto activity = handoff_status(s->context(bot, conv.id, conv.user_id), state, message, resume_intent);
  const conversation_ref ref{conv.tenant_id, conv.id};
  activity_append a{std::move(activity), "channel", std::nullopt, {}, {}, 0, std::string(handoff_record_type)};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended) {
    core::with_log_fields({.conversation = conv.id, .tenant = conv.tenant_id}, [&] {
      s->log->warn("handoff: status {} for {} not stored: {}", state, conv.id, appended.error().message());
    });
    co_return;
  }
  core::with_log_fields({.conversation = conv.id, .tenant = conv.tenant_id},
                        [&] { s->log->info("handoff: conversation {} status {}", conv.id, state); });
  if (!before_answer) {
    s->deliver_in_background(bot, appended->body, conv.id);
    co_return;
  }
  auto delivered = co_await s->bot->deliver(bot, std::move(appended->body), {}, conv.id);
  if (!delivered)
    core::with_log_fields({.conversation = conv.id, .tenant = conv.tenant_id}, [&] {
      s->log->warn("handoff: status {} for {} not delivered: {}", state, conv.id, delivered.error().message());
    });
}

struct located {
  const bot_options* bot = nullptr;
  store::conversation conv;
};

awaitable<result<located>> locate(const state_ptr& s, std::string tenant_id, std::string conversation_id) {
  if (!s->started.load()) co_return make_error_code(errc::not_started);
  const conversation_ref ref{std::move(tenant_id), std::move(conversation_id)};
  auto conv = co_await s->conversations.get(ref);
  if (!conv) co_return conv.error();
  const auto* bot = s->bots.by_id(conv->bot_id);
  if (bot == nullptr) co_return make_error_code(errc::not_found);
  co_return located{bot, std::move(*conv)};
}

awaitable<result<void>> set_state(const state_ptr& s, const store::conversation& conv, conversation_state to) {
  auto set = co_await s->deps.store.set_conversation_state(conv.tenant_id, conv.id, to);
  if (!set) co_return from_store(set.error());
  co_return result<void>{};
}

}  // namespace

awaitable<result<std::string>> post_bot_handoff(const state_ptr& s, const bot_options& bot,
                                                const store::conversation& conv, json::object activity,
                                                std::optional<std::string> idempotency) {
  std::string problem;
  auto context = parse_handoff_initiate(activity, &problem);
  if (!context) co_return context.error();
  // Recorded first, so that a retry (botbuilder retries a POST whose answer it lost, with the same
  // x-ms-client-request-id) finds the first one and gets its id, whatever the state is by now.
  const conversation_ref ref{conv.tenant_id, conv.id};
  activity_append a{std::move(activity), "bot", std::move(idempotency), {}, {}, 0, std::string(handoff_record_type)};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended) co_return appended.error();
  if (appended->duplicate) co_return std::move(appended->id);  // a retry: the first one did the rest
  // One handoff at a time; an ended conversation takes none. (The refused event stays in the
  // record, hidden from clients like every handoff event.)
  if (conv.state != conversation_state::with_bot) co_return make_error_code(errc::wrong_state);
  if (s->deps.handoff == nullptr) {
    // No service desk in this deployment: say so at once rather than leave the user waiting, and
    // before the bot's POST is answered, so that the bot knows the outcome when its send returns.
    core::with_log_fields({.conversation = conv.id, .tenant = conv.tenant_id},
                          [&] { s->log->info("handoff: conversation {} refused: no service desk", conv.id); });
    co_await tell_bot(s, bot, conv, "failed", "no service desk is configured", {}, /*before_answer=*/true);
    co_return std::move(appended->id);
  }
  if (auto set = co_await set_state(s, conv, conversation_state::waiting_for_consultant); !set) co_return set.error();
  co_await tell_widget(s, bot, conv, {"waiting", {}, std::nullopt, std::nullopt});
  handoff_request r;
  r.tenant_id = conv.tenant_id;
  r.conversation_id = conv.id;
  r.bot_id = bot.id;
  r.reason = std::move(context->reason);
  r.failed_intent = std::move(context->failed_intent);
  r.queue = std::move(context->queue);
  r.priority = context->priority;
  r.activity_id = appended->id;
  r.transcript_activities = context->transcript_activities;
  r.requested_at = s->deps.clock.now();
  core::with_log_fields({.conversation = conv.id, .tenant = conv.tenant_id}, [&] {
    s->log->info("handoff: conversation {} waiting for a consultant (queue '{}', priority {})", conv.id, r.queue,
                 r.priority);
  });
  s->deps.handoff->handoff_requested(r);
  co_return std::move(appended->id);
}

void notify_handoff_abandoned(const state_ptr& s, const store::conversation& before) {
  if (s->deps.handoff == nullptr || !handed_off(before.state)) return;
  core::with_log_fields({.conversation = before.id, .tenant = before.tenant_id},
                        [&] { s->log->info("handoff: conversation {} ended while handed off", before.id); });
  s->deps.handoff->handoff_abandoned(before.tenant_id, before.id);
}

awaitable<result<void>> service::accept_handoff(std::string tenant_id, std::string conversation_id,
                                                std::string display_name) {
  const auto s = state_;
  if (!valid_display_name(display_name)) co_return make_error_code(errc::bad_argument);
  auto at = co_await locate(s, std::move(tenant_id), std::move(conversation_id));
  if (!at) co_return at.error();
  if (at->conv.state != conversation_state::waiting_for_consultant) co_return make_error_code(errc::wrong_state);
  if (auto set = co_await set_state(s, at->conv, conversation_state::with_consultant); !set) co_return set;
  co_await tell_widget(s, *at->bot, at->conv, {"accepted", display_name, std::nullopt, std::nullopt});
  co_await tell_bot(s, *at->bot, at->conv, "accepted", {}, {});
  co_return result<void>{};
}

awaitable<result<std::string>> service::send_as_consultant(std::string tenant_id, std::string conversation_id,
                                                           std::string display_name, bool typing, std::string text) {
  const auto s = state_;
  if (!valid_display_name(display_name)) co_return make_error_code(errc::bad_argument);
  if (!typing && text.empty()) co_return make_error_code(errc::bad_argument);
  if (!typing && text.size() > s->opts.max_text_bytes) co_return make_error_code(errc::too_large);
  auto at = co_await locate(s, std::move(tenant_id), std::move(conversation_id));
  if (!at) co_return at.error();
  if (at->conv.state != conversation_state::with_consultant) co_return make_error_code(errc::wrong_state);
  json::object body{{"type", typing ? "typing" : "message"}};
  if (!typing) body["text"] = text;
  auto activity = normalize_bot_activity(json::value(std::move(body)),
                                         s->context(*at->bot, at->conv.id, at->conv.user_id), std::nullopt);
  if (!activity) co_return activity.error();
  // Who speaks: the name the tenant shows for its consultant, never an IdP identifier.
  (*activity)["from"] = to_json(account{"consultant", display_name, "bot"});
  (*activity)["channelData"] = json::object{{"parley", json::object{{"sender", "consultant"}}}};
  const conversation_ref ref{at->conv.tenant_id, at->conv.id};
  activity_append a{std::move(*activity), "consultant", std::nullopt, {}, {}, s->opts.max_activity_bytes};
  auto appended = co_await s->conversations.append(ref, std::move(a));
  if (!appended) co_return appended.error();
  co_return std::move(appended->id);
}

awaitable<result<void>> service::update_handoff(std::string tenant_id, std::string conversation_id,
                                                std::uint32_t position, std::chrono::seconds estimated_wait) {
  const auto s = state_;
  if (position == 0 || estimated_wait.count() < 0) co_return make_error_code(errc::bad_argument);
  auto at = co_await locate(s, std::move(tenant_id), std::move(conversation_id));
  if (!at) co_return at.error();
  // Waiting, or transferred (with_consultant at the channel while the desk finds the next one).
  if (!handed_off(at->conv.state)) co_return make_error_code(errc::wrong_state);
  co_await tell_widget(s, *at->bot, at->conv, {"waiting", {}, position, estimated_wait.count()});
  co_return result<void>{};
}

awaitable<result<void>> service::transfer_handoff(std::string tenant_id, std::string conversation_id,
                                                  std::string to_display_name) {
  const auto s = state_;
  if (!to_display_name.empty() && !valid_display_name(to_display_name)) co_return make_error_code(errc::bad_argument);
  auto at = co_await locate(s, std::move(tenant_id), std::move(conversation_id));
  if (!at) co_return at.error();
  if (at->conv.state != conversation_state::with_consultant) co_return make_error_code(errc::wrong_state);
  // The conversation stays with_consultant at the channel either way: the user's messages are
  // stored and go to the desk (the next consultant reads them), never to the bot in between.
  if (to_display_name.empty()) {
    co_await tell_widget(s, *at->bot, at->conv, {"waiting", {}, std::nullopt, std::nullopt, true});
  } else {
    co_await tell_widget(s, *at->bot, at->conv, {"accepted", to_display_name, std::nullopt, std::nullopt, true});
  }
  core::with_log_fields({.conversation = at->conv.id, .tenant = at->conv.tenant_id},
                        [&] { s->log->info("handoff: conversation {} transferred", at->conv.id); });
  co_return result<void>{};
}

awaitable<result<void>> service::end_handoff(std::string tenant_id, std::string conversation_id,
                                             handoff_outcome outcome, std::string message, std::string resume_intent) {
  const auto s = state_;
  if (message.size() > max_status_message_bytes) co_return make_error_code(errc::too_large);
  if (!resume_intent.empty() && (outcome != handoff_outcome::completed || !valid_intent_id(resume_intent))) {
    co_return make_error_code(errc::bad_argument);
  }
  auto at = co_await locate(s, std::move(tenant_id), std::move(conversation_id));
  if (!at) co_return at.error();
  if (!handed_off(at->conv.state)) co_return make_error_code(errc::wrong_state);
  if (auto set = co_await set_state(s, at->conv, conversation_state::with_bot); !set) co_return set;
  const std::string_view status = outcome == handoff_outcome::completed ? "completed" : "failed";
  co_await tell_widget(s, *at->bot, at->conv, {status, {}, std::nullopt, std::nullopt});
  co_await tell_bot(s, *at->bot, at->conv, status, message, resume_intent);
  co_return result<void>{};
}

}  // namespace parley::channel
