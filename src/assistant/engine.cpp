// Routing of one turn: welcome, pending actions, active flows, intents, fallback.
#include "engine_impl.hpp"
#include "normalise.hpp"

#include <parley/assistant/dialog.hpp>
#include <parley/core/log.hpp>

#include <algorithm>

namespace parley::assistant {
namespace detail {
namespace {

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Logs a back end's reason only when it is shaped like a code, so that a back end that puts
// user data in it cannot leak that data into the logs.
std::string loggable_reason(std::string_view reason) {
  const bool code = !reason.empty() && reason.size() <= 64 && std::all_of(reason.begin(), reason.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
  return code ? std::string(reason) : "<" + std::to_string(reason.size()) + " bytes>";
}

}  // namespace

session::session(const options& opts, core::random_source& random, const core::clock& clock, const model& m,
                 dialog_state state, std::string_view conversation_id)
    : opts_(opts),
      random_(random),
      clock_(clock),
      m_(m),
      out_{{}, {}, std::move(state), {}, 0},
      st_(out_.state),
      conversation_(conversation_id),
      log_(core::logger("assistant")) {
  if (const char* why = sanitise(m_, st_)) {
    log_->warn("dialog state reset: conversation={} reason={}", conversation_, why);
  }
}

const char* session::sanitise(const model& m, dialog_state& s) {
  const char* why = nullptr;
  if (s.definition_version != m.version) {
    const bool welcomed = s.welcomed;
    const auto seq = s.action_seq;
    const bool fresh = s == dialog_state{};
    s = dialog_state{};
    s.definition_version = m.version;
    s.welcomed = welcomed;
    s.action_seq = seq;
    return fresh ? nullptr : "definition_version";
  }
  if (!s.flow.empty()) {
    const auto f = m.flow_index(s.flow);
    if (!f || !m.flows[*f].step_index(s.step)) {
      s.flow.clear();
      s.step.clear();
      s.values.clear();
      s.attempts = 0;
      s.pending.reset();
      s.awaiting_secret = false;
      why = "unknown_flow_or_step";
    }
  } else if (!s.step.empty() || !s.values.empty() || s.attempts != 0) {
    s.step.clear();
    s.values.clear();
    s.attempts = 0;
    why = "values_without_flow";
  }
  if (s.pending) {
    const bool login_gate = !s.pending->intent.empty();
    if ((login_gate && !m.intent_index(s.pending->intent)) || (!login_gate && s.flow.empty())) {
      s.pending.reset();
      why = "unknown_pending_action";
    }
  }
  return why;
}

bool session::is_cancel(std::string_view input) const {
  if (input.size() > 64) return false;
  const auto c = intent_matcher::canonical(input);
  return std::find(m_.cancel_phrases.begin(), m_.cancel_phrases.end(), c) != m_.cancel_phrases.end();
}

void session::on_welcome_trigger() {
  if (st_.welcomed) return;
  st_.welcomed = true;
  say(m_.welcome, input_hint::accepting_input);
  log_->debug("welcome: conversation={}", conversation_);
}

void session::on_message(const incoming& in) {
  locale_ = in.locale;
  utc_offset_ = in.utc_offset;
  logged_in_ = in.logged_in;
  std::string_view input = in.text;
  if (trim(input).empty() && in.value.is_string()) input = in.value.get_string();
  input = trim(utf8_prefix(input, opts_.max_input_bytes));
  text_ = std::string(input);

  // A button of ours ({"intent": "<id>"}) selects an intent without matching.
  std::optional<std::size_t> chosen;
  if (const auto* o = in.value.if_object()) {
    if (const auto* id = o->if_contains("intent"); id && id->is_string()) {
      chosen = m_.intent_index(std::string_view(id->get_string()));
      if (!chosen) log_->debug("unknown intent button: conversation={}", conversation_);
    }
  }
  st_.awaiting_secret = false;

  if (st_.pending) {
    const auto age = std::chrono::seconds{core::unix_seconds(clock_.now()) - st_.pending->since};
    if (age <= opts_.pending_timeout) {
      if (is_cancel(input)) {
        log_->info("pending action cancelled by the user: conversation={} action={}", conversation_, st_.pending->id);
        st_.pending.reset();
        end_flow();
        say(m_.messages.cancelled, input_hint::accepting_input);
      } else {
        say(m_.messages.busy, input_hint::ignoring_input);
      }
      return;
    }
    log_->warn("pending action expired: conversation={} action={} kind={}", conversation_, st_.pending->id,
               to_string(st_.pending->kind));
    st_.pending.reset();
    end_flow();
  }
  if (!st_.flow.empty()) return on_flow_input(input, chosen);
  route(input, chosen);
}

void session::route(std::string_view input, std::optional<std::size_t> chosen) {
  if (chosen) return run_intent_checked(*chosen, 1.0);
  const auto r = m_.matcher.match(input);
  switch (r.kind) {
    case match_kind::match:
      log_->debug("match: conversation={} intent={} score={:.3f}", conversation_, m_.intents[*r.intent].id, r.score);
      return run_intent_checked(*r.intent, r.score);
    case match_kind::ambiguous:
      log_->debug("ambiguous: conversation={} intents={},{} scores={:.3f},{:.3f}", conversation_,
                  m_.intents[*r.intent].id, m_.intents[*r.runner_up].id, r.score, r.runner_up_score);
      return offer_choice(*r.intent, *r.runner_up);
    case match_kind::none:
      log_->debug("no match: conversation={} best={:.3f}", conversation_, r.score);
      return miss();
  }
}

void session::offer_choice(std::size_t a, std::size_t b) {
  std::vector<suggested_action> buttons;
  for (const auto i : {a, b}) {
    buttons.push_back({button_kind::post_back, m_.intents[i].title, boost::json::object{{"intent", m_.intents[i].id}}});
  }
  say(m_.messages.ambiguous, input_hint::expecting_input, false, std::move(buttons));
}

void session::run_intent_checked(std::size_t intent, double score) {
  const auto& def = m_.intents[intent];
  st_.misses = 0;
  out_.intent = def.id;
  out_.score = score;
  if (def.requires_login && !logged_in_) {
    if (!def.not_logged_in.empty()) {
      say(def.not_logged_in, input_hint::accepting_input);
      return;
    }
    say(m_.messages.login_required, input_hint::ignoring_input);
    action a;
    a.kind = action_kind::start_login;
    emit(std::move(a), def.id);
    return;
  }
  run_intent(intent);
}

void session::run_intent(std::size_t intent) {
  const auto& def = m_.intents[intent];
  out_.intent = def.id;
  say(def.say, def.flow ? input_hint::none : input_hint::accepting_input);
  if (def.flow) start_flow(*def.flow);
}

void session::miss() {
  ++st_.misses;
  if (m_.handoff_after > 0 && st_.misses >= m_.handoff_after && m_.handoff_flow) {
    log_->info("fallback limit reached: conversation={} misses={}", conversation_, st_.misses);
    st_.misses = 0;
    start_flow(*m_.handoff_flow);
    return;
  }
  say(m_.fallback, input_hint::accepting_input);
}

void session::on_result(const action_result& result) {
  if (!st_.pending || st_.pending->id != result.action_id) {
    log_->warn("result for an action that is not pending: conversation={} action={}", conversation_,
               loggable_reason(result.action_id));
    return;
  }
  const auto pending = *st_.pending;
  st_.pending.reset();
  log_->info("action result: conversation={} action={} kind={} status={} reason={}", conversation_, pending.id,
             to_string(pending.kind), static_cast<int>(result.status), loggable_reason(result.reason));
  if (!pending.intent.empty()) {
    // A login started for a requires_login intent.
    const auto intent = m_.intent_index(pending.intent);
    switch (result.status) {
      case action_status::ok:
        logged_in_ = true;
        if (intent) run_intent(*intent);
        return;
      case action_status::failed:
        return say(m_.messages.login_failed, input_hint::accepting_input);
      case action_status::denied:
        return say(m_.messages.login_denied, input_hint::accepting_input);
      case action_status::timeout:
        return say(m_.messages.login_timeout, input_hint::accepting_input);
    }
    return;
  }
  const auto* step = current_step();
  if (!step || step->kind != step_kind::action || step->action != pending.kind) {
    log_->warn("action result does not fit the current step: conversation={} action={}", conversation_, pending.id);
    end_flow();
    return;
  }
  resume_step(*step, result);
}

std::string session::render(const say_spec& spec) {
  const auto n = spec.variations.size();
  const std::size_t pick = n <= 1 ? 0 : static_cast<std::size_t>(core::random_below(random_, n));
  const dialog_value text_value{text_};
  const dialog_value name_value{m_.name};
  return spec.variations[pick].render([&](std::string_view name) -> const dialog_value* {
    if (name == "text") return &text_value;
    if (name == "assistant") return &name_value;
    const auto it = st_.values.find(std::string(name));
    return it == st_.values.end() ? nullptr : &it->second;
  });
}

void session::say(const say_spec& spec, input_hint hint, bool expects_secret, std::vector<suggested_action> extra) {
  if (spec.empty()) return;
  reply r;
  r.text = render(spec);
  if (r.text.find_first_not_of(" \t\r\n") == std::string::npos && spec.buttons.empty() && extra.empty()) return;
  r.suggested_actions = spec.buttons;
  for (auto& b : extra) r.suggested_actions.push_back(std::move(b));
  r.hint = hint;
  r.expects_secret = expects_secret;
  out_.replies.push_back(std::move(r));
}

std::string session::cut(std::string value) const {
  // Values go into the stored state, which is strict JSON: no invalid UTF-8 may reach it.
  value = sanitise_utf8(value);
  if (value.size() > opts_.max_value_bytes) value = std::string(utf8_prefix(value, opts_.max_value_bytes));
  return value;
}

}  // namespace detail

engine::engine(options opts, core::random_source& random, const core::clock& clock)
    : opts_(opts), random_(random), clock_(clock) {}

turn_result engine::turn(const definition& def, const dialog_state& state, const incoming& in) const {
  detail::session s(opts_, random_, clock_, def.model(), state,
                    in.conversation_id.empty() ? std::string_view(in.user_id) : std::string_view(in.conversation_id));
  switch (in.kind) {
    case activity_kind::conversation_update:
      if (in.user_joined) s.on_welcome_trigger();
      break;
    case activity_kind::event: {
      const auto& events = def.model().welcome_events;
      if (std::find(events.begin(), events.end(), in.name) != events.end()) s.on_welcome_trigger();
      break;
    }
    case activity_kind::message:
      s.on_message(in);
      break;
  }
  return s.finish();
}

turn_result engine::resume(const definition& def, const dialog_state& state, const action_result& result,
                           std::string_view conversation_id) const {
  detail::session s(opts_, random_, clock_, def.model(), state, conversation_id);
  s.on_result(result);
  return s.finish();
}

dialog_state engine::restore(const definition& def, std::string_view stored, std::string_view conversation_id) const {
  dialog_state fresh;
  fresh.definition_version = def.version();
  if (stored.empty()) return fresh;
  auto parsed = state_from_json(stored, opts_.max_state_bytes);
  auto log = core::logger("assistant");
  if (!parsed) {
    log->warn("dialog state reset: conversation={} reason={} bytes={}", conversation_id, parsed.error().message(),
              stored.size());
    return fresh;
  }
  if (const char* why = detail::session::sanitise(def.model(), *parsed)) {
    log->warn("dialog state reset: conversation={} reason={}", conversation_id, why);
  }
  return std::move(*parsed);
}

}  // namespace parley::assistant
