// The state every route of the channel shares (private to the component), and the helpers the
// route files have in common: authentication of clients and bots, throttling, JSON answers.
#pragma once

#include "bot_client.hpp"
#include "bots.hpp"
#include "conversations.hpp"
#include "dpop_check.hpp"
#include "http_errors.hpp"
#include "secret_verifier.hpp"
#include "sessions.hpp"
#include "stream_hub.hpp"

#include <parley/channel/channel.hpp>
#include <parley/net/cors.hpp>
#include <parley/net/rate_limiter.hpp>

#include <boost/asio/awaitable.hpp>
#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>

namespace parley::channel {

/// How long a login may keep the channel masking bare codes without the bot saying more (its
/// logins last minutes; the bot's next message without a flag ends the wait sooner).
inline constexpr std::chrono::minutes code_wait_limit{15};

/// Who called a Direct Line route.
struct client_identity {
  bool with_secret = false;    ///< true: the bot's channel secret; false: a conversation token
  const bot_options* bot = nullptr;
  conversation_grant grant;    ///< token callers: what the token binds (secret callers: bot and tenant only)
  std::string token;           ///< the presented conversation token (token callers)
};

/// Close codes of a stream whose token session ended (documented in the README and in
/// docs/architecture.md): the client must get a new token before it reconnects.
inline constexpr std::uint16_t session_expired_close = 4401;  ///< expired or at max_session
inline constexpr std::uint16_t session_revoked_close = 4403;  ///< revoked, ended, or a reused token

struct service::state : std::enable_shared_from_this<service::state> {
  state(options o, dependencies d);
  /// See service::start().
  [[nodiscard]] bool start(std::string_view listener_url);
  /// An activity appended here: to this process's streams, then on the bus for the other nodes.
  void fan_out(activity_event e);
  /// An activity from the bus (another node appended it).
  void receive_remote(bus::message m);
  /// The outcome of a fan_out() publish (logged when it starts or stops failing).
  void published(error_code ec);

  options opts;
  dependencies deps;
  bot_registry bots;
  conversation_service conversations;
  // Made by start(), once the public URL is known (a listener on port 0 learns its port late);
  // until then every route answers 503.
  std::unique_ptr<token_service> tokens;
  std::unique_ptr<bot_client> bot;
  std::atomic<bool> started{false};
  secret_verifier secrets;
  stream_hub hub;
  std::unique_ptr<bus::subscription> activity_subscription;  // activity_topic, made by start()
  std::atomic<bool> bus_failing{false};
  net::rate_limiter per_client;        // per client key (IPv4 address, IPv6 /64), every Direct Line call
  net::rate_limiter per_conversation;  // per conversation
  net::rate_limiter secret_attempts;   // per remote address, secrets and passwords not yet remembered
  std::map<std::string, std::vector<secret_hash>, std::less<>> secret_hashes;    // bot id -> channel secrets
  std::map<std::string, std::vector<secret_hash>, std::less<>> password_hashes;  // bot id -> app password
  std::vector<secret_verifier::candidate> secret_candidates;  // every bot's channel secrets, in bot order
  std::shared_ptr<const net::cors_policy> cors;              // Direct Line routes
  std::shared_ptr<const net::cors_policy> cors_credentials;  // getsessionid (withCredentials)
  std::shared_ptr<spdlog::logger> log;
  session_registry sessions;
  dpop_check dpop;
  std::atomic<bool> stopping{false};

  /// Authenticates `Authorization: Bearer <token or secret>` or, for a token bound to a key,
  /// `Authorization: DPoP <token>` with its `DPoP` proof for this request. The token's session
  /// must be live (not revoked, replaced past its grace or at max_session) unless `rotating`
  /// (tokens/refresh, which rotates it itself). Errors: missing_credentials, bad_credentials,
  /// token_expired, token_revoked, dpop_required, invalid_dpop_proof, use_dpop_nonce,
  /// rate_limited, origin_not_allowed (an Origin the bot does not allow).
  [[nodiscard]] boost::asio::awaitable<result<client_identity>> authenticate_client(const net::request& req,
                                                                                    bool rotating = false);

  // ---- token sessions (session_ops.cpp) ----
  /// When `g`'s session must end: its start + the tenant's max_session.
  [[nodiscard]] std::chrono::system_clock::time_point session_end(const conversation_grant& g) const;
  /// The lifetime of a new token for `g` from `now`: the bot's, else the tenant's bound or
  /// unbound lifetime, cut at the session's end. Zero when the session has ended.
  [[nodiscard]] std::chrono::seconds token_lifetime(const bot_options& b, const conversation_grant& g,
                                                    std::chrono::system_clock::time_point now) const;
  /// Starts a session for `g` (sid, start now, generation 0) and issues its first token (g.expires
  /// set). `primary`: tokens/generate (its end ends the conversation for the bot). Errors:
  /// not_offered (the tenant requires bound tokens and `g` has no key), internal.
  [[nodiscard]] result<issued_token> open_session(const bot_options& b, conversation_grant& g, bool primary);
  /// Closes the streams of ended sessions (4401 expired, 4403 otherwise) and, for the last
  /// session of a conversation when `tell_bot`, sends the bot an endOfConversation.
  [[nodiscard]] boost::asio::awaitable<void> finish_sessions(std::vector<ended_session> ended, bool tell_bot);
  /// Revokes every session of a conversation and marks it ended in the store (endOfConversation
  /// from either side, tokens/revoke by conversation).
  [[nodiscard]] boost::asio::awaitable<std::size_t> end_conversation(const conversation_ref& ref, session_end_reason why,
                                                                     bool tell_bot);
  /// Ends the sessions whose time has come (the sweeper calls it every second).
  [[nodiscard]] boost::asio::awaitable<void> sweep_sessions();
  /// Runs sweep_sessions() every second until `stopping`.
  void start_sweeper();

  /// The caller may act on conversation `id` (token of that conversation, or the secret of its
  /// bot); returns the conversation. A conversation marked ended in the store refuses tokens
  /// (token_revoked). Errors: wrong_conversation, not_found, token_revoked and the store's.
  [[nodiscard]] boost::asio::awaitable<result<store::conversation>> authorize_conversation(const client_identity& who,
                                                                                          std::string_view id);

  /// Authenticates a bot on a Connector call for conversation `id` and returns its bot and the
  /// conversation. A bearer token must name (appid/azp) the bot that owns the conversation; an
  /// anonymous bot's calls are accepted without one only from loopback.
  [[nodiscard]] boost::asio::awaitable<result<std::pair<const bot_options*, store::conversation>>> authenticate_bot(
      const net::request& req, std::string_view id);

  /// Waits its turn under a rate limit instead of refusing at once (directlinejs cannot retry some
  /// calls): false, without waiting, once the key's delay budget (max_throttle_delay of queued
  /// requests) is spent; the caller then answers 429.
  [[nodiscard]] boost::asio::awaitable<bool> throttle(net::rate_limiter& limiter, std::string_view key);

  [[nodiscard]] activity_context context(const bot_options& bot, std::string_view conversation_id,
                                         std::string user_id, std::string user_name = {}) const;
  /// "ws(s)://.../v3/directline/conversations/{id}/stream?watermark=W&t=<stream token>".
  [[nodiscard]] result<std::string> stream_url(const conversation_grant& g, std::string_view watermark);
  /// Starts delivering `activity` (of `conversation_id`) to the bot in the background
  /// (conversationUpdate at start); `traceparent` as bot_client::deliver().
  void deliver_in_background(const bot_options& bot, std::string activity, std::string conversation_id,
                             std::string traceparent = {});

  // The credential guard (SECURITY.md promise 9), steered by the bot's flags (docs/adr/0009):
  //  - a bot message flagged channelData.parley.expectsSecret makes the user's next message an
  //    expected secret, stored masked but delivered to the bot as typed;
  //  - an expectsSecret message, or any bot activity flagged channelData.parley.awaitsCode (the login
  //    executor sends one in a typing activity before it asks the bank for the code), means a login
  //    waits for a one-time code: until a bot message without either flag (or code_wait_limit),
  //    every bare 4-10 digit code the user sends is masked (and delivered as typed).
  // Read when the bot's activity arrives, before it is stored: a user's message racing the prompt's
  // append is already covered. In memory, like the stream hub (a multi-node channel keeps a
  // conversation on one node).
  /// Reads the flags of an activity a bot sends (any type), before it is stored.
  void note_bot_activity(const conversation_ref& ref, const boost::json::object& activity);
  /// Whether the user's next message answers a secret prompt; clears the expectation.
  [[nodiscard]] bool take_secret_expected(const conversation_ref& ref);
  /// Whether a login of the conversation waits for a one-time code.
  [[nodiscard]] bool code_awaited(const conversation_ref& ref);
  struct prompt_state {
    bool next_is_secret = false;
    std::chrono::system_clock::time_point code_until{};  // a code is awaited until then
  };
  std::mutex secret_mutex;
  std::map<std::string, prompt_state, std::less<>> prompts;  // stream_hub::key of the conversation
  std::size_t prompts_sweep_at = 1024;                       // size at which expired entries are swept next
};

/// The bearer credential of `Authorization: Bearer <x>` (scheme case-insensitive), or nullopt.
[[nodiscard]] std::optional<std::string_view> bearer(const net::request& req);
/// The credential of `Authorization: DPoP <x>` (scheme case-insensitive), or nullopt.
[[nodiscard]] std::optional<std::string_view> dpop_credential(const net::request& req);

/// Parses a Direct Line watermark: empty, "-" and "null" are 0; otherwise a decimal number.
[[nodiscard]] std::optional<std::uint64_t> parse_watermark(std::string_view text);

/// A user id the channel accepts: 1..128 characters of [A-Za-z0-9._:@-].
[[nodiscard]] bool valid_user_id(std::string_view id);

}  // namespace parley::channel
