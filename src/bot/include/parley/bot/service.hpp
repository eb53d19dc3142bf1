// The bot web service: one bot (options.hpp) with its assistant, on the routes it adds to a router:
//  - POST /api/token (GetNewToken): origin allowlist (403), per-address and global rate limits
//    (429 + Retry-After), a new unguessable user id (or a pseudonym from a signed user assertion),
//    then the channel's tokens/generate with the channel secret; answers
//    {token, conversationId, userId, expiresIn, channelUrl};
//  - POST /api/token/refresh (RefreshToken): the channel's tokens/refresh with the caller's token;
//    same answer; an expired token gets the channel's 403 TokenExpired;
//  - POST /api/messages: the Bot Connector messaging endpoint. The channel's JWT is validated as
//    botbuilder does, the activity parsed strictly, the assistant's turn run with its state in the
//    store (whole turn retried on etag_mismatch), the replies sent through the Connector API before
//    the POST is answered, and the action (handoff, call_api, start_login, end_conversation)
//    performed in the background; its outcome is resumed as a proactive message.
// A channel of the same process may instead call receive_in_process() and take the replies
// through dependencies::channel (docs/adr/0007-in-process-delivery.md).
// The channel secret and the app password are moved into protected memory at construction and
// never appear in a response, a log line or an error.
//
// Ownership: the dependencies must outlive the service; the service must outlive the io_context's
// last handler (background actions hold its state). Call stop() before destroying it.
// Thread-safety: add_routes() and start() once, at start-up; everything else is safe from any thread.
#pragma once

#include <parley/assistant/definition.hpp>
#include <parley/assistant/options.hpp>
#include <parley/bot/channel_link.hpp>
#include <parley/bot/login.hpp>
#include <parley/bot/options.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/net/client.hpp>
#include <parley/net/router.hpp>
#include <parley/store/conversation_store.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string_view>

namespace parley::bot {

/// What the bot uses and does not own.
struct dependencies {
  boost::asio::io_context& io;       ///< runs the background actions
  store::conversation_store& store;  ///< bot state (etags) and conversation state
  net::http_client& http;            ///< the channel, the Connector API, JWKS, the client API
  const core::clock& clock;
  core::random_source& rng;          ///< user ids
  login_executor& login;             ///< start_login (issue 8); unavailable_login until then
  user_token_source& user_tokens;    ///< the end user's bank token for requires_login operations
  /// The channel of this process (docs/adr/0007): when set, every activity the bot sends goes
  /// through it instead of the Connector API over HTTP (no access token is fetched). Null: HTTP.
  channel_link* channel = nullptr;
};

class service {
 public:
  /// `opts` from parse_options(); `def` the loaded assistant definition (load_definition_file).
  /// Errors: errc::bad_assertion when an assertion site's inline JWK does not parse.
  [[nodiscard]] static result<std::unique_ptr<service>> create(options opts,
                                                              std::shared_ptr<const assistant::definition> def,
                                                              assistant::options assistant_opts, dependencies deps);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// Adds /api/token, /api/token/refresh (CORS for the allowed origins) and /api/messages.
  /// Until start(), they answer 503.
  void add_routes(net::router& r);

  /// Completes the set-up once the channel's URL is known: `channel_url` replaces an empty
  /// options::channel_url (the demo binds the channel's listener first) and the derived URLs are
  /// filled in. Starts the background refresh (every 24 h; a failed fetch is retried after 30 s)
  /// of the channel's keys (with an app id and no in-process channel: OpenID metadata → JWKS) and
  /// of each assertion site's jwks_url, on `dependencies::io`.
  /// False if the resulting URL is not usable.
  [[nodiscard]] bool start(std::string_view channel_url = {});

  /// Stops accepting new background work and ends the key refresh; actions in flight finish or
  /// are abandoned with the io_context.
  void stop();

  /// The in-process twin of POST /api/messages, for a channel of the same process: the same
  /// strict parsing and limits (max_activity_bytes), the same turn, replies (through
  /// dependencies::channel) and background action, but no JWT check (same trust domain, ADR 0007).
  /// `activity_json` is the body the channel would POST. Returns the status the route would
  /// answer: 200 (done, or still running past turn_budget), 400 (not a valid activity), 413 (too
  /// large), 500 (the turn failed), 503 (not started). Never throws. `traceparent` (W3C, as the
  /// route's request header; "" or invalid: the turn's calls start a trace of their own) joins the
  /// turn's log lines and its calls to the bank and the client API to the channel's request.
  [[nodiscard]] boost::asio::awaitable<int> receive_in_process(std::string activity_json, std::string traceparent = {});

  [[nodiscard]] const options& get_options() const;
  /// Actions running in the background now (tests wait for 0; shutdown may report it).
  [[nodiscard]] std::size_t background_actions() const noexcept;

  struct state;

 private:
  friend struct service_test_access;  // unit tests beside the code reach the state
  explicit service(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace parley::bot
