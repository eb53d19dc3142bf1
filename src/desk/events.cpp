#include "events.hpp"

#include <boost/json/serialize.hpp>

namespace parley::desk::detail {
namespace {

std::string envelope(std::uint64_t seq, std::string_view type, boost::json::object data) {
  boost::json::object o;
  o["seq"] = seq;
  o["type"] = type;
  o["data"] = std::move(data);
  return boost::json::serialize(o);
}

}  // namespace

void event_hub::add(const std::string& tenant, const std::string& ref, net::websocket ws) {
  std::lock_guard lock(mutex_);
  const auto id = ws.id();
  by_session_[{tenant, ref}][id] = desk_socket{std::move(ws), 0};
  by_socket_[id] = {tenant, ref};
}

void event_hub::remove(const net::websocket& ws) {
  std::lock_guard lock(mutex_);
  auto it = by_socket_.find(ws.id());
  if (it == by_socket_.end()) return;
  auto s = by_session_.find(it->second);
  if (s != by_session_.end()) {
    s->second.erase(ws.id());
    if (s->second.empty()) by_session_.erase(s);
  }
  by_socket_.erase(it);
}

bool event_hub::send(const net::websocket& ws, std::string_view type, boost::json::object data) {
  std::unique_lock lock(mutex_);
  auto it = by_socket_.find(ws.id());
  if (it == by_socket_.end()) return false;
  auto& socket = by_session_[it->second][ws.id()];
  const auto seq = ++socket.seq;
  // Sent under the lock so that sequence numbers leave in order; send() only queues.
  return ws.send(envelope(seq, type, std::move(data)));
}

void event_hub::send_session(const std::string& tenant, const std::string& ref, std::string_view type,
                             const boost::json::object& data) {
  std::lock_guard lock(mutex_);
  auto s = by_session_.find({tenant, ref});
  if (s == by_session_.end()) return;
  for (auto& [id, socket] : s->second) socket.ws.send(envelope(++socket.seq, type, data));
}

void event_hub::send_tenant(const std::string& tenant, std::string_view type, const boost::json::object& data) {
  std::lock_guard lock(mutex_);
  for (auto it = by_session_.lower_bound({tenant, std::string()}); it != by_session_.end() && it->first.first == tenant;
       ++it) {
    for (auto& [id, socket] : it->second) socket.ws.send(envelope(++socket.seq, type, data));
  }
}

void event_hub::end_session(const std::string& tenant, const std::string& ref, std::string_view reason) {
  std::map<std::uint64_t, desk_socket> sockets;
  {
    std::lock_guard lock(mutex_);
    auto s = by_session_.find({tenant, ref});
    if (s == by_session_.end()) return;
    sockets = std::move(s->second);
    by_session_.erase(s);
    for (const auto& [id, socket] : sockets) by_socket_.erase(id);
  }
  boost::json::object data;
  data["reason"] = reason;
  for (auto& [id, socket] : sockets) {
    socket.ws.send(envelope(++socket.seq, "session.ended", data));
    socket.ws.close(session_ended_close, "session ended");
  }
}

std::vector<std::pair<std::string, std::string>> event_hub::sessions() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, sockets] : by_session_) out.push_back(k);
  return out;
}

void event_hub::close_all() {
  std::map<key, std::map<std::uint64_t, desk_socket>> all;
  {
    std::lock_guard lock(mutex_);
    all = std::move(by_session_);
    by_session_.clear();
    by_socket_.clear();
  }
  for (auto& [k, sockets] : all) {
    for (auto& [id, socket] : sockets) socket.ws.close(net::close_code::going_away, "shutting down");
  }
}

std::size_t event_hub::size() const {
  std::lock_guard lock(mutex_);
  return by_socket_.size();
}

}  // namespace parley::desk::detail
