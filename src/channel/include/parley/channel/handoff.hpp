// Handing a conversation to a consultant (docs/adr/0021-handoff.md), the channel's side of Bot
// Framework's handoff protocol. A bot (the assistant or an external botbuilder bot) sends the
// event `handoff.initiate` (routing context in `value`, optionally a "Transcript" attachment);
// the channel checks it, records it (the conversation becomes waiting_for_consultant; the event is
// stored under the record type "handoff", never shown to clients), tells the widget
// (`parley.handoff` events) and the desk (handoff_listener: over the bus in a cluster), and sends
// the bot `handoff.status` (`accepted`, `failed`, `completed`). While a consultant owns the
// conversation (with_consultant) the user's activities are stored and streamed as always but not
// delivered to the bot; the desk reads them from the activity bus. The desk acts through
// service::accept_handoff(), send_as_consultant(), update_handoff() and end_handoff().
//
// Thread-safety: the listener may be called from any thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::channel {

/// What a bot asked for (value of handoff.initiate, checked: unknown members are ignored).
struct handoff_request {
  std::string tenant_id;
  std::string conversation_id;
  std::string bot_id;
  std::string reason;                     ///< why (≤ 500 bytes; may be empty)
  std::string failed_intent;              ///< the intent that failed (≤ 128 bytes; may be empty)
  std::string queue;                      ///< routing skill/queue ([a-z0-9._-], ≤ 64); empty: the tenant's default
  int priority = 0;                       ///< 0 (normal) .. 9 (most urgent)
  std::string activity_id;                ///< the stored handoff.initiate (its transcript attachment, if any)
  std::size_t transcript_activities = 0;  ///< activities in the bot's transcript attachment
  std::chrono::system_clock::time_point requested_at{};
};

/// How a handoff ended (handoff.status `state`).
enum class handoff_outcome {
  completed,  ///< the consultant handed the conversation back
  failed,     ///< no consultant (timeout, outside opening hours, queue full) or the desk refused
};

/// The channel's messages to the service desk. The composition root wires it to the bus.
class handoff_listener {
 public:
  virtual ~handoff_listener() = default;
  /// A handoff was recorded: queue it. (Not called for a refused handoff.initiate.)
  virtual void handoff_requested(const handoff_request& r) = 0;
  /// The conversation ended (the user left, the session ended, the bot ended it) while waiting
  /// for or owned by a consultant: the handoff ends with it.
  virtual void handoff_abandoned(std::string_view tenant_id, std::string_view conversation_id) = 0;
};

/// The `handoff.initiate` event name and the widget's event name.
inline constexpr std::string_view handoff_initiate_event = "handoff.initiate";
inline constexpr std::string_view handoff_status_event = "handoff.status";
inline constexpr std::string_view widget_handoff_event = "parley.handoff";

}  // namespace parley::channel
