// The assistant's side of Bot Framework's handoff protocol (ADR 0021): the `handoff` action sends
// the event `handoff.initiate` through the Connector, as any botbuilder bot does (value: reason,
// failedIntent = the flow it was emitted in, queue, priority), and the
// channel's `handoff.status` answers are turned into what the user hears: nothing on `accepted`
// (the widget shows who joined), an apology with the desk's explanation on `failed`, "the
// assistant is back" on `completed`, followed by the intent the consultant asked to resume.
#include "service_state.hpp"

#include <parley/bot/error.hpp>

#include <boost/json/object.hpp>

namespace parley::bot {

namespace json = boost::json;
using assistant::action_result;
using assistant::action_status;
using boost::asio::awaitable;

namespace {

constexpr std::string_view failed_notice = "I'm sorry, no consultant can take your conversation right now.";
constexpr std::string_view failed_alternatives = "You can keep asking me, or try again later.";
constexpr std::string_view back_notice = "You're back with the assistant.";

// Proactive messages have no replyToId; a named object (GCC 12, PR 99576).
const std::string no_reply_to;

awaitable<void> say(const state_ptr& s, const reply_target& to, std::string text) {
  assistant::reply r;
  r.text = std::move(text);
  auto activity = reply_activity(r, to.conversation.user_id, to.locale);
  (void)co_await s->connector->send(to.service_url, to.conversation.conversation_id, no_reply_to, std::move(activity));
}

}  // namespace

awaitable<action_result> handoff(const state_ptr& s, const reply_target& to, const assistant::action& a) {
  const auto& c = to.conversation;
  json::object value{{"reason", a.reason}, {"priority", a.priority}};
  if (!a.flow.empty()) value["failedIntent"] = a.flow;
  if (!a.queue.empty()) value["queue"] = a.queue;
  // No transcript attachment: the channel stores every activity of the conversation and the desk
  // shows that record (masked, with its integrity marker); a copy would only double it (ADR 0021).
  json::object event{{"type", "event"}, {"name", "handoff.initiate"}, {"value", std::move(value)}};
  {
    std::lock_guard lock(s->handoff_mutex);
    s->handoffs_in_flight[c.conversation_id] = false;
  }
  auto sent = co_await s->connector->send(to.service_url, c.conversation_id, no_reply_to, std::move(event));
  bool refused = false;
  {
    std::lock_guard lock(s->handoff_mutex);
    if (auto it = s->handoffs_in_flight.find(c.conversation_id); it != s->handoffs_in_flight.end()) {
      refused = it->second;
      s->handoffs_in_flight.erase(it);
    }
  }
  action_result r;
  r.action_id = a.id;
  if (refused) {
    // The channel answered handoff.status `failed` before our send returned (no service desk):
    // the definition's `failed` message tells the user what else they can do.
    core::with_log_fields(log_ids(to.conversation, to.traceparent),
                          [&] { s->log->info("handoff: conversation {} refused by the channel", c.conversation_id); });
    r.status = action_status::failed;
    r.reason = "handoff_refused";
    co_return r;
  }
  if (!sent) {
    core::with_log_fields(log_ids(to.conversation, to.traceparent), [&] {
      s->log->warn("handoff: conversation {}: handoff.initiate refused: {}", c.conversation_id, sent.error().message());
    });
    r.status = action_status::failed;
    r.reason = "channel_refused";
    co_return r;
  }
  // What the user is told is the definition's next step ("A consultant will join..."); the
  // widget shows the wait from the channel's parley.handoff events.
  core::with_log_fields(log_ids(to.conversation, to.traceparent), [&] {
    s->log->info("handoff: conversation {} handoff.initiate sent (queue '{}')", c.conversation_id, a.queue);
  });
  r.status = action_status::ok;
  co_return r;
}

awaitable<std::optional<std::string>> on_handoff_status(const state_ptr& s, const inbound_activity& a) {
  const auto* value = a.value.if_object();
  const auto* state = value ? value->if_contains("state") : nullptr;
  if (state == nullptr || !state->is_string()) co_return std::nullopt;
  const reply_target to{s->ref(a.conversation_id, a.from.id), a.service_url, a.locale};
  std::string message;
  if (const auto* m = value->if_contains("message"); m && m->is_string() && m->get_string().size() <= 1000) {
    message = std::string(m->get_string());
  }
  core::with_log_fields(log_ids(to.conversation, a.traceparent), [&] {
    s->log->info(
        "handoff: conversation {} status {}", a.conversation_id,
        state->get_string() == "accepted" || state->get_string() == "failed" || state->get_string() == "completed"
            ? std::string_view(state->get_string())
            : std::string_view("(unknown)"));
  });
  if (state->get_string() == "failed") {
    {
      std::lock_guard lock(s->handoff_mutex);
      if (auto it = s->handoffs_in_flight.find(a.conversation_id); it != s->handoffs_in_flight.end()) {
        it->second = true;  // the answer to the initiate being sent: the action reports it
        co_return std::nullopt;
      }
    }
    std::string text(failed_notice);
    if (!message.empty()) text += " " + message;
    text += " ";
    text += failed_alternatives;
    co_await say(s, to, std::move(text));
  } else if (state->get_string() == "completed") {
    std::string text(back_notice);  // a named argument: GCC 12, PR 99576
    co_await say(s, to, std::move(text));
    const auto* intent = value->if_contains("resumeIntent");
    if (intent && intent->is_string() && !intent->get_string().empty()) co_return std::string(intent->get_string());
  }
  co_return std::nullopt;
}

}  // namespace parley::bot
