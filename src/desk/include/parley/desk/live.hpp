// The live desk's seams (issue 19, docs/adr/0021-handoff.md): what the desk is told by the
// channel and what it asks of the channel. The desk never depends on the channel: the composition
// root (src/app) adapts channel::handoff_listener and the bus (channel.activity) to service::handoff_*()
// and service::conversation_activity(), and channel::service's desk steps to conversation_link.
// In one process these are direct calls; between processes each crosses the bus (ADR 0021:
// `desk.handoff`, `channel.handoff`, `channel.activity`), unchanged for the desk.
//
// Thread-safety: a conversation_link may be called concurrently from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::desk {

/// A handoff the channel recorded (a bot's handoff.initiate, checked).
struct handoff_notice {
  std::string tenant_id;
  std::string conversation_id;
  std::string handoff_id;  ///< the stored handoff.initiate's activity id
  std::string reason;
  std::string failed_intent;
  std::string queue;  ///< empty: the tenant's default queue ("general")
  int priority = 0;
};

/// How a step the desk asked of the channel went.
enum class link_status {
  ok,
  not_found,     ///< no such conversation in that tenant (or it was erased)
  wrong_state,   ///< the conversation is not in the state the step needs (the user left...)
  bad_argument,  ///< the text or name was refused (too long, '@' in a display name)
  unavailable,   ///< the channel or the store cannot do it now
};

struct link_result {
  link_status status = link_status::unavailable;
  std::string activity_id;  ///< send(): the stored activity's id
};

/// The channel's side of the desk's steps (channel::service accept_handoff, send_as_consultant,
/// update_handoff, transfer_handoff, end_handoff, for the named tenant only).
class conversation_link {
 public:
  virtual ~conversation_link() = default;
  virtual boost::asio::awaitable<link_result> accept(std::string tenant_id, std::string conversation_id,
                                                     std::string display_name) = 0;
  virtual boost::asio::awaitable<link_result> send(std::string tenant_id, std::string conversation_id,
                                                   std::string display_name, bool typing, std::string text) = 0;
  virtual boost::asio::awaitable<link_result> update(std::string tenant_id, std::string conversation_id,
                                                     std::uint32_t position, std::chrono::seconds estimated_wait) = 0;
  /// A consultant-owned conversation changes hands without the bot in between (channel::service
  /// transfer_handoff): `display_name` empty, it waits for the next consultant (the widget is told
  /// it is being transferred); else that consultant took it over. wrong_state unless it is with a
  /// consultant. (Default: unavailable, for a link that cannot carry it.)
  virtual boost::asio::awaitable<link_result> transfer(std::string /*tenant_id*/, std::string /*conversation_id*/,
                                                       std::string /*display_name*/) {
    co_return link_result{};
  }
  /// `completed` false: the handoff failed (no consultant); `message` is told to the bot.
  virtual boost::asio::awaitable<link_result> end(std::string tenant_id, std::string conversation_id, bool completed,
                                                  std::string message, std::string resume_intent) = 0;
};

/// A live-desk event for the desks on other nodes (ADR 0023): what one node tells its own open
/// desks, the composition root carries to the others (the bus, `desk.event`, fan-out), where
/// service::relayed_event() tells theirs. The store stays the source of truth: a desk that
/// missed one reloads what it shows.
struct desk_event {
  enum class scope {
    tenant,        ///< every open desk of the tenant (queue.changed)
    actor,         ///< the desks of the consultant `key` (handoff.assigned: they now watch `conversation`)
    conversation,  ///< the desks watching the conversation `key` (conversation.ended)
  };
  std::string tenant_id;
  scope to = scope::tenant;
  std::string key;
  std::string conversation;
  std::string type;  ///< the envelope's type ("queue.changed", "handoff.assigned", "conversation.ended")
  std::string data;  ///< the envelope's data: a JSON object
};

/// Where a desk publishes its events for the other nodes. publish() never blocks (a lost event
/// costs a reload, never data).
class event_relay {
 public:
  virtual ~event_relay() = default;
  virtual void publish(desk_event e) = 0;
};

}  // namespace parley::desk
