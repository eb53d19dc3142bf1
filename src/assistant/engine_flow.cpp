// Running flows: prompting, reading answers, suspending on actions and resuming after them.
#include "engine_impl.hpp"
#include "slots.hpp"

#include <parley/core/log.hpp>
#include <parley/core/random.hpp>

namespace parley::assistant::detail {

const flow_def* session::active_flow() const {
  if (st_.flow.empty()) return nullptr;
  const auto f = m_.flow_index(st_.flow);
  return f ? &m_.flows[*f] : nullptr;
}

const step_def* session::current_step() const {
  const auto* flow = active_flow();
  if (!flow) return nullptr;
  const auto i = flow->step_index(st_.step);
  return i ? &flow->steps[*i] : nullptr;
}

void session::start_flow(std::size_t flow) {
  const auto& f = m_.flows[flow];
  if (!st_.flow.empty()) log_->debug("flow abandoned: conversation={} flow={}", conversation_, st_.flow);
  st_.flow = f.id;
  st_.step = f.steps.front().id;
  st_.attempts = 0;
  st_.values.clear();
  log_->debug("flow started: conversation={} flow={}", conversation_, f.id);
  run_steps();
}

void session::end_flow() {
  if (!st_.flow.empty()) log_->debug("flow ended: conversation={} flow={} step={}", conversation_, st_.flow, st_.step);
  st_.flow.clear();
  st_.step.clear();
  st_.attempts = 0;
  st_.values.clear();
  st_.awaiting_secret = false;
}

void session::advance() {
  const auto* flow = active_flow();
  const auto i = flow ? flow->step_index(st_.step) : std::nullopt;
  st_.attempts = 0;
  if (!i || *i + 1 >= flow->steps.size()) return end_flow();
  st_.step = flow->steps[*i + 1].id;
}

// Runs steps from the current one until one waits for the user or for an action, or the flow ends.
void session::run_steps() {
  while (const auto* step = current_step()) {
    switch (step->kind) {
      case step_kind::say:
        say(step->say, input_hint::accepting_input);
        advance();
        break;
      case step_kind::ask:
      case step_kind::confirm:
        prompt(*step, false);
        return;
      case step_kind::action: {
        action a;
        a.kind = step->action;
        a.operation = step->operation;
        a.reason = step->reason;
        if (a.kind == action_kind::handoff) {
          a.queue = step->queue;
          a.priority = step->priority;
          a.flow = st_.flow;
        }
        for (const auto& name : step->arguments) {
          const auto it = st_.values.find(name);
          if (it == st_.values.end()) continue;
          if (const auto* s = std::get_if<std::string>(&it->second)) a.arguments.emplace(name, *s);
        }
        emit(std::move(a), {});
        return;
      }
    }
  }
}

void session::emit(action a, std::string login_intent) {
  a.id = core::random_id(random_, "act_", 9);
  ++st_.action_seq;
  st_.pending = pending_action{a.id, a.kind, std::move(login_intent), core::unix_seconds(clock_.now())};
  log_->info("action: conversation={} action={} kind={} operation={} flow={} step={}", conversation_, a.id,
             to_string(a.kind), a.operation, st_.flow, st_.step);
  out_.actions.push_back(std::move(a));
}

void session::prompt(const step_def& step, bool again) {
  std::vector<suggested_action> buttons;
  if (step.say.buttons.empty()) {
    if (step.kind == step_kind::confirm || (step.kind == step_kind::ask && step.expect == expect_kind::yes_no)) {
      buttons.push_back({button_kind::im_back, m_.yes_title, boost::json::string(m_.yes_title)});
      buttons.push_back({button_kind::im_back, m_.no_title, boost::json::string(m_.no_title)});
    } else if (step.kind == step_kind::ask && step.expect == expect_kind::choice) {
      for (const auto& c : step.choices) {
        const bool post = step.choice_buttons == button_kind::post_back;
        buttons.push_back({step.choice_buttons, c.title, boost::json::string(post ? c.value : c.title)});
      }
    }
  }
  if (again && !step.reprompt.empty()) {
    say(step.reprompt, input_hint::expecting_input, step.secret, std::move(buttons));
  } else {
    if (again) say(m_.messages.invalid);
    say(step.say, input_hint::expecting_input, step.secret, std::move(buttons));
  }
  st_.awaiting_secret = step.secret;
}

void session::on_flow_input(std::string_view input, std::optional<std::size_t> chosen) {
  const auto* step = current_step();
  if (!step || (step->kind != step_kind::ask && step->kind != step_kind::confirm)) {
    // Only a pending action can leave a flow on another kind of step; without one, start afresh.
    log_->warn("flow without a waiting step: conversation={} flow={} step={}", conversation_, st_.flow, st_.step);
    end_flow();
    return route(input, chosen);
  }
  if (!chosen && is_cancel(input)) {
    log_->debug("flow cancelled: conversation={} flow={} step={}", conversation_, st_.flow, st_.step);
    end_flow();
    return say(m_.messages.cancelled, input_hint::accepting_input);
  }
  if (!chosen) {
    if (step->kind == step_kind::confirm) {
      if (const auto yn = parse_yes_no(input)) {
        if (*yn == yes_no::yes) {
          advance();
          return run_steps();
        }
        say(step->declined.empty() ? m_.messages.cancelled : step->declined, input_hint::accepting_input);
        return end_flow();
      }
    } else {
      const auto now = clock_.now() + utc_offset_.value_or(std::chrono::minutes{0});
      const answer_context ctx{locale_, std::chrono::floor<std::chrono::days>(now), opts_.max_value_bytes};
      if (auto value = parse_answer(*step, input, ctx)) {
        log_->debug("slot filled: conversation={} flow={} slot={}", conversation_, st_.flow, step->id);
        st_.values[step->id] = cut(std::move(*value));
        advance();
        return run_steps();
      }
    }
  }
  // Not an answer: perhaps a question on the side ("what are your opening hours?").
  std::optional<std::size_t> intent = chosen;
  double score = 1.0;
  if (!intent) {
    const auto r = m_.matcher.match(input);
    if (r.kind == match_kind::match) {
      intent = r.intent;
      score = r.score;
    }
  }
  if (intent) {
    const auto& def = m_.intents[*intent];
    const auto* flow = active_flow();
    const bool same_flow = def.flow && flow && m_.flows[*def.flow].id == flow->id;
    if (!same_flow) {
      log_->debug("digression: conversation={} flow={} intent={}", conversation_, st_.flow, def.id);
      if (def.flow) {
        // Another task: leave this flow for it.
        end_flow();
        return run_intent_checked(*intent, score);
      }
      // A question on the side: answer it, then ask again. It does not count as an attempt.
      run_intent_checked(*intent, score);
      if (st_.pending) return;  // the answer needs a login first; the flow waits behind it
      return prompt(*step, false);
    }
    return prompt(*step, false);
  }
  ++st_.attempts;
  if (st_.attempts >= step->max_attempts) {
    log_->debug("gave up: conversation={} flow={} step={} attempts={}", conversation_, st_.flow, step->id,
                st_.attempts);
    say(step->give_up.empty() ? m_.messages.give_up : step->give_up, input_hint::accepting_input);
    return end_flow();
  }
  prompt(*step, true);
}

// The requires_login intent whose flow is running, if any.
std::optional<std::size_t> session::flow_intent() const {
  const auto flow = st_.flow.empty() ? std::nullopt : m_.flow_index(st_.flow);
  for (std::size_t i = 0; flow && i < m_.intents.size(); ++i) {
    if (m_.intents[i].requires_login && m_.intents[i].flow == flow) return i;
  }
  return std::nullopt;
}

// The back end no longer takes the user's token (revoked or expired there) in the flow of an
// intent that needed the login, so the user was logged in when it began: the task cannot go on,
// and retrying it silently would be wrong (a transfer needs its confirmation again). The button
// runs the intent again, which logs in first.
void session::login_expired(std::size_t intent) {
  log_->info("login ended at the back end: conversation={} flow={} step={}", conversation_, st_.flow, st_.step);
  logged_in_ = false;
  end_flow();
  const auto& def = m_.intents[intent];
  if (!def.not_logged_in.empty()) {
    // An intent that makes sense only while logged in (e.g. log out) says what it says then.
    return say(def.not_logged_in, input_hint::accepting_input);
  }
  std::vector<suggested_action> buttons{
      {button_kind::post_back, m_.login_again_title, boost::json::object{{"intent", def.id}}}};
  say(m_.messages.login_expired, input_hint::accepting_input, false, std::move(buttons));
}

void session::resume_step(const step_def& step, const action_result& result) {
  if (step.action == action_kind::call_api && result.status == action_status::failed &&
      result.reason == not_logged_in_reason) {
    // Elsewhere (an intent without requires_login) the user may never have logged in: the step's
    // own failure message is right there (e.g. "call the card emergency line").
    if (const auto intent = flow_intent()) return login_expired(*intent);
  }
  const say_spec* failure = nullptr;
  switch (result.status) {
    case action_status::ok:
      break;
    case action_status::failed:
      failure = &step.failed;
      break;
    case action_status::denied:
      failure = step.denied.empty() ? &step.failed : &step.denied;
      break;
    case action_status::timeout:
      failure = step.timeout.empty() ? &step.failed : &step.timeout;
      break;
  }
  if (!failure) {
    for (const auto& name : step.results) {
      const auto it = result.values.find(name);
      if (it == result.values.end()) {
        log_->warn("action result lacks a declared value: conversation={} flow={} step={} value={}", conversation_,
                   st_.flow, step.id, name);
        failure = &step.failed;
        break;
      }
      if (const auto* s = std::get_if<std::string>(&it->second)) {
        st_.values[name] = cut(*s);
      } else {
        std::vector<std::string> list;
        for (const auto& e : std::get<std::vector<std::string>>(it->second)) {
          if (list.size() >= 50) break;
          list.push_back(cut(e));
        }
        st_.values[name] = std::move(list);
      }
    }
  }
  if (failure) {
    say(failure->empty() ? m_.messages.action_failed : *failure, input_hint::accepting_input);
    return end_flow();
  }
  advance();
  run_steps();
}

}  // namespace parley::assistant::detail
