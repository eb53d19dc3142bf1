// Actions: what the assistant asks the bot component to do, and how the bot reports back.
//
// The set is closed and small on purpose; later issues add kinds here. The engine emits at most
// one action per turn and suspends the dialog until the bot calls engine::resume() with the
// action's id and outcome (see dialog.hpp). Plain values: copy and move them freely.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::assistant {

enum class action_kind {
  handoff,           ///< hand the conversation to a consultant
  start_login,       ///< start the end-user login to the client's back end
  call_api,          ///< call a named operation of the client's API with slot values
  end_conversation,  ///< end the conversation
};

/// "handoff", "start_login", "call_api", "end_conversation".
[[nodiscard]] std::string_view to_string(action_kind kind) noexcept;

/// A value the dialog holds: a slot's answer, or a named action result (a list renders as a
/// markdown bullet list).
using dialog_value = std::variant<std::string, std::vector<std::string>>;

/// An action for the bot to perform.
struct action {
  std::string id;  ///< unique within the conversation; echo it in action_result
  action_kind kind = action_kind::handoff;
  std::string operation;                         ///< call_api: operation name, e.g. "block_card"
  std::map<std::string, std::string> arguments;  ///< call_api: slot values by slot id
  std::string reason;                            ///< handoff: why, as written in the definition
  std::string queue;                             ///< handoff: the routing queue/skill (empty: the tenant's default)
  int priority = 0;                              ///< handoff: 0 (normal) .. 9
  std::string flow;                              ///< handoff: the flow it was emitted in (the intent that failed)
  bool operator==(const action&) const = default;
};

enum class action_status { ok, failed, denied, timeout };

/// The outcome of an action, reported by the bot through engine::resume().
struct action_result {
  std::string action_id;
  action_status status = action_status::ok;
  /// ok: named results, e.g. {"reference": "BX-1234"}. Only the names the definition declares
  /// for the step are kept; a declared name that is missing turns the result into a failure.
  std::map<std::string, dialog_value> values;
  /// A machine-readable reason ("card_already_blocked") for logs. Never shown to the user; logged
  /// only when it looks like a code (letters, digits, '_', '-', '.', at most 64 characters).
  std::string reason;
};

/// The reason of a failed `call_api` whose operation needs the login when the user is not logged
/// in at the client's back end (any more: it answered 401, or its token expired). In the flow of
/// a `requires_login` intent (so the user was logged in when it began) the engine ends the flow
/// and says `messages.login_expired` with a button that runs the intent again (after a new
/// login); elsewhere the step's own failure message.
inline constexpr std::string_view not_logged_in_reason = "not_logged_in";

}  // namespace parley::assistant
