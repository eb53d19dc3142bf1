// The assistant's actions, performed in the background (never while an inbound POST waits), and
// their outcome resumed as a proactive message: a turn of its own under the same etag discipline,
// whose replies go to POST {serviceUrl}v3/conversations/{id}/activities (no replyToId).
#include "service_state.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/async.hpp>

#include <boost/asio/co_spawn.hpp>

#include <deque>
#include <mutex>

namespace parley::bot {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using assistant::action_result;
using assistant::action_status;

// Proactive messages have no replyToId. Every argument of a co_await call below is a named object:
// GCC 12 destroys a temporary argument of a coroutine call inside co_await twice (PR 99576).
const std::string no_reply_to;

action_result outcome(const assistant::action& a, action_status status, std::string reason = {}) {
  action_result r;
  r.action_id = a.id;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

awaitable<action_result> end_conversation(const state_ptr& s, const reply_target& to, const assistant::action& a) {
  const auto& c = to.conversation;
  auto activity = end_of_conversation_activity();
  auto sent = co_await s->connector->send(to.service_url, c.conversation_id, no_reply_to, std::move(activity));
  auto set = co_await s->deps.store.set_conversation_state(c.tenant_id, c.conversation_id,
                                                           store::conversation_state::ended);
  s->deps.user_tokens.forget(c);
  if (!sent || !set) co_return outcome(a, action_status::failed, !sent ? "channel_error" : "store_unavailable");
  core::with_log_fields(log_ids(to.conversation, to.traceparent),
                        [&] { s->log->info("conversation {} ended by the assistant", c.conversation_id); });
  co_return outcome(a, action_status::ok);
}

// The login executor's prompts, sent in order as proactive messages (say() may be called from any
// thread; one sender at a time drains the queue).
struct prompt_sender : std::enable_shared_from_this<prompt_sender> {
  prompt_sender(state_ptr st, reply_target t) : s(std::move(st)), to(std::move(t)) {}
  state_ptr s;
  reply_target to;
  std::mutex m;
  std::deque<boost::json::object> queue;
  bool busy = false;

  void say(login_prompt p) {
    boost::json::object activity;
    if (p.text.empty() && p.awaits_code) {
      // Nothing to show: a typing indicator that tells the channel's credential guard a code comes.
      activity = typing_activity();
    } else {
      assistant::reply r;
      r.text = std::move(p.text);
      r.expects_secret = p.expects_secret;
      for (auto& c : p.choices) r.suggested_actions.push_back({assistant::button_kind::im_back, c, boost::json::value(c)});
      if (!r.suggested_actions.empty() || r.expects_secret) r.hint = assistant::input_hint::expecting_input;
      activity = reply_activity(r, to.conversation.user_id, to.locale);
    }
    if (p.awaits_code) {
      auto& cd = activity["channelData"];
      if (!cd.is_object()) cd = boost::json::object{};
      auto& parley = cd.get_object()["parley"];
      if (!parley.is_object()) parley = boost::json::object{};
      parley.get_object()["awaitsCode"] = true;
    }
    {
      std::lock_guard lock(m);
      queue.push_back(std::move(activity));
      if (busy) return;
      busy = true;
    }
    asio::co_spawn(s->deps.io, drain(shared_from_this()), core::log_exceptions{s->log, "login prompt"});
  }

  static awaitable<void> drain(std::shared_ptr<prompt_sender> self) {
    for (;;) {
      boost::json::object next;
      {
        std::lock_guard lock(self->m);
        if (self->queue.empty()) {
          self->busy = false;
          co_return;
        }
        next = std::move(self->queue.front());
        self->queue.pop_front();
      }
      (void)co_await self->s->connector->send(self->to.service_url, self->to.conversation.conversation_id, no_reply_to,
                                              std::move(next));
    }
  }
};

awaitable<action_result> start_login(const state_ptr& s, const reply_target& to, const assistant::action& a) {
  try {
    login_request request{to.conversation, a.id, a.arguments, {}, to.traceparent};
    auto sender = std::make_shared<prompt_sender>(s, to);
    request.say = [sender](login_prompt p) { sender->say(std::move(p)); };
    // The call and the co_await are two statements: GCC 12 mishandles the lifetime of a by-value
    // class argument of a coroutine call inside a co_await expression (PR 99576).
    auto pending = s->deps.login.start_login(std::move(request));
    auto r = co_await std::move(pending);
    r.action_id = a.id;
    co_return r;
  } catch (const std::exception&) {
    // The seam's contract is never to throw; a login component that does is a bug, and the user
    // still gets an honest "the login did not work".
    core::with_log_fields(log_ids(to.conversation, to.traceparent), [&] {
      s->log->error("start_login threw for conversation {}", to.conversation.conversation_id);
    });
    co_return outcome(a, action_status::failed, "login_error");
  }
}

awaitable<action_result> perform(const state_ptr& s, const reply_target& to, const assistant::action& a) {
  switch (a.kind) {
    case assistant::action_kind::handoff: co_return co_await handoff(s, to, a);
    case assistant::action_kind::call_api: co_return co_await s->api.call(a, to.conversation, to.traceparent);
    case assistant::action_kind::start_login: co_return co_await start_login(s, to, a);
    case assistant::action_kind::end_conversation: co_return co_await end_conversation(s, to, a);
  }
  co_return outcome(a, action_status::failed, "unknown_action");
}

awaitable<void> run_actions(state_ptr s, reply_target to, assistant::action a) {
  struct in_flight {
    state_ptr s;
    ~in_flight() { --s->background; }
  } guard{s};
  // An action's resume may emit the next action (a flow with two action steps): follow the chain,
  // bounded so that a definition cannot make the bot loop.
  for (int step = 0; step < 8 && !s->stopped.load(); ++step) {
    core::with_log_fields(log_ids(to.conversation, to.traceparent), [&] {
      s->log->info("action {} {} for conversation {}", a.id, assistant::to_string(a.kind),
                   to.conversation.conversation_id);
    });
    const action_result r = co_await perform(s, to, a);
    const auto conversation_id = to.conversation.conversation_id;
    const engine_step resume = [&s, &r, &conversation_id, &to](const assistant::dialog_state& st) {
      // The assistant's lines (synchronous: no co_await in a step) are about this conversation.
      const auto ids = log_ids(to.conversation, to.traceparent);
      const core::log_fields_scope scope(ids);
      return s->engine.resume(*s->def, st, r, conversation_id);
    };
    auto turn = co_await transact(s, to.conversation, resume);
    if (!turn) {
      core::with_log_fields(log_ids(to.conversation, to.traceparent), [&] {
        s->log->warn("action {}: resume failed for conversation {}: {}", a.id, conversation_id, turn.error().message());
      });
      co_return;
    }
    for (const auto& reply : turn->replies) {
      auto activity = reply_activity(reply, to.conversation.user_id, to.locale);
      (void)co_await s->connector->send(to.service_url, conversation_id, no_reply_to, std::move(activity));
    }
    if (turn->actions.empty()) co_return;
    a = std::move(turn->actions.front());
    const bool slow = a.kind == assistant::action_kind::call_api || a.kind == assistant::action_kind::start_login;
    if (slow && s->opts.typing_before_actions) {
      auto typing = typing_activity();
      (void)co_await s->connector->send(to.service_url, conversation_id, no_reply_to, std::move(typing));
    }
  }
}

}  // namespace

void start_action(const state_ptr& s, reply_target to, assistant::action a) {
  if (s->stopped.load()) return;
  ++s->background;
  asio::co_spawn(s->deps.io, run_actions(s, std::move(to), std::move(a)), core::log_exceptions{s->log, "bot action"});
}

}  // namespace parley::bot
