// The dialog state of one conversation: small, versioned and serialisable.
//
// The bot component keeps it (serialised) in the store's encrypted per-conversation bot state
// and passes it to every engine call; the engine never keeps state of its own. Values held here
// (slot answers, action results) are conversation data: the store encrypts them; they are never
// logged. The functions below are pure and thread-safe.
#pragma once

#include <parley/assistant/action.hpp>
#include <parley/core/error.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::assistant {

/// Version of the serialised form written by to_json(). A stored state of another version is
/// discarded (the conversation restarts its dialog), never misread.
inline constexpr std::int64_t state_format_version = 1;

/// An action the dialog waits for.
struct pending_action {
  std::string id;  ///< the id the action was emitted with
  action_kind kind = action_kind::handoff;
  std::string intent;      ///< set for a login started by a requires_login intent: run it once logged in
  std::int64_t since = 0;  ///< Unix seconds when it was emitted (see options::pending_timeout)
  bool operator==(const pending_action&) const = default;
};

struct dialog_state {
  std::int64_t definition_version = 0;         ///< the definition's [assistant] version when written
  bool welcomed = false;                       ///< the welcome was sent
  std::string flow;                            ///< the active flow's id; empty when none
  std::string step;                            ///< the current step of the active flow
  std::int64_t attempts = 0;                   ///< invalid answers given to the current step
  std::map<std::string, dialog_value> values;  ///< slot answers and action results of the active flow
  std::int64_t misses = 0;                     ///< consecutive messages no intent matched
  std::optional<pending_action> pending;
  std::int64_t action_seq = 0;   ///< actions emitted so far (ids are "a<seq>")
  bool awaiting_secret = false;  ///< the next message answers a secret prompt (e.g. an OTP)
  bool operator==(const dialog_state&) const = default;
};

/// Serialises a state as a compact JSON object. Never fails.
[[nodiscard]] std::string to_json(const dialog_state& state);

/// Parses a state written by to_json(). Strict: unknown members, wrong types, oversized input
/// (`max_bytes`) and another state_format_version are errors (errc::corrupt_state,
/// errc::state_too_large, errc::state_version). It does not check the state against a
/// definition; engine::restore() does both.
[[nodiscard]] result<dialog_state> state_from_json(std::string_view json, std::size_t max_bytes = 16 * 1024);

}  // namespace parley::assistant
