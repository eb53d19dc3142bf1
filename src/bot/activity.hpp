// Bot Framework activities at the bot's edge (private to the bot component): the inbound activity
// parsed strictly into a typed struct, the assistant's input made from it, and the outbound
// activities (replies, typing, endOfConversation) made from the assistant's replies.
// Pure functions; thread-safe.
#pragma once

#include <parley/assistant/dialog.hpp>
#include <parley/bot/options.hpp>
#include <parley/core/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace parley::bot {

struct channel_account {
  std::string id;
  std::string name;
  std::string role;
};

/// What the bot reads of an inbound activity. Other members are ignored (the channel may add some).
struct inbound_activity {
  std::string type;         ///< required
  std::string id;           ///< the channel's activity id (replyToId of the replies)
  std::string service_url;  ///< required: where replies go (checked against the token's serviceurl)
  std::string channel_id;   ///< "directline" (checked against key endorsements)
  std::string conversation_id;  ///< required
  std::string traceparent;      ///< not in the JSON: the W3C traceparent of the request that brought it
  channel_account from;
  channel_account recipient;
  std::string text;
  boost::json::value value;  ///< null when absent
  std::string name;          ///< event name
  std::string locale;
  std::optional<std::chrono::minutes> utc_offset;  ///< from localTimestamp
  std::vector<channel_account> members_added;
};

struct activity_limits {
  std::size_t max_text_bytes = max_inbound_text_bytes;
  std::size_t max_value_bytes = max_inbound_value_bytes;
  std::size_t max_id_bytes = 256;
  std::size_t max_members = 50;
};

/// Parses an activity (already strict JSON). errc::bad_activity when a required member is
/// missing, a known member has the wrong type, or a size limit is exceeded.
[[nodiscard]] result<inbound_activity> parse_activity(const boost::json::value& body, const activity_limits& limits = {});

/// "+01:00" / "-05:30" / "Z" at the end of an ISO 8601 timestamp; nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::minutes> utc_offset_of(std::string_view timestamp);

/// The assistant's input for a message, conversationUpdate or event; nullopt for types the
/// assistant does not handle (typing, endOfConversation, invoke...).
[[nodiscard]] std::optional<assistant::incoming> to_incoming(const inbound_activity& a, bool logged_in);

/// A message activity for one reply: markdown text, suggestedActions (imBack/postBack) addressed
/// to `user_id`, inputHint. The channel fills in from/recipient/ids.
[[nodiscard]] boost::json::object reply_activity(const assistant::reply& r, std::string_view user_id,
                                                 std::string_view locale);
[[nodiscard]] boost::json::object typing_activity();
[[nodiscard]] boost::json::object end_of_conversation_activity();

}  // namespace parley::bot
