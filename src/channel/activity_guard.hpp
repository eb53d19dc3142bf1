// The credential guard over a whole client activity (SECURITY.md promise 9, docs/adr/0009): every
// string a client controls — `text`, `value`, `attachments[]` (content, name...), `channelData`,
// `from.name`, an event's or invoke's `name` and `value`, `entities`, unknown members, and the
// member names inside them — goes through parley::guard before the channel stores the activity.
// Only what the channel itself sets or checks is left alone: type, id, timestamps, channelId,
// serviceUrl, conversation, recipient, from.id/role, locale, textFormat, inputHint, replyToId,
// attachments[].contentType/contentUrl/thumbnailUrl, channelData.clientActivityID/clientTimestamp.
// Pure function over parsed JSON: linear in the activity's size.
#pragma once

#include <parley/guard/credential_guard.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace parley::channel {

struct activity_guard_result {
  /// Every kind masked anywhere in the activity, each once, in the order found.
  std::vector<guard::credential_kind> found;
  /// The text as typed when the whole `text` was the secret the conversation expected (the bot gets
  /// it as typed; the stored copy is masked). Empty otherwise.
  std::optional<std::string> typed_text;
};

/// Masks credentials in `activity` (a normalised client activity) in place; `mode` applies to the
/// `text` of a message (the answer to a prompt), `mode.awaits_code` to every string. When something
/// was masked, channelData.parley = {"masked": [kinds]} records what (replacing a client's
/// channelData.parley).
[[nodiscard]] activity_guard_result guard_client_activity(boost::json::object& activity, guard::guard_mode mode);

}  // namespace parley::channel
