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
/// update_handoff, end_handoff, for the named tenant only).
class conversation_link {
 public:
  virtual ~conversation_link() = default;
  virtual boost::asio::awaitable<link_result> accept(std::string tenant_id, std::string conversation_id,
                                                     std::string display_name) = 0;
  virtual boost::asio::awaitable<link_result> send(std::string tenant_id, std::string conversation_id,
                                                   std::string display_name, bool typing, std::string text) = 0;
  virtual boost::asio::awaitable<link_result> update(std::string tenant_id, std::string conversation_id,
                                                     std::uint32_t position, std::chrono::seconds estimated_wait) = 0;
  /// `completed` false: the handoff failed (no consultant); `message` is told to the bot.
  virtual boost::asio::awaitable<link_result> end(std::string tenant_id, std::string conversation_id, bool completed,
                                                  std::string message, std::string resume_intent) = 0;
};

}  // namespace parley::desk
