// Flows and their steps. A flow is a straight line of steps; the slots an `ask` step fills and
// the results an `action` step declares become placeholders and arguments for the steps after it.
#include "loader_impl.hpp"
#include "normalise.hpp"
#include "stemmer.hpp"

#include <algorithm>
#include <cmath>

namespace parley::assistant::detail {
namespace {

constexpr std::int64_t max_attempts_limit = 10;

std::vector<std::string> stemmed(std::string_view phrase) {
  std::vector<std::string> out;
  for (const auto& t : tokenise(phrase)) out.push_back(porter_stem(t));
  return out;
}

bool in_scope(const scope& sc, std::string_view name) {
  return std::find(sc.names.begin(), sc.names.end(), name) != sc.names.end();
}

}  // namespace

void loader::read_choices(table_reader& t, step_def& step) {
  auto list = t.tables("choices");
  if (list.empty()) {
    t.error("choices", "an ask step with expect = \"choice\" needs `choices`");
    return;
  }
  std::vector<std::string> values;
  for (auto& c : list) {
    choice_def choice;
    choice.value = c.string("value", true).value_or("");
    if (choice.value.empty() && c.has("value")) c.error("value", "must not be empty");
    if (std::find(values.begin(), values.end(), choice.value) != values.end()) {
      c.error("value", "duplicate choice \"" + choice.value + "\"");
    }
    values.push_back(choice.value);
    choice.title = c.string("title").value_or(choice.value);
    std::vector<std::string> phrases{choice.value, choice.title};
    for (auto& s : c.strings("synonyms", false).value_or(std::vector<std::string>{})) phrases.push_back(std::move(s));
    for (const auto& p : phrases) {
      auto words = stemmed(p);
      if (words.empty()) {
        c.error("\"" + p + "\" has no words to recognise");
        continue;
      }
      if (std::find(choice.phrases.begin(), choice.phrases.end(), words) == choice.phrases.end()) {
        choice.phrases.push_back(std::move(words));
      }
    }
    c.finish();
    step.choices.push_back(std::move(choice));
  }
  if (auto type = t.string("button_type")) {
    if (*type == "postBack") {
      step.choice_buttons = button_kind::post_back;
    } else if (*type != "imBack") {
      t.error("button_type", "must be \"imBack\" or \"postBack\"");
    }
  }
}

void loader::read_ask(table_reader& t, step_def& step, const scope& sc) {
  const auto expect = t.string("expect", true).value_or("");
  if (expect == "text") {
    step.expect = expect_kind::text;
    step.max_length = static_cast<std::size_t>(t.integer("max_length", 1, 1000).value_or(200));
    if (auto pattern = t.string("pattern")) {
      try {
        // __polynomial (a libstdc++ extension) selects the breadth-first executor: matching time
        // stays polynomial whatever the pattern, so user input cannot trigger catastrophic
        // backtracking. It refuses back-references, which we do not need.
        step.pattern.emplace(*pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
      } catch (const std::regex_error& e) {
        t.error("pattern", std::string("invalid regular expression: ") + e.what());
      }
    }
  } else if (expect == "choice") {
    step.expect = expect_kind::choice;
    read_choices(t, step);
  } else if (expect == "number") {
    step.expect = expect_kind::number;
    step.min = t.number("min", -1e15, 1e15).value_or(step.min);
    step.max = t.number("max", -1e15, 1e15).value_or(step.max);
    step.integer = t.boolean("integer").value_or(false);
    if (step.min > step.max) t.error("min", "is greater than max");
  } else if (expect == "date") {
    step.expect = expect_kind::date;
    const auto range = t.string("range").value_or("any");
    if (range == "past") {
      step.dates = date_range::past;
    } else if (range == "future") {
      step.dates = date_range::future;
    } else if (range != "any") {
      t.error("range", "must be \"any\", \"past\" or \"future\"");
    }
  } else if (expect == "yes_no") {
    step.expect = expect_kind::yes_no;
  } else if (t.has("expect")) {
    t.error("expect", "must be \"text\", \"choice\", \"number\", \"date\" or \"yes_no\"");
  }
  step.secret = t.boolean("secret").value_or(false);
  step.say = read_variations(t, "prompt", sc, true);
  step.say.buttons = read_buttons(t, "buttons");
}

void loader::read_action(table_reader& t, step_def& step, const scope& sc) {
  const auto kind = t.string("action", true).value_or("");
  if (kind == "handoff") {
    step.action = action_kind::handoff;
  } else if (kind == "start_login") {
    step.action = action_kind::start_login;
  } else if (kind == "call_api") {
    step.action = action_kind::call_api;
  } else if (kind == "end_conversation") {
    step.action = action_kind::end_conversation;
  } else if (t.has("action")) {
    t.error("action", "must be \"handoff\", \"start_login\", \"call_api\" or \"end_conversation\"");
  }
  const bool api = step.action == action_kind::call_api;
  if (auto op = t.string("operation", api)) {
    if (!api) t.error("operation", "only for action = \"call_api\"");
    if (check_id(t, "operation", *op)) step.operation = *op;
  }
  if (auto args = t.strings("arguments", false)) {
    if (!api) t.error("arguments", "only for action = \"call_api\"");
    for (const auto& a : *args) {
      if (!in_scope(sc, a)) {
        t.error("arguments", "no slot or result \"" + a + "\" " + sc.context);
      } else if (std::find(step.arguments.begin(), step.arguments.end(), a) != step.arguments.end()) {
        t.error("arguments", "\"" + a + "\" is listed twice");
      } else {
        step.arguments.push_back(a);
      }
    }
  }
  if (auto results = t.strings("results", false)) {
    if (!api) t.error("results", "only for action = \"call_api\"");
    for (const auto& r : *results) {
      if (!check_id(t, "results", r)) continue;
      if (in_scope(sc, r) ||
          std::find(std::begin(builtin_names), std::end(builtin_names), r) != std::end(builtin_names) ||
          std::find(step.results.begin(), step.results.end(), r) != step.results.end()) {
        t.error("results", "\"" + r + "\" is already the name of a slot, result or built-in");
      } else {
        step.results.push_back(r);
      }
    }
  }
  if (auto reason = t.string("reason")) {
    if (step.action != action_kind::handoff) t.error("reason", "only for action = \"handoff\"");
    step.reason = *reason;
  }
  if (auto queue = t.string("queue")) {
    // The channel's rule for a routing queue (ADR 0021): 1..64 of [a-z0-9._-].
    const bool ok = !queue->empty() && queue->size() <= 64 && std::all_of(queue->begin(), queue->end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    });
    if (step.action != action_kind::handoff) {
      t.error("queue", "only for action = \"handoff\"");
    } else if (!ok) {
      t.error("queue", "must be 1..64 of a-z, 0-9, '.', '_', '-'");
    } else {
      step.queue = *queue;
    }
  }
  if (auto priority = t.integer("priority", 0, 9)) {
    if (step.action != action_kind::handoff) t.error("priority", "only for action = \"handoff\"");
    step.priority = static_cast<int>(*priority);
  }
  step.failed = read_variations(t, "failed", sc, false);
  step.denied = read_variations(t, "denied", sc, false);
  step.timeout = read_variations(t, "timeout", sc, false);
}

void loader::read_step(table_reader& t, step_def& step, scope& sc) {
  const auto type = t.string("type", true).value_or("");
  if (type == "say") {
    step.kind = step_kind::say;
    step.say = read_say(t, sc, true);
  } else if (type == "ask" || type == "confirm") {
    step.kind = type == "ask" ? step_kind::ask : step_kind::confirm;
    if (step.kind == step_kind::ask) {
      read_ask(t, step, sc);
    } else {
      step.say = read_variations(t, "prompt", sc, true);
      step.declined = read_variations(t, "declined", sc, false);
    }
    step.reprompt = read_variations(t, "reprompt", sc, false);
    step.give_up = read_variations(t, "give_up", sc, false);
    step.max_attempts = t.integer("max_attempts", 1, max_attempts_limit).value_or(3);
  } else if (type == "action") {
    step.kind = step_kind::action;
    read_action(t, step, sc);
  } else if (t.has("type")) {
    t.error("type", "must be \"say\", \"ask\", \"confirm\" or \"action\"");
  }
  // What this step adds to the scope of the steps after it.
  if (step.kind == step_kind::ask) {
    if (std::find(std::begin(builtin_names), std::end(builtin_names), step.id) != std::end(builtin_names)) {
      t.error("id", "\"" + step.id + "\" is a built-in placeholder; choose another slot id");
    }
    sc.names.push_back(step.id);
  }
  for (const auto& r : step.results) sc.names.push_back(r);
}

void loader::read_flows(table_reader& root, model& m) {
  for (auto& f : root.tables("flows")) {
    flow_def flow;
    if (auto id = f.string("id", true); id && check_id(f, "id", *id)) {
      flow.id = *id;
      if (!flow_ids_.emplace(*id, m.flows.size()).second) f.error("id", "duplicate flow id \"" + *id + "\"");
    }
    scope sc{{}, "before this step"};
    auto steps = f.tables("steps");
    if (steps.empty()) f.error("steps", "a flow needs at least one step ([[flows.steps]])");
    for (auto& t : steps) {
      step_def step;
      if (auto id = t.string("id", true); id && check_id(t, "id", *id)) {
        if (flow.step_index(*id) || in_scope(sc, *id)) {
          t.error("id", "duplicate step id or name \"" + *id + "\" in this flow");
        }
        step.id = *id;
      }
      read_step(t, step, sc);
      t.finish();
      flow.steps.push_back(std::move(step));
    }
    f.finish();
    m.flows.push_back(std::move(flow));
  }
}

}  // namespace parley::assistant::detail
