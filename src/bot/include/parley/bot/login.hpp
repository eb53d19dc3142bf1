// The seams between the bot web service and the end-user login (src/login, issue 8).
//
// The bot performs the assistant's actions. Two of them need the end user's login to the
// client's back end (the bank):
//  - `start_login`: the bot hands the action to a login_executor and resumes the dialog with the
//    action_result it returns (as a proactive message, in a turn of its own);
//  - `call_api` operations marked `requires_login` in the client API table: the bot asks a
//    user_token_source for the user's bank token just before the call, and drops it right after.
// The bot also asks the user_token_source, on every turn, whether the user is logged in
// (assistant::incoming::logged_in), so that `requires_login` intents start a login first.
//
// Until the login component is wired in, src/app passes `unavailable_login`: every login fails
// with reason "login_unavailable" (the assistant then says its `login_failed` message), and
// nobody is logged in. Never a fake success.
//
// Ownership: src/app owns the implementations; they must outlive the bot service.
// Thread-safety: implementations must allow concurrent calls from any thread, for any number of
// conversations at once.
#pragma once

#include <parley/assistant/action.hpp>
#include <parley/bot/error.hpp>
#include <parley/core/error.hpp>
#include <parley/core/log.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace parley::bot {

/// Names one conversation of one bot: ids only, never content. The user id is the pseudonymous
/// Direct Line id ("dl_..."), as bound by the channel.
struct conversation_ref {
  std::string tenant_id;
  std::string bot_id;
  std::string conversation_id;
  std::string user_id;
  bool operator==(const conversation_ref&) const = default;
};

/// Something the login executor says to the user while a login runs (added by the login
/// component, issue 8): a question (customer id, method), the prompt for a one-time code, a
/// wrong-code notice. Conversation text: never log it.
struct login_prompt {
  std::string text;              ///< markdown
  bool expects_secret = false;   ///< the answer is a secret: flag the activity so the channel stores the answer masked
  std::vector<std::string> choices;  ///< button titles (imBack: the button sends its title)
  /// A one-time code is on its way (said before the bank is asked to send it): the channel masks
  /// bare codes from now until the bot's next message without a flag, even before the code prompt
  /// is stored. With an empty text nothing is shown: the bot sends a typing activity carrying the
  /// flag (channelData.parley.awaitsCode).
  bool awaits_code = false;
};

/// One `start_login` action to perform.
struct login_request {
  conversation_ref conversation;
  std::string action_id;  ///< echo it in the action_result
  /// Slot values the definition's login flow collected before the action (e.g. a customer id or
  /// the approval method), by slot id. Conversation data: never log the values.
  std::map<std::string, std::string> arguments;
  /// Sends a login_prompt to the user as a proactive message (set by the bot; empty: the executor
  /// cannot ask anything and fails a login that lacks a customer id). Added for the login
  /// component; the bot sets it when it can send proactive messages.
  std::function<void(login_prompt)> say;
  /// W3C traceparent of the request that led to the login (the channel's call to the bot; empty
  /// when there was none, in-process): the executor puts it on its calls to the bank.
  std::string traceparent;
};

/// Performs the end-user login. The bot calls start_login() in the background (never while an
/// inbound POST waits) and passes the result to assistant::engine::resume(). The call may take as
/// long as the login does (minutes: the user approves on their phone); it must complete on its own
/// (ok, failed, denied or timeout) and never throw. result.action_id must be request.action_id.
class login_executor {
 public:
  virtual ~login_executor() = default;
  [[nodiscard]] virtual boost::asio::awaitable<assistant::action_result> start_login(login_request request) = 0;
  /// A message the user sent while their login runs, offered before the assistant sees it. The
  /// executor returns true when it took the message as the answer to its own prompt (customer id,
  /// method, one-time code, "cancel"): the bot then does not run the assistant on it. Default:
  /// false (added for the login component; the bot calls it for every user message).
  [[nodiscard]] virtual boost::asio::awaitable<bool> consume(conversation_ref conversation, std::string text) {
    (void)conversation;
    (void)text;
    co_return false;
  }
};

/// The end user's token for the client's back end, held by the login component (sealed in memory).
class user_token_source {
 public:
  virtual ~user_token_source() = default;
  /// Whether the user of `conversation` is logged in now. Cheap; called on every turn.
  [[nodiscard]] virtual bool logged_in(const conversation_ref& conversation) = 0;
  /// The bank token for one call (the bot sends it as `Authorization: Bearer`, then drops it).
  /// errc::not_logged_in when the user is not (or no longer) logged in.
  [[nodiscard]] virtual boost::asio::awaitable<result<core::secret_string>> token(conversation_ref conversation) = 0;
  /// The conversation ended: forget the user's token, if any. Default: nothing to forget.
  virtual void forget(const conversation_ref& conversation) { (void)conversation; }

  // Added for the login component (issue 8); prefer these to token().
  /// Sends `request` to the client's API with `Authorization: Bearer <token>`, the token opened
  /// just in time into the request, which is sent `sensitive` (the HTTP client wipes its copies
  /// after the exchange): no copy of the token outlives the call. A relative URL ("/accounts") is
  /// resolved against the tenant's API base. errc::not_logged_in; a 401 wipes the token (the user
  /// must log in again) and is returned as errc::not_logged_in. Default: errc::login_unavailable.
  [[nodiscard]] virtual boost::asio::awaitable<result<net::client_response>> send_with_token(
      conversation_ref conversation, net::client_request request) {
    (void)conversation;
    (void)request;
    co_return make_error_code(errc::login_unavailable);
  }
  /// The user logs out: the token is revoked at the bank (/logout) and wiped here.
  /// errc::not_logged_in when there was none. Default: errc::login_unavailable.
  [[nodiscard]] virtual boost::asio::awaitable<result<void>> logout(conversation_ref conversation) {
    (void)conversation;
    co_return make_error_code(errc::login_unavailable);
  }
};

/// Both seams, before the login component exists: every login fails ("login_unavailable"),
/// nobody is logged in, no token is ever returned (errc::login_unavailable).
class unavailable_login final : public login_executor, public user_token_source {
 public:
  [[nodiscard]] boost::asio::awaitable<assistant::action_result> start_login(login_request request) override;
  [[nodiscard]] bool logged_in(const conversation_ref& conversation) override;
  [[nodiscard]] boost::asio::awaitable<result<core::secret_string>> token(conversation_ref conversation) override;
};

}  // namespace parley::bot
