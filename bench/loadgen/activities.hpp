// What a simulated user reads from the server: ActivitySets (stream frames and poll answers) and
// the bot's reply to the message it sent. Pure functions (tests: activities_test.cpp).
#pragma once

#include "metrics.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

/// A message from anyone but the user itself, with the time it was received.
struct bot_message {
  clock::time_point at;
  std::string reply_to;  ///< replyToId ("" when absent)
  std::string text;
};

/// Appends the `message` activities of an ActivitySet not sent by `user_id` to `inbox` (received
/// `now`) and updates `watermark` (a string, or the peer's number). False if `json` is not an
/// ActivitySet (nothing is taken then).
bool take_activity_set(std::string_view json, std::string_view user_id, clock::time_point now,
                       std::vector<bot_message>& inbox, std::string& watermark);

struct reply {
  clock::time_point at;
  bool text_matches = true;  ///< false: the reply to our activity has another text (an error)
};

/// The reply to `activity_id` in `inbox`: by replyToId, or, for a message without one, by its
/// text (`text`, the echo expected). nullopt while none has arrived.
[[nodiscard]] std::optional<reply> find_reply(const std::vector<bot_message>& inbox, std::string_view activity_id,
                                              std::string_view text);

}  // namespace loadgen
