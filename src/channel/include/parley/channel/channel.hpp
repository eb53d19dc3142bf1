// The channel: Parley's self-hosted "Bot Framework Direct Line". One object serves, on the
// routes it adds to a router:
//  - Direct Line 3.0 for clients (directlinejs, Web Chat, Parley's widget) under /v3/directline:
//    tokens/generate, tokens/refresh, conversations, activities, upload, the WebSocket stream,
//    session/getsessionid and attachment downloads;
//  - the Bot Connector API for bots under /v3/conversations and /v3/attachments;
//  - the client-credentials token endpoint bots get their bearer from
//    (/{tenant}/oauth2/v2.0/token) with the OpenID metadata MSAL reads, and the OpenID metadata
//    and JWKS bots check the channel's own tokens with (/v1/.well-known/...).
// An activity a client posts is normalised (from.id forced to the token's user), stored,
// echoed to the conversation's stream, and delivered to the bot with a signed JWT; the bot's
// replies come back through the Connector API while the client's POST waits (up to bot_timeout).
// A bot of the same process (endpoint "in-process") gets the same activity through
// dependencies::in_process and answers through receive_from_bot(): no HTTP, no tokens.
// Every appended activity goes at once to this process's streams and, over the bus (topic
// activity_topic, fan-out), to the streams other channel nodes hold for the conversation; a node
// skips its own messages, orders the others by the store's sequence numbers and reads any gap
// from the store (stream_hub.hpp), so a stream receives every activity once and in order,
// whichever node appended it.
//
// Ownership: the service owns its state; the dependencies must outlive it, and it must outlive
// the io_context's last handler (background deliveries hold it). Routes share its state.
// Thread-safety: add_routes() once at start-up; everything else is safe from any thread.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/channel/handoff.hpp>
#include <parley/channel/in_process_bot.hpp>
#include <parley/channel/options.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/key_store.hpp>
#include <parley/net/client.hpp>
#include <parley/net/metrics.hpp>
#include <parley/net/router.hpp>
#include <parley/store/conversation_store.hpp>
#include <parley/store/single_use.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>

namespace parley::channel {

/// The bus topic of appended activities (fan-out to every channel node). Brokers whose
/// subscriptions are declared out of band (RabbitMQ 4, Azure Service Bus) need it.
inline constexpr std::string_view activity_topic = "channel.activity";

/// What the channel uses and does not own.
struct dependencies {
  boost::asio::io_context& io;       ///< runs background work (conversationUpdate, replays)
  store::conversation_store& store;  ///< conversations, activities, attachments
  jose::signing_key_store& keys;     ///< opened with token_service::key_purposes()
  net::http_client& http;            ///< channel → bot deliveries
  bus::bus& bus;                     ///< fan-out to other nodes (bus::in_process_bus in one process)
  const core::clock& clock;
  core::random_source& rng;                  ///< ids, user ids, token ids
  net::metrics_registry* metrics = nullptr;  ///< optional channel counters
  /// The bot web service of this process, for bots whose endpoint is in_process_endpoint; null
  /// when there is none (such bots then fail with 502 BotError).
  in_process_bot* in_process = nullptr;
  /// The service desk's side of handoffs (handoff.hpp); null when there is no desk: a bot's
  /// handoff.initiate is then answered at once with handoff.status `failed`.
  handoff_listener* handoff = nullptr;
  /// Set when several nodes share the store (PostgreSQL): a redeemed stream token is recorded
  /// there so that no other node admits it again (ADR 0025). Null: the node's replay set alone
  /// applies (one node, no database write per stream connection).
  store::single_use_store* shared_uses = nullptr;
};

class service {
 public:
  /// `opts` come from parse_options() (checked); public_url may be empty (see start()).
  service(options opts, dependencies deps);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// Adds every route of the channel (see the file comment). Until start(), they answer 503.
  void add_routes(net::router& r);

  /// Completes the set-up once the channel's listener is bound: `listener_url` (its base URL,
  /// e.g. "http://127.0.0.1:8401") is the public URL unless options::public_url is set, and the
  /// other URLs derive from it (resolve_urls()), and subscribes to activity_topic. False when the
  /// resulting URL is not usable or the bus refuses the subscription.
  [[nodiscard]] bool start(std::string_view listener_url);

  /// A bot of this process (endpoint in_process_endpoint) sends an activity to its conversation
  /// `conversation_id`: what POST /v3/conversations/{id}/activities[/{reply_to_id}] does for a bot
  /// authenticated as `bot_id`, minus HTTP and the bearer token (the caller is the composition
  /// root's link to that bot, in the same trust domain). The same limits (max_activity_bytes,
  /// strict JSON), normalisation (`from` = the bot), store append, streaming and credential-guard
  /// flag apply. Returns the new activity's id. Errors: not_started, bad_credentials (no such bot
  /// or not an in-process one), wrong_conversation (another bot's), not_found, too_large,
  /// bad_syntax, bad_argument, and the store's.
  [[nodiscard]] boost::asio::awaitable<result<std::string>> receive_from_bot(std::string bot_id,
                                                                             std::string conversation_id,
                                                                             std::string reply_to_id,
                                                                             std::string activity_json);

  // ---- the service desk's side of a handoff (handoff.hpp, ADR 0021). Each names the tenant of
  // the desk's caller: another tenant's conversation is not_found. Errors: not_started,
  // not_found, wrong_state (the conversation is not in the state the step needs), bad_argument,
  // too_large, and the store's.

  /// A consultant (`display_name` as the tenant shows it: 1..64 printable characters, no '@')
  /// took the conversation, which must be waiting_for_consultant: it becomes with_consultant,
  /// the widget is told who joined and the bot gets handoff.status `accepted`.
  [[nodiscard]] boost::asio::awaitable<result<void>> accept_handoff(std::string tenant_id, std::string conversation_id,
                                                                    std::string display_name);
  /// The owning consultant sends a message (`text`, 1..max_text_bytes) or, with `typing`, a
  /// typing indicator (text ignored): stored with sender role "consultant" and streamed to the
  /// widget, `from` = {id "consultant", name display_name}. Returns the activity id.
  [[nodiscard]] boost::asio::awaitable<result<std::string>> send_as_consultant(std::string tenant_id,
                                                                               std::string conversation_id,
                                                                               std::string display_name, bool typing,
                                                                               std::string text);
  /// A consultant-owned (with_consultant) conversation changes hands; it stays with_consultant,
  /// so the user's messages go to the desk and never to the bot in between, and the bot hears
  /// nothing (the handoff goes on). Empty `to_display_name`: the desk queues it again, the widget
  /// is told it is being transferred (then its place, update_handoff); else the consultant of
  /// that name took it over and the widget is told so. The desk calls this, not accept_handoff(),
  /// for the next consultant of a conversation that was with one.
  [[nodiscard]] boost::asio::awaitable<result<void>> transfer_handoff(std::string tenant_id,
                                                                      std::string conversation_id,
                                                                      std::string to_display_name);
  /// While waiting (or transferred): tells the widget its place in the queue and the estimated wait.
  [[nodiscard]] boost::asio::awaitable<result<void>> update_handoff(std::string tenant_id, std::string conversation_id,
                                                                    std::uint32_t position,
                                                                    std::chrono::seconds estimated_wait);
  /// Ends a waiting or owned handoff: the conversation returns to the bot (with_bot), the widget
  /// is told, the bot gets handoff.status `completed` or `failed` with `message` (≤ 1000 bytes)
  /// and, for completed, `resume_intent` (an intent id for the assistant to resume; may be empty).
  [[nodiscard]] boost::asio::awaitable<result<void>> end_handoff(std::string tenant_id, std::string conversation_id,
                                                                 handoff_outcome outcome, std::string message,
                                                                 std::string resume_intent);

  /// The token service (after start()).
  [[nodiscard]] token_service& tokens();
  [[nodiscard]] const options& get_options() const;
  /// Open WebSocket streams in this process.
  [[nodiscard]] std::size_t open_streams() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace parley::channel
