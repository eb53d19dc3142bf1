// The handoff protocol's activities as the channel checks and makes them (ADR 0021): the
// routing context of a bot's handoff.initiate, the widget's `parley.handoff` events, the checks
// on what the desk passes in. Pure functions; thread-safe.
#pragma once

#include <parley/core/error.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::channel {

/// The routing context of a handoff.initiate (its `value`) and its transcript attachment.
struct handoff_context {
  std::string reason;                     ///< `reason`, ≤ 500 bytes
  std::string failed_intent;              ///< `failedIntent`, ≤ 128 bytes
  std::string queue;                      ///< `queue` (or botbuilder-style `skill`): [a-z0-9._-], 1..64
  int priority = 0;                       ///< `priority`: an integer 0..9
  std::size_t transcript_activities = 0;  ///< activities of the attachment named "Transcript"
};

/// True for an event named handoff.initiate (exactly, as botbuilder's EventFactory sends it).
[[nodiscard]] bool is_handoff_initiate(const boost::json::object& activity) noexcept;

/// Reads `value` (absent, null or an object; unknown members are ignored because external bots
/// put their own agent hub's context there) and the attachments. errc::bad_argument naming the
/// member when a known member has the wrong type or is out of range, or the "Transcript"
/// attachment's content is not {activities: [...]} of at most 1000 objects.
[[nodiscard]] result<handoff_context> parse_handoff_initiate(const boost::json::object& activity,
                                                             std::string* problem = nullptr);

/// The event the channel appends for the widget: {type:"event", name:"parley.handoff",
/// value:{state, ...}}; `state` is waiting, accepted, completed or failed.
struct widget_handoff {
  std::string_view state;
  std::string_view consultant;            ///< accepted: who joined
  std::optional<std::uint32_t> position;  ///< waiting: 1 = next
  std::optional<std::int64_t> estimated_wait_seconds;
  bool transferred = false;  ///< waiting or accepted after a consultant's transfer (value.transferred)
};
[[nodiscard]] boost::json::object widget_handoff_activity(const widget_handoff& w);

/// A consultant's display name the channel shows: 1..64 bytes of printable UTF-8, no control
/// characters, no '@' (an e-mail address is never a display name).
[[nodiscard]] bool valid_display_name(std::string_view name) noexcept;
/// An intent id to resume: 1..128 of [A-Za-z0-9._-].
[[nodiscard]] bool valid_intent_id(std::string_view id) noexcept;

}  // namespace parley::channel
