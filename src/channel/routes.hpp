// The route groups of the channel, one file each; service::add_routes() calls them in order.
#pragma once

#include "service_state.hpp"

#include <parley/net/router.hpp>

#include <memory>

namespace parley::channel {

using state_ptr = std::shared_ptr<service::state>;

/// Nesting allowed in an activity a bot sends (Connector route and in-process path alike).
inline constexpr std::size_t connector_json_depth = 64;

/// Stores, echoes and delivers one normalised client activity; answers {id} once the bot has
/// answered, or 502/504 (shared by POST activities and upload). `traceparent` (the request's,
/// net/trace_context.hpp) goes on the call to the bot.
[[nodiscard]] boost::asio::awaitable<net::response> post_client_activity(const state_ptr& s, const client_identity& who,
                                                                       const store::conversation& conv,
                                                                       boost::json::object activity,
                                                                       std::string traceparent = {});
/// Normalises (from = the bot), stores and streams one activity of an authenticated bot in its
/// conversation `conv`; returns the activity's id. Shared by the Connector route and the
/// in-process path (service::receive_from_bot). Errors: normalisation's and the store's.
[[nodiscard]] boost::asio::awaitable<result<std::string>> post_bot_activity(
    const state_ptr& s, const bot_options& bot, const store::conversation& conv, const boost::json::value& body,
    std::optional<std::string_view> reply_to, std::optional<std::string> idempotency);
/// A bot's handoff.initiate (normalised `activity`) in its conversation `conv` (handoff.cpp,
/// ADR 0021): checked, stored, the conversation queued, the widget and the desk told. Returns the
/// activity's id. Errors: bad_argument (the routing context), wrong_state (not with the bot), the store's.
[[nodiscard]] boost::asio::awaitable<result<std::string>> post_bot_handoff(const state_ptr& s, const bot_options& bot,
                                                                           const store::conversation& conv,
                                                                           boost::json::object activity,
                                                                           std::optional<std::string> idempotency);
/// Tells the desk that a conversation that was handed off (`before`: its state before it ended) ended.
void notify_handoff_abandoned(const state_ptr& s, const store::conversation& before);
/// `inner` with the channel's current DPoP nonce in a DPoP-Nonce header (every Direct Line route
/// a bound token may call).
[[nodiscard]] boost::asio::awaitable<net::response> with_dpop_nonce(state_ptr s,
                                                                    boost::asio::awaitable<net::response> inner);
/// A stored file as a download (sandboxed CSP, attachment disposition unless an image).
[[nodiscard]] net::response attachment_response(store::attachment file);

/// tokens/generate, tokens/refresh, conversations, activities, getsessionid, attachments.
void add_directline_routes(net::router& r, const state_ptr& s);
/// POST /v3/directline/conversations/{id}/upload.
void add_upload_routes(net::router& r, const state_ptr& s);
/// GET /v3/directline/conversations/{id}/stream (WebSocket).
void add_stream_route(net::router& r, const state_ptr& s);
/// The Bot Connector API under /v3/conversations and /v3/attachments.
void add_connector_routes(net::router& r, const state_ptr& s);
/// The client-credentials token endpoint, its OpenID metadata, and the to-bot metadata and JWKS.
void add_oauth_routes(net::router& r, const state_ptr& s);
/// POST /v3/directline/tokens/revoke (bots only).
void add_token_routes(net::router& r, const state_ptr& s);

}  // namespace parley::channel
