// Private: the open desks of this node, i.e. the WebSockets of /desk/api/events, by session.
//
// Every message to a desk is one JSON envelope {"seq": n, "type": "...", "data": {...}}: `seq`
// counts from 1 per connection (part 2 resumes from it), `type` names the event. Part 1 sends
// "hello" (the session, on open), "pong" (to {"type":"ping"}), "error" (to anything else) and
// "session.ended" ({"reason": ...}, then close 4401), which the desk app turns into its
// signed-out view. Part 2 adds its own types to the same envelope.
// Thread-safety: every member may be called from any thread (one mutex; sends are queued by net).
#pragma once

#include <parley/net/websocket.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace parley::desk::detail {

/// The close code after "session.ended" (4000-4999: private use, RFC 6455 §7.4.2).
inline constexpr std::uint16_t session_ended_close = 4401;

class event_hub {
 public:
  /// Registers an open desk of session (tenant, ref).
  void add(const std::string& tenant, const std::string& ref, net::websocket ws);
  void remove(const net::websocket& ws);
  /// Sends `type` with `data` to one desk (next seq of that connection). False if closed.
  bool send(const net::websocket& ws, std::string_view type, boost::json::object data);
  /// Sends `type` to every open desk of a session.
  void send_session(const std::string& tenant, const std::string& ref, std::string_view type,
                    const boost::json::object& data);
  /// Sends `type` to every open desk of a tenant (queue changes).
  void send_tenant(const std::string& tenant, std::string_view type, const boost::json::object& data);
  /// Tells every open desk of the session that it ended (and why), then closes them.
  void end_session(const std::string& tenant, const std::string& ref, std::string_view reason);
  /// The sessions with at least one open desk.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> sessions() const;
  /// Closes every desk with 1001 (server going away).
  void close_all();
  [[nodiscard]] std::size_t size() const;

 private:
  struct desk_socket {
    net::websocket ws;
    std::uint64_t seq = 0;
  };
  using key = std::pair<std::string, std::string>;
  mutable std::mutex mutex_;
  std::map<key, std::map<std::uint64_t, desk_socket>> by_session_;
  std::map<std::uint64_t, key> by_socket_;
};

}  // namespace parley::desk::detail
