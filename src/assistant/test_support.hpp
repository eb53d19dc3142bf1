// Helpers shared by the assistant's tests: loading definitions from text or from examples/,
// and an engine wired to a fake clock and a deterministic random source.
#pragma once

#include <parley/assistant/definition.hpp>
#include <parley/assistant/dialog.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/core/testing/fake_random.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant::testing {

inline std::filesystem::path examples_dir() {
  return PARLEY_EXAMPLES_DIR;
}

/// Loads a definition that must be valid (the test fails with the errors otherwise).
inline std::shared_ptr<const definition> must_load(std::string_view toml) {
  auto r = load_definition(toml, "test.toml");
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_TRUE(r.ok()) << all;
  return r.def;
}

inline std::shared_ptr<const definition> must_load_file(const std::filesystem::path& file) {
  auto r = load_definition_file(file);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_TRUE(r.ok()) << all;
  return r.def;
}

/// A conversation with one definition: keeps the state between turns like the bot would (through
/// its JSON form, so that every test also exercises serialisation).
class conversation {
 public:
  explicit conversation(std::shared_ptr<const definition> def, options opts = {})
      : def_(std::move(def)), engine_(opts, random_, clock_) {}

  turn_result say(std::string_view text) {
    incoming in;
    in.text = std::string(text);
    return send(in);
  }
  turn_result click(const suggested_action& button) {
    incoming in;
    if (button.kind == button_kind::im_back) {
      in.text = std::string(button.value.as_string());
    } else {
      in.value = button.value;
    }
    return send(in);
  }
  turn_result join() {
    incoming in;
    in.kind = activity_kind::conversation_update;
    in.user_joined = true;
    return send(in);
  }
  turn_result send(incoming in) {
    in.logged_in = logged_in;
    in.conversation_id = "conv-1";
    in.user_id = "dl_user";
    if (in.locale.empty()) in.locale = locale;
    auto r = engine_.turn(*def_, state(), in);
    keep(r);
    return r;
  }
  turn_result resume(action_result result) {
    auto r = engine_.resume(*def_, state(), result, "conv-1");
    keep(r);
    return r;
  }
  /// Resumes the action `r` emitted with the given outcome.
  turn_result complete(const turn_result& r, action_status status, std::map<std::string, dialog_value> values = {}) {
    EXPECT_EQ(r.actions.size(), 1u);
    action_result res;
    res.action_id = r.actions.empty() ? "" : r.actions.front().id;
    res.status = status;
    res.values = std::move(values);
    return resume(res);
  }

  dialog_state state() const { return engine_.restore(*def_, stored_, "conv-1"); }
  const std::string& stored() const { return stored_; }
  core::testing::fake_clock& clock() { return clock_; }
  const engine& eng() const { return engine_; }
  const definition& def() const { return *def_; }

  bool logged_in = false;
  std::string locale = "en-GB";

 private:
  void keep(const turn_result& r) { stored_ = to_json(r.state); }

  std::shared_ptr<const definition> def_;
  core::testing::counter_random random_{7};
  core::testing::fake_clock clock_;
  engine engine_;
  std::string stored_;
};

/// All reply texts of a turn, joined by " | " (for readable assertions).
inline std::string texts(const turn_result& r) {
  std::string out;
  for (const auto& rep : r.replies) {
    if (!out.empty()) out += " | ";
    out += rep.text;
  }
  return out;
}

inline std::vector<std::string> titles(const reply& r) {
  std::vector<std::string> out;
  for (const auto& b : r.suggested_actions) out.push_back(b.title);
  return out;
}

}  // namespace parley::assistant::testing

namespace parley::assistant::testing {

/// A small definition that exercises every engine feature, with recognisable messages.
inline constexpr std::string_view test_definition = R"(
[assistant]
name = "Testy"
version = 3

[messages]
busy = "BUSY"
cancelled = "CANCELLED"
invalid = "INVALID"
give_up = "GIVE UP"
login_required = "LOGIN REQUIRED"
login_failed = "LOGIN FAILED"
login_denied = "LOGIN DENIED"
login_timeout = "LOGIN TIMEOUT"
login_expired = "LOGIN EXPIRED"
action_failed = "ACTION FAILED"
ambiguous = "WHICH ONE?"

[welcome]
say = "Welcome to {assistant}! I will never ask for your password."
events = ["webchat/join"]
buttons = [{ title = "Hours", intent = "hours" }, { title = "Help", value = "what can you do" }]

[fallback]
say = ["Sorry, I didn't get \"{text}\". Ask about hours.", "Pardon? ({text}) Ask about hours."]
handoff_after = 2
handoff_flow = "offer"

[[intents]]
id = "hours"
examples = ["opening hours", "when are you open"]
say = "We open at nine."

[[intents]]
id = "card_fees"
title = "Card fees"
examples = ["card fees"]
say = "Cards cost 10."

[[intents]]
id = "transfer_fees"
title = "Transfer fees"
examples = ["transfer fees"]
say = "Transfers are free."

[[intents]]
id = "lost_card"
examples = ["I lost my card", "block my card"]
flow = "lost_card"

[[intents]]
id = "balance"
examples = ["my balance"]
requires_login = true
flow = "balance"

[[intents]]
id = "verify"
examples = ["verify my phone"]
flow = "otp"

[[intents]]
id = "logout"
examples = ["log out"]
requires_login = true
not_logged_in = "NOT LOGGED IN"
say = "BYE"

[[intents]]
id = "statement"
examples = ["statement please"]
requires_login = true
say = "STATEMENT SENT"

[[flows]]
id = "lost_card"

[[flows.steps]]
id = "card"
type = "ask"
expect = "choice"
prompt = "Which card?"
choices = [
  { value = "debit", title = "Debit card" },
  { value = "credit", title = "Credit card", synonyms = ["visa"] },
]
max_attempts = 2
give_up = "GAVE UP CARD"

[[flows.steps]]
id = "when"
type = "ask"
expect = "date"
range = "past"
prompt = "When did you lose it?"
reprompt = "A date in the past, please (for example *yesterday*)."

[[flows.steps]]
id = "sure"
type = "confirm"
prompt = "Block your {card} card lost on {when}?"
declined = "NOT BLOCKED"

[[flows.steps]]
id = "block"
type = "action"
action = "call_api"
operation = "block_card"
arguments = ["card", "when"]
results = ["reference"]
failed = "BLOCK FAILED"
timeout = "BLOCK TIMEOUT"

[[flows.steps]]
id = "done"
type = "say"
say = "Blocked {card}, ref {reference}."

[[flows]]
id = "balance"

[[flows.steps]]
id = "fetch"
type = "action"
action = "call_api"
operation = "balance"
results = ["accounts"]

[[flows.steps]]
id = "show"
type = "say"
say = "Balances:\n\n{accounts}"

[[flows]]
id = "otp"

[[flows.steps]]
id = "code"
type = "ask"
expect = "text"
pattern = "[0-9]{6}"
secret = true
prompt = "Enter the code we sent you."

[[flows.steps]]
id = "check"
type = "action"
action = "call_api"
operation = "verify"
arguments = ["code"]

[[flows.steps]]
id = "ok"
type = "say"
say = "Verified."

[[flows]]
id = "offer"

[[flows.steps]]
id = "ask"
type = "confirm"
prompt = "Talk to a consultant?"
declined = "OK, no consultant."

[[flows.steps]]
id = "go"
type = "action"
action = "handoff"
reason = "fallback"

[[flows.steps]]
id = "queued"
type = "say"
say = "Consultant coming."
)";

}  // namespace parley::assistant::testing
