// The dialog engine: one call per turn, from typed input to typed replies and actions.
//
//   turn(definition, state, incoming)     -> {replies, actions, state}
//   resume(definition, state, result)     -> {replies, actions, state}   (after an action)
//
// The bot component parses Bot Framework activities at its edge into `incoming`, keeps the
// returned state in the store (with its etag), sends the replies as activities and performs the
// actions. The engine is pure: no I/O, no global state; time and randomness come from the
// injected clock and random source, so the same inputs always give the same outputs.
#pragma once

#include <parley/assistant/action.hpp>
#include <parley/assistant/definition.hpp>
#include <parley/assistant/options.hpp>
#include <parley/assistant/state.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant {

enum class activity_kind { message, conversation_update, event };

/// One inbound activity, already parsed and checked by the bot component.
struct incoming {
  activity_kind kind = activity_kind::message;
  std::string text;  ///< message text (may be empty)
  /// The activity's value: a postBack's string or object value, or an event's value; null when
  /// absent. A string is read as the message text when `text` is empty; an object
  /// {"intent": "<id>"} (sent by the assistant's own intent buttons) selects that intent.
  boost::json::value value;
  std::string name;    ///< event name (e.g. "webchat/join")
  std::string locale;  ///< BCP 47, e.g. "en-US" (dates: "en-US" reads 1/2 as January 2)
  /// The user's offset from UTC (from the activity's localTimestamp), for "today" in date slots.
  std::optional<std::chrono::minutes> utc_offset;
  std::string user_id;          ///< the user's id; names the turn in logs when conversation_id is empty
  std::string conversation_id;  ///< logged with every line of this turn (an id, never content)
  bool user_joined = false;     ///< conversationUpdate: the user is among membersAdded
  bool logged_in = false;       ///< the user is logged in to the client's back end
};

enum class button_kind { im_back, post_back };

/// A suggested action (button). im_back: the value (a string) is sent back as visible text;
/// post_back: the value (a string, or an object such as {"intent": "balance"}) is sent back
/// without being shown.
struct suggested_action {
  button_kind kind = button_kind::im_back;
  std::string title;
  boost::json::value value;
  bool operator==(const suggested_action&) const = default;
};

/// Bot Framework inputHint; none: leave it out.
enum class input_hint { none, accepting_input, expecting_input, ignoring_input };

/// One message to the user.
struct reply {
  /// Markdown subset the widget renders: **bold**, *italic*, lists, [links](https://...).
  /// Values inserted from slots, action results or the user's text are escaped.
  std::string text;
  std::vector<suggested_action> suggested_actions;
  input_hint hint = input_hint::none;
  /// The user's next message is expected to be a secret (a one-time code...): the credential
  /// guard must not mask it, and nothing may log it.
  bool expects_secret = false;
  bool operator==(const reply&) const = default;
};

struct turn_result {
  std::vector<reply> replies;
  std::vector<action> actions;  ///< at most one
  dialog_state state;           ///< store this; pass it to the next call
  std::string intent;           ///< the intent this turn acted on, if any (for metrics)
  double score = 0;             ///< its match score (1 for a button selection)
};

/// The dialog engine. Cheap to construct; const and thread-safe (the random source and clock
/// must be, as their contracts require). Definitions and states are passed to each call.
class engine {
 public:
  engine(options opts, core::random_source& random, const core::clock& clock);

  /// Handles one inbound activity. A state that does not fit `def` (another definition version,
  /// a flow or step that no longer exists) is reset first, with a log line naming the
  /// conversation, never its content.
  [[nodiscard]] turn_result turn(const definition& def, const dialog_state& state, const incoming& in) const;

  /// Continues the dialog after the action `result.action_id`. A result for an action that is
  /// not pending (unknown id, already resumed, expired) changes nothing and says nothing.
  [[nodiscard]] turn_result resume(const definition& def, const dialog_state& state, const action_result& result,
                                   std::string_view conversation_id = {}) const;

  /// Parses a stored state and checks it against `def`; a missing, corrupt, oversized or
  /// out-of-date state yields a fresh one (logged with `conversation_id` and the reason). Never
  /// fails.
  [[nodiscard]] dialog_state restore(const definition& def, std::string_view stored,
                                     std::string_view conversation_id) const;

  [[nodiscard]] const options& settings() const noexcept { return opts_; }

 private:
  options opts_;
  core::random_source& random_;
  const core::clock& clock_;
};

}  // namespace parley::assistant
