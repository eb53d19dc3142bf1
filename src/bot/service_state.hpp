// The shared state behind parley::bot::service and the functions of its routes (private).
#pragma once

#include "activity.hpp"
#include "channel_auth.hpp"
#include "connector.hpp"
#include "http_fetcher.hpp"
#include "protected_secret.hpp"
#include "user_assertion.hpp"

#include <parley/assistant/dialog.hpp>
#include <parley/bot/client_api.hpp>
#include <parley/bot/service.hpp>
#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/net/rate_limiter.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace parley::bot {

/// Where replies to a conversation go: captured from an authenticated inbound activity.
struct reply_target {
  conversation_ref conversation;
  std::string service_url;
  std::string locale;
  std::string traceparent;  ///< of the inbound activity's request (empty: none); for the bank calls
};

/// The JSON log fields (core/log_fields.hpp) of a line about conversation `c`, in the trace of
/// `traceparent` when it is valid: views into both, which must outlive the line.
[[nodiscard]] inline core::log_fields log_ids(const conversation_ref& c, std::string_view traceparent = {}) {
  return {.conversation = c.conversation_id, .tenant = c.tenant_id, .trace_id = net::trace_id_of(traceparent)};
}

struct service::state : std::enable_shared_from_this<service::state> {
  state(options o, std::shared_ptr<const assistant::definition> d, assistant::options ao, dependencies deps);

  options opts;
  dependencies deps;
  std::shared_ptr<const assistant::definition> def;
  assistant::engine engine;
  std::shared_ptr<spdlog::logger> log;
  protected_secret channel_secret;
  net::rate_limiter per_address;
  net::rate_limiter global;
  core::log_throttle global_limit_warning;  // "the global rate limit is reached": once per 10 s
  net::rate_limiter refresh_per_address;
  http_fetcher fetcher;
  jose::dpop_verifier dpop;            // the widget's proof on GetNewToken (RFC 9449)
  jose::dpop_replay_cache dpop_replay;
  std::unique_ptr<user_assertions> assertions;
  client_api api;
  // Set by start():
  std::unique_ptr<channel_authenticator> auth;
  std::unique_ptr<connector_client> connector;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> background{0};  // actions in flight (tests wait for 0)
  // Conversations whose handoff.initiate is being sent (handoff.cpp): a handoff.status `failed`
  // that arrives meanwhile is the answer to it (the action fails; the definition says what next),
  // not news for the user. Mapped to whether it was refused.
  std::mutex handoff_mutex;
  std::map<std::string, bool, std::less<>> handoffs_in_flight;

  [[nodiscard]] conversation_ref ref(std::string conversation_id, std::string user_id) const {
    return {opts.tenant, opts.id, std::move(conversation_id), std::move(user_id)};
  }
};

using state_ptr = std::shared_ptr<service::state>;

// handshake.cpp
void add_handshake_routes(net::router& r, const state_ptr& s);

// turns.cpp
/// One engine step applied under the etag discipline: load the state, restore, step, store with
/// the etag; on etag_mismatch the whole step runs again on the fresh state. `may_register`: a
/// conversation the store does not hold is registered (an authenticated activity of a channel
/// with another store); otherwise it fails (store not_found).
using engine_step = std::function<assistant::turn_result(const assistant::dialog_state&)>;
[[nodiscard]] boost::asio::awaitable<result<assistant::turn_result>> transact(const state_ptr& s,
                                                                             const conversation_ref& c,
                                                                             const engine_step& step,
                                                                             bool may_register = true);
/// Sends the replies of a turn (in order) and then starts its action in the background.
[[nodiscard]] boost::asio::awaitable<result<void>> deliver(const state_ptr& s, const reply_target& to,
                                                           std::string reply_to_id, assistant::turn_result turn);

// messages.cpp
void add_message_routes(net::router& r, const state_ptr& s);

// handoff.cpp (ADR 0021)
/// The `handoff` action: sends handoff.initiate with the routing context and tells the user.
[[nodiscard]] boost::asio::awaitable<assistant::action_result> handoff(const state_ptr& s, const reply_target& to,
                                                                       const assistant::action& a);
/// A handoff.status from the channel: tells the user what it means; returns the intent to resume
/// after a `completed` that names one.
[[nodiscard]] boost::asio::awaitable<std::optional<std::string>> on_handoff_status(const state_ptr& s,
                                                                                   const inbound_activity& a);

// actions.cpp
/// Performs `a` in the background (co_spawn with log_exceptions) and resumes the dialog with its
/// outcome as a proactive message.
void start_action(const state_ptr& s, reply_target to, assistant::action a);

}  // namespace parley::bot
