// The seam through which the channel hands activities to a bot web service running in the same
// process (bot_options::endpoint == in_process_endpoint), instead of POSTing them to the bot's
// /api/messages with a signed JWT. src/app implements it over parley::bot (the channel never
// knows the bot component); see docs/adr/0007-in-process-delivery.md for the trust decision.
//
// Contract: deliver() gets exactly the JSON text the HTTP path would send as the POST body (the
// stored activity, with the channel's id, timestamp and serviceUrl) and completes when the bot has
// finished with it, its replies already sent back through channel::service::receive_from_bot().
// It returns the HTTP status the bot's /api/messages would have answered (2xx accepted; 401/403
// refused; 5xx failed; 503 when the bot is not started). It must not throw. The channel bounds the
// wait by options::bot_timeout itself (the bot's work is never cancelled, as over HTTP).
// `traceparent` is the W3C header the HTTP path would send (always valid: a span of the client
// request's trace, net/trace_context.hpp), for the bot's turn and its outbound calls.
// Thread-safety: deliver() may be called concurrently from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace parley::channel {

class in_process_bot {
 public:
  virtual ~in_process_bot() = default;
  /// Hands `activity_json` to the bot `bot_id` of this process; returns its status.
  [[nodiscard]] virtual boost::asio::awaitable<int> deliver(std::string bot_id, std::string activity_json,
                                                            std::string traceparent) = 0;
};

}  // namespace parley::channel
