// The seam through which the bot web service sends its activities (replies, typing, proactive
// messages) to a channel running in the same process, instead of the Connector API over HTTP with
// a client-credentials bearer. src/app implements it over parley::channel (the bot never knows
// the channel component); see docs/adr/0007-in-process-delivery.md for the trust decision.
//
// Contract: send() gets exactly the JSON text the HTTP path would POST to
// {serviceUrl}v3/conversations/{conversation_id}/activities[/{reply_to_id}] and completes once the
// channel has stored the activity: an empty error_code, or the channel's reason for refusing it
// (what the Connector route would have answered as a non-2xx status). It must not throw.
// Thread-safety: send() may be called concurrently from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <string>

namespace parley::bot {

class channel_link {
 public:
  virtual ~channel_link() = default;
  /// Sends one activity of bot `bot_id` to its conversation; a reply when `reply_to_id` is set.
  [[nodiscard]] virtual boost::asio::awaitable<boost::system::error_code> send(std::string bot_id,
                                                                               std::string conversation_id,
                                                                               std::string reply_to_id,
                                                                               std::string activity_json) = 0;
};

}  // namespace parley::bot
