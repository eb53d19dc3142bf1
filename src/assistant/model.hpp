// The validated, in-memory form of an assistant definition (see docs/assistant-format.md).
// Built by the loader, read by the engine; immutable once built.
#pragma once

#include "template.hpp"

#include <parley/assistant/action.hpp>
#include <parley/assistant/dialog.hpp>
#include <parley/assistant/matcher.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace parley::assistant::detail {

/// Something to say: one variation is picked at random, then the buttons are attached.
struct say_spec {
  std::vector<text_template> variations;
  std::vector<suggested_action> buttons;
  [[nodiscard]] bool empty() const noexcept { return variations.empty(); }
};

struct choice_def {
  std::string value;                              ///< stored in the slot, sent to APIs
  std::string title;                              ///< button title
  std::vector<std::vector<std::string>> phrases;  ///< stemmed token sequences that select it
};

enum class step_kind { say, ask, confirm, action };
enum class expect_kind { text, choice, number, date, yes_no };
enum class date_range { any, past, future };

struct step_def {
  std::string id;
  step_kind kind = step_kind::say;
  say_spec say;       ///< say: the message; ask/confirm: the prompt
  say_spec reprompt;  ///< ask/confirm: after an invalid answer (empty: messages.invalid + prompt)
  say_spec give_up;   ///< ask/confirm: after max_attempts invalid answers (empty: messages.give_up)
  say_spec declined;  ///< confirm: the user said no (empty: messages.cancelled)
  std::int64_t max_attempts = 3;
  bool secret = false;

  // ask
  expect_kind expect = expect_kind::text;
  std::vector<choice_def> choices;
  button_kind choice_buttons = button_kind::im_back;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool integer = false;
  std::optional<std::regex> pattern;
  std::size_t max_length = 200;
  date_range dates = date_range::any;

  // action
  action_kind action = action_kind::handoff;
  std::string operation;
  std::vector<std::string> arguments;
  std::vector<std::string> results;
  std::string reason;
  std::string queue;                 ///< handoff
  int priority = 0;                  ///< handoff
  say_spec failed, denied, timeout;  ///< empty: messages.action_failed
};

struct flow_def {
  std::string id;
  std::vector<step_def> steps;
  [[nodiscard]] std::optional<std::size_t> step_index(std::string_view id) const {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].id == id) return i;
    }
    return std::nullopt;
  }
};

struct intent_def {
  std::string id;
  std::string title;
  std::vector<std::string> examples;
  say_spec say;
  std::optional<std::size_t> flow;
  bool requires_login = false;
  say_spec not_logged_in;  ///< said instead of starting a login, when present
};

/// The engine's own sentences; every one has an English default.
struct messages_def {
  say_spec ambiguous, busy, cancelled, invalid, give_up, login_required, login_failed, login_denied, login_timeout,
      login_expired, action_failed;
};

struct model {
  std::string name;
  std::int64_t version = 1;
  std::string yes_title = "Yes";
  std::string no_title = "No";
  std::string login_again_title = "Log in again";  ///< the button under messages.login_expired
  std::vector<std::string> cancel_phrases;  ///< canonical forms
  intent_matcher matcher{std::vector<intent_examples>{}};
  std::vector<intent_def> intents;
  std::vector<flow_def> flows;
  say_spec welcome;
  std::vector<std::string> welcome_events;
  say_spec fallback;
  std::int64_t handoff_after = 0;  ///< 0: never
  std::optional<std::size_t> handoff_flow;
  messages_def messages;

  [[nodiscard]] std::optional<std::size_t> intent_index(std::string_view id) const {
    for (std::size_t i = 0; i < intents.size(); ++i) {
      if (intents[i].id == id) return i;
    }
    return std::nullopt;
  }
  [[nodiscard]] std::optional<std::size_t> flow_index(std::string_view id) const {
    for (std::size_t i = 0; i < flows.size(); ++i) {
      if (flows[i].id == id) return i;
    }
    return std::nullopt;
  }
};

}  // namespace parley::assistant::detail
