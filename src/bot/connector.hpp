// The bot's client of the channel's Bot Connector API (private to the bot component):
// POST {serviceUrl}v3/conversations/{id}/activities[/{replyToId}] with a bearer token from the
// channel's client-credentials endpoint (bot-connector.md §2, §3). The token is cached until
// `refresh_early` before its expiry; one fetch at a time (concurrent callers wait for it); a 401
// from the Connector drops it and the call is retried once with a fresh one. Anonymous bots (no
// app id) send no Authorization header, as botbuilder does. With a channel_link (a channel of the
// same process, ADR 0007) every send goes through it instead: no HTTP, no token.
// Thread-safety: every member function may be called from any thread.
#pragma once

#include "protected_secret.hpp"

#include <parley/bot/channel_link.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace parley::bot {

struct connector_settings {
  std::string app_id;            ///< empty: anonymous
  protected_secret app_password;
  std::string token_endpoint;    ///< the channel's /{tenant}/oauth2/v2.0/token
  std::string scope;             ///< ToChannelFromBotOAuthScope (+ "/.default" is appended)
  std::chrono::seconds refresh_early{300};
  std::chrono::milliseconds timeout{10000};
  std::string bot_id;            ///< who sends, for the in-process link
  channel_link* link = nullptr;  ///< a channel of this process; null: HTTP
};

class connector_client {
 public:
  /// `http` and `clock` must outlive this.
  connector_client(connector_settings s, net::http_client& http, const core::clock& clock);

  /// Sends one activity to the conversation; a reply when `reply_to_id` is not empty.
  /// Errors: errc::channel_error (non-2xx), errc::channel_unreachable (no answer).
  [[nodiscard]] boost::asio::awaitable<result<void>> send(std::string service_url, std::string conversation_id,
                                                          std::string reply_to_id, boost::json::object activity);

  /// The bearer token (cached); empty for an anonymous bot. errc::channel_error /
  /// channel_unreachable when the token endpoint refuses or does not answer.
  [[nodiscard]] boost::asio::awaitable<result<std::string>> access_token();

  /// Drops the cached token (after the Connector refused it).
  void invalidate();

  struct counters {
    std::uint64_t token_fetches = 0;
  };
  [[nodiscard]] counters stats() const;

 private:
  boost::asio::awaitable<result<std::string>> fetch_token();
  boost::asio::awaitable<void> wait_for_fetch();
  boost::asio::awaitable<result<void>> send_in_process(std::string conversation_id, std::string reply_to_id,
                                                       const boost::json::object& activity);

  connector_settings s_;
  net::http_client& http_;
  const core::clock& clock_;
  mutable std::mutex mutex_;
  std::string token_;  // bearer; only in this process's memory, never logged
  std::chrono::steady_clock::time_point refresh_at_{};
  bool fetching_ = false;
  std::vector<std::function<void()>> waiters_;
  counters counters_;
};

}  // namespace parley::bot
