// Activities as the channel shapes them: what a client may send and what the channel sets on it
// (from, recipient, conversation, channelId, serviceUrl; id and timestamp come with the append),
// what a bot may send, the conversationUpdate of a new conversation, Direct Line activity ids and
// timestamps. Pure functions over parsed JSON: everything from outside is checked here, at the edge.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::channel {

/// A ChannelAccount: {id, name, role}.
struct account {
  std::string id;
  std::string name;
  std::string role;  ///< "user" or "bot"
};

[[nodiscard]] boost::json::object to_json(const account& a);

/// What the channel stamps on an activity of one conversation.
struct activity_context {
  std::string conversation_id;
  account user;        ///< the user bound to the conversation
  account bot;         ///< the bot's account (id = bot id)
  std::string service_url;
};

/// "<conversationId>|<seq padded to 7 digits>", as the real service does; the watermark is seq.
[[nodiscard]] std::string activity_id(std::string_view conversation_id, std::uint64_t seq);
/// The seq of an id made by activity_id() for this conversation; nullopt otherwise.
[[nodiscard]] std::optional<std::uint64_t> activity_seq(std::string_view conversation_id, std::string_view id);

/// ISO 8601 UTC with milliseconds ("2026-01-01T10:00:00.123Z").
[[nodiscard]] std::string iso_timestamp(std::chrono::system_clock::time_point t);

/// Checks an activity a Direct Line client posted and returns it as the channel forwards it:
/// `from` forced to the bound user (role "user"; a client's display name is kept), `recipient` the
/// bot, `conversation`, `channelId:"directline"`, `serviceUrl` set; `id`, `timestamp`, `callerId`
/// and `deliveryMode` removed; everything else (channelData above all) passed through untouched.
/// Errors: errc::bad_argument (not an object, no or bad `type`, malformed from/attachments),
/// errc::forbidden_activity (a type or name only a channel or bot may send, or `from.role` other than
/// "user").
[[nodiscard]] result<boost::json::object> normalize_client_activity(const boost::json::value& body,
                                                                    const activity_context& ctx);

/// The limits of a client activity that the channel checks before storing it (options.hpp).
struct client_activity_limits {
  std::size_t max_text_bytes = 16 * 1024;
  std::size_t max_value_bytes = 16 * 1024;
};

/// Why a normalised client activity exceeds what its bot accepts (the message of the 413: which
/// member, which limit), or nullopt. `typed_text`: the text as typed when the stored copy was
/// masked (the bot gets that one). Checks `text`, `value` (serialised), `locale` and
/// `localTimestamp` (64 bytes, the bot's fixed limits); the whole activity is checked when it is
/// appended (activity_append::max_bytes) and its nesting when it is parsed.
[[nodiscard]] std::optional<std::string> over_client_limits(const boost::json::object& activity,
                                                            const client_activity_limits& limits,
                                                            std::optional<std::string_view> typed_text);

/// Checks an activity a bot posted to the Connector API: `from` forced to the bot's account,
/// `recipient` the user, `conversation`, `channelId`, `serviceUrl` set, `replyToId` from the path
/// when given; `id` and `timestamp` removed. errc::bad_argument when it is not an object with a type.
[[nodiscard]] result<boost::json::object> normalize_bot_activity(const boost::json::value& body,
                                                                 const activity_context& ctx,
                                                                 std::optional<std::string_view> reply_to_id);

/// The conversationUpdate sent to the bot when a conversation starts: membersAdded = [bot, user].
[[nodiscard]] boost::json::object conversation_update(const activity_context& ctx);
/// The endOfConversation the channel sends the bot when a conversation's last token session is
/// over (`code`: "sessionExpired" or "sessionRevoked"), from the user to the bot.
[[nodiscard]] boost::json::object end_of_conversation(const activity_context& ctx, std::string_view code);

/// The handoff.status event the channel sends the bot (ADR 0021): value {state, message?,
/// resumeIntent?}, from the user to the bot.
[[nodiscard]] boost::json::object handoff_status(const activity_context& ctx, std::string_view state,
                                                 std::string_view message, std::string_view resume_intent);

/// The store's record type of handoff.initiate and handoff.status (never delivered to clients).
inline constexpr std::string_view handoff_record_type = "handoff";

/// Kinds of delivery an activity gets.
[[nodiscard]] bool delivered_to_clients(std::string_view type) noexcept;  ///< all but conversationUpdate and handoff
[[nodiscard]] bool delivered_by_polling(std::string_view type) noexcept;  ///< also not typing

/// A new conversation id: "c" + 144 random bits in base64url. The letter first matters: the store
/// accepts ids that start with a letter or digit, and base64url may start with '_' or '-'.
[[nodiscard]] std::string new_conversation_id(core::random_source& rng);

}  // namespace parley::channel
