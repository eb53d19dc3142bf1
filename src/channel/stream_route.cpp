// GET /v3/directline/conversations/{id}/stream: the Direct Line WebSocket. The upgrade is
// authorised by the `t=` stream token (about 60 s, usable once; with a DPoP proof in the
// subprotocol when bound) and lasts as long as the token's session: when the session expires the
// stream closes with 4401, when it is revoked or ended with 4403. The stream then replays what
// follows the URL's watermark from the store and goes live. One socket per conversation: a new
// one closes the older with reason "collision" (directlinejs reconnects after any close, through
// GET /conversations/{id} and a fresh stream URL, so nothing is lost).
#include "routes.hpp"

#include <parley/core/async.hpp>
#include <parley/net/websocket.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace parley::channel {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;

constexpr std::size_t replay_page = 20;
// Replay pages wait until the socket's queue is under this (the route allows 4 MiB queued).
constexpr std::size_t replay_queue_mark = 512 * 1024;

awaitable<void> replay(state_ptr s, std::shared_ptr<stream_subscriber> sub, conversation_ref ref, std::uint64_t after,
                       net::websocket ws) {
  std::size_t sent = 0;
  std::uint64_t pos = after;
  for (;;) {
    while (ws.is_open() && ws.queued_bytes() > replay_queue_mark) {
      asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
      co_await t.async_wait(core::use_tuple);
    }
    if (!ws.is_open() || sub->closed()) co_return;
    auto page = co_await s->conversations.read(ref, pos, replay_page);
    if (!page) {
      sub->close(net::close_code::internal_error, "storage unavailable");
      co_return;
    }
    std::vector<sequenced_activity> batch;
    batch.reserve(page->activities.size());
    // Records that fail their integrity check arrive as markers (conversation_service::read).
    for (auto& a : page->activities) batch.push_back({a.seq, std::move(a.type), std::move(a.body)});
    sub->replay(batch);
    sent += batch.size();
    pos = page->last_seq;
    if (!page->more) break;
    if (sent >= s->opts.max_replay_activities) {
      // The client reconnects from the watermark of the last frame and gets the rest then.
      sub->close(net::close_code::normal, "reconnect to continue");
      co_return;
    }
  }
  sub->go_live();
}

// Reads a gap (or a catch-up) for a live stream from the store and hands it to the subscriber:
// events from other nodes arrive in any order and may be lost while the bus is down.
awaitable<void> fill_gap(std::weak_ptr<service::state> w, std::weak_ptr<stream_subscriber> weak_sub,
                         conversation_ref ref, std::uint64_t after) {
  auto s = w.lock();
  if (!s) co_return;
  bool ok = true;
  std::size_t read = 0;
  std::uint64_t pos = after;
  for (;;) {
    auto page = co_await s->conversations.read(ref, pos, replay_page);
    auto sub = weak_sub.lock();
    if (!sub || sub->closed()) co_return;
    if (!page) {
      ok = false;
      break;
    }
    std::vector<sequenced_activity> batch;
    batch.reserve(page->activities.size());
    // Records that fail their integrity check arrive as markers (conversation_service::read).
    for (auto& a : page->activities) batch.push_back({a.seq, std::move(a.type), std::move(a.body)});
    sub->replay(batch);
    read += batch.size();
    pos = page->last_seq;
    if (!page->more) break;
    if (read >= s->opts.max_replay_activities) {
      sub->close(net::close_code::normal, "reconnect to continue");
      co_return;
    }
  }
  if (auto sub = weak_sub.lock()) sub->fetched(ok);
}

net::websocket_upgrade refuse(errc e, std::string_view message = {}) {
  return net::websocket_upgrade::reject(error_response(e, message));
}

// The URI the client connected to, as a DPoP proof's htu names it (ws(s)://, no query).
std::string stream_htu(const state_ptr& s, const net::request& req) {
  const bool https = s->opts.public_url.starts_with("https://");
  return std::string(https ? "wss://" : "ws://") + s->opts.public_url.substr(https ? 8 : 7) + std::string(req.path);
}

// Single use across nodes (ADR 0025): the token service's replay set knows this node's
// redemptions only; a store shared by several nodes records every node's.
awaitable<error_code> use_once_across_nodes(const state_ptr& s, const conversation_grant& g) {
  auto* shared = s->deps.shared_uses;
  if (shared == nullptr) co_return error_code{};
  auto first = co_await shared->use_once(g.tenant_id, g.conversation_id, g.token_id);
  if (!first)
    co_return make_error_code(first.error() == store::errc::not_found ? errc::not_found : errc::store_unavailable);
  co_return *first ? error_code{} : make_error_code(errc::bad_credentials);
}

awaitable<net::websocket_upgrade> upgrade(const state_ptr& s, const net::request& req) {
  if (!s->started.load()) co_return refuse(errc::not_started);
  const auto t = req.query.get("t");
  if (!t || t->empty()) co_return refuse(errc::missing_credentials, "the stream URL needs its t= token");
  // A bound stream token is used only with a proof for this upgrade, checked before the token is
  // spent (a thief of the stream URL cannot even use it up). Browsers cannot set a DPoP header on
  // a WebSocket: the proof travels as a subprotocol.
  const auto proof = dpop_check::proof_subprotocol(req);
  const auto check = [&](const conversation_grant& g) -> error_code {
    if (!g.bound()) return {};
    if (!proof) return make_error_code(errc::dpop_required);
    return s->dpop.check(*proof, "GET", stream_htu(s, req), *t, g,
                         tenant_policy(s->opts, g.tenant_id).require_dpop_nonce);
  };
  auto g = s->tokens->redeem_stream_token(*t, check);
  if (!g) {
    const auto& e = g.error();
    if (e == errc::rate_limited) co_return refuse(errc::rate_limited, "too many streams for this conversation");
    if (e == errc::dpop_required || e == errc::invalid_dpop_proof || e == errc::use_dpop_nonce) {
      auto r = error_response(e);
      r.headers.set("DPoP-Nonce", s->dpop.nonce());
      co_return net::websocket_upgrade::reject(std::move(r));
    }
    co_return refuse(e == errc::token_expired ? errc::token_expired : errc::bad_credentials,
                     "stream token invalid, expired or already used");
  }
  if (g->conversation_id != req.param("id")) co_return refuse(errc::wrong_conversation);
  const auto* bot = s->bots.by_id(g->bot_id);
  if (!bot || bot->tenant != g->tenant_id) co_return refuse(errc::bad_credentials);
  switch (s->sessions.check(*g, s->deps.clock.now(), s->session_end(*g))) {
    case session_state::live:
      break;
    case session_state::revoked:
      co_return refuse(errc::token_revoked);
    default:
      co_return refuse(errc::token_expired);
  }
  if (const auto origin = req.headers.get("origin"); origin && !origin_allowed(*bot, g->trusted_origins, *origin)) {
    co_return refuse(errc::origin_not_allowed);
  }
  const auto after = parse_watermark(req.query.get("watermark").value_or(""));
  if (!after) co_return refuse(errc::bad_argument, "invalid watermark");
  const conversation_ref ref{g->tenant_id, g->conversation_id};
  // The stream token proves the conversation; a conversation record that fails its integrity
  // check still streams (its activities as markers) so that the reader sees what happened.
  auto conv = co_await s->conversations.get(ref);
  if (!conv && conv.error() != errc::integrity_failure) co_return refuse(errc::not_found);
  if (conv && conv->state == store::conversation_state::ended) co_return refuse(errc::token_revoked);
  if (auto used = co_await use_once_across_nodes(s, *g)) {
    if (used == errc::bad_credentials)
      co_return refuse(errc::bad_credentials, "stream token invalid, expired or already used");
    co_return refuse(used == errc::not_found ? errc::not_found : errc::store_unavailable);
  }

  const auto key = stream_hub::key(ref.tenant_id, ref.conversation_id);
  auto current = std::make_shared<std::shared_ptr<stream_subscriber>>();
  net::websocket_hooks hooks;
  if (g->bound()) hooks.subprotocol = std::string(dpop_subprotocol);
  hooks.on_open = [s, ref, key, after = *after, current, session = g->session_id](net::websocket ws) {
    auto sub = std::make_shared<stream_subscriber>(
        after, stream_sink{[ws](std::string frame) { return ws.send(std::move(frame)); },
                           [ws](std::uint16_t code, std::string reason) { ws.close(code, std::move(reason)); }});
    *current = sub;
    sub->on_gap([w = std::weak_ptr<service::state>(s), weak_sub = std::weak_ptr<stream_subscriber>(sub),
                 ref](std::uint64_t from) {
      if (auto st = w.lock()) {
        asio::co_spawn(st->deps.io, fill_gap(w, weak_sub, ref, from), core::log_exceptions{st->log, "stream gap read"});
      }
    });
    s->sessions.add_stream(session, sub);  // closed when the token's session ends (4401/4403)
    if (auto older = s->hub.attach(key, sub)) older->close(net::close_code::policy, "collision");
    asio::co_spawn(s->deps.io, replay(s, sub, ref, after, ws), core::log_exceptions{s->log, "stream replay"});
  };
  // Clients send "" every 20 s to keep the socket alive: nothing to do.
  hooks.on_message = [](net::websocket, std::string) -> awaitable<void> { co_return; };
  hooks.on_idle = [](net::websocket ws) { ws.send(""); };
  hooks.on_close = [s, key, current](net::websocket, const net::websocket_close&) {
    if (*current) {
      s->hub.detach(key, current->get());
      (*current)->close(net::close_code::normal, {});
    }
  };
  s->log->debug("stream opened for conversation {}", ref.conversation_id);
  co_return net::websocket_upgrade::accept(std::move(hooks));
}

}  // namespace

void add_stream_route(net::router& r, const state_ptr& s) {
  net::websocket_options ws;
  ws.max_message_bytes = 4096;            // clients only send "" keep-alives
  ws.max_queued_bytes = 4 * 1024 * 1024;  // a replay page and a few live frames
  ws.max_queued_messages = 4096;
  ws.liveness_timeout = std::chrono::seconds(75);  // directlinejs sends "" every 20 s; browsers answer pings
  ws.keepalive_interval = std::chrono::seconds(15);
  r.websocket(
      "/v3/directline/conversations/{id}/stream", [s](const net::request& q) { return upgrade(s, q); }, ws);
}

}  // namespace parley::channel
