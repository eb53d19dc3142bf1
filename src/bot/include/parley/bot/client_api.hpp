// The client API caller: performs the assistant's `call_api` actions against the client's (the
// bank's) own API, as configured per tenant in [bot.api] (options.hpp: base URL and an operation
// table — method, path template, which slots go into the path, the query or the JSON body, and
// which response fields become named result values).
//
// Operations marked requires_login send the end user's bank token from the user_token_source seam
// (login.hpp) as `Authorization: Bearer`; the token is fetched just before the call and dropped
// right after. Outcomes: 2xx with every declared result → ok; a status in denied_statuses →
// denied (reason: the API's error code); timeout → timeout; anything else (transport error,
// other status, a missing result, not logged in) → failed with a short machine reason. Slot
// values and response bodies are conversation data: never logged (operation names, statuses and
// sizes are).
//
// Ownership: the http client and the token source must outlive the caller.
// Thread-safety: call() may be called from any thread, concurrently.
#pragma once

#include <parley/assistant/action.hpp>
#include <parley/bot/login.hpp>
#include <parley/bot/options.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace parley::bot {

class client_api {
 public:
  client_api(api_options opts, net::http_client& http, user_token_source& tokens);

  /// Performs `action` (kind call_api) for `conversation`. Never throws; never fails to return.
  /// `traceparent` (W3C, the turn's; "" or invalid: a new trace) goes on the call to the API, and
  /// the trace id with the conversation id onto the JSON log lines (core/log_fields.hpp).
  [[nodiscard]] boost::asio::awaitable<assistant::action_result> call(assistant::action action,
                                                                      conversation_ref conversation,
                                                                      std::string traceparent = {}) const;

  [[nodiscard]] const api_options& settings() const noexcept { return opts_; }

 private:
  api_options opts_;
  net::http_client& http_;
  user_token_source& tokens_;
};

/// The value at a dotted path ("card.last4") of a JSON document; nullptr if absent.
[[nodiscard]] const boost::json::value* find_path(const boost::json::value& doc, std::string_view path);

/// Renders `item` ("{name}: {balance}") with the string/number members of `element`; unknown
/// placeholders render empty.
[[nodiscard]] std::string render_item(std::string_view item, const boost::json::value& element);

}  // namespace parley::bot
