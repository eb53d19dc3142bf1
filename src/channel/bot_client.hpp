// Channel → bot: POST of an activity to the bot's messaging endpoint through the net outbound
// client (keep-alive pool, certificate verification, timeouts), with the bearer token the bot
// checks (token_service::to_bot_token; none for an anonymous bot). A bot whose endpoint is
// in_process_endpoint gets the same JSON through in_process_bot::deliver() instead (no HTTP, no
// token; docs/adr/0007), with the same timeout and the same errors.
//
// A bot answers only after its whole turn, during which it calls the Connector API: the caller
// must hold no lock while awaiting deliver(). The wait is bounded by options::bot_timeout.
// Errors: errc::bot_timeout (no answer in time), errc::bot_unreachable (connection, TLS or HTTP
// failure, garbage; or no in-process bot wired), errc::bot_rejected (a non-2xx status; 401/403
// bodies are logged truncated, since botbuilder puts the reason there), errc::internal (no
// signing key).
// Thread-safety: deliver() may be called concurrently from any thread.
#pragma once

#include <parley/channel/in_process_bot.hpp>
#include <parley/channel/options.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>

namespace parley::channel {

class bot_client {
 public:
  /// All references (and `in_process`, which may be null) must outlive the client.
  bot_client(const options& opts, net::http_client& http, token_service& tokens, in_process_bot* in_process = nullptr);

  /// `traceparent` (W3C, the client request's): sent on the HTTP call to the bot when valid, a
  /// new trace otherwise (net/trace_context.hpp); in-process too (the bot's turn joins it).
  /// `conversation_id` (the activity's): the JSON log lines' `conversation` field.
  [[nodiscard]] boost::asio::awaitable<result<void>> deliver(const bot_options& bot, std::string activity_json,
                                                             std::string traceparent = {},
                                                             std::string conversation_id = {});

 private:
  boost::asio::awaitable<result<void>> deliver_in_process(const bot_options& bot, std::string activity_json,
                                                          std::string traceparent, std::string conversation_id);

  const options& opts_;
  net::http_client& http_;
  token_service& tokens_;
  in_process_bot* in_process_;
};

}  // namespace parley::channel
