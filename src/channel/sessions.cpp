#include "sessions.hpp"

#include <parley/core/log.hpp>

#include <algorithm>

namespace parley::channel {

session_registry::session_registry(std::size_t capacity, std::chrono::seconds grace, std::chrono::seconds skew)
    : capacity_(std::max<std::size_t>(1, capacity)), grace_(grace), skew_(skew) {}

std::string session_registry::conversation_key(std::string_view tenant, std::string_view conversation) {
  return stream_hub::key(tenant, conversation);
}

session_registry::time_point session_registry::deadline(const entry& e) const {
  // A revoked session is kept until its tokens cannot verify any more, so that they stay refused.
  if (e.revoked) return e.expires + skew_;
  return std::min(e.expires + skew_, e.max_end);
}

void session_registry::queue_locked(const std::string& sid, entry& e) {
  e.queued = deadline(e);
  deadlines_.emplace(e.queued, sid);
}

void session_registry::make_room_locked(time_point now) {
  // Evict the live session closest to its end: its tokens keep working until they expire and are
  // learned again on their next use. Revoked sessions stay (up to twice the capacity).
  std::vector<std::pair<time_point, std::string>> keep;
  while (sessions_.size() >= capacity_ && !deadlines_.empty()) {
    auto top = deadlines_.top();
    deadlines_.pop();
    const auto it = sessions_.find(top.second);
    if (it == sessions_.end() || it->second.queued != top.first) continue;  // already gone
    if (it->second.revoked && sessions_.size() < 2 * capacity_) {
      keep.push_back(std::move(top));
      continue;
    }
    core::logger("channel")->warn("sessions: {} held, at capacity: a session {} its end was evicted", sessions_.size(),
                                  top.first <= now ? "past" : "close to");
    auto& index = by_conversation_[conversation_key(it->second.tenant_id, it->second.conversation_id)];
    index.erase(it->first);
    if (index.empty()) by_conversation_.erase(conversation_key(it->second.tenant_id, it->second.conversation_id));
    sessions_.erase(it);
  }
  for (auto& k : keep) deadlines_.push(std::move(k));
}

void session_registry::open(const conversation_grant& g, time_point max_end, bool primary) {
  std::lock_guard lock(mutex_);
  make_room_locked(g.session_start);
  entry e;
  e.tenant_id = g.tenant_id;
  e.conversation_id = g.conversation_id;
  e.bot_id = g.bot_id;
  e.max_end = max_end;
  e.expires = g.expires;
  e.generation = g.generation;
  e.generation_since = g.session_start;
  e.primary = primary;
  const auto it = sessions_.insert_or_assign(g.session_id, std::move(e)).first;
  by_conversation_[conversation_key(g.tenant_id, g.conversation_id)].insert(g.session_id);
  queue_locked(it->first, it->second);
}

session_registry::entry& session_registry::learn_locked(const conversation_grant& g, time_point now, time_point max_end) {
  if (auto it = sessions_.find(g.session_id); it != sessions_.end()) return it->second;
  make_room_locked(now);
  entry e;
  e.tenant_id = g.tenant_id;
  e.conversation_id = g.conversation_id;
  e.bot_id = g.bot_id;
  e.max_end = max_end;
  e.expires = g.expires;
  e.generation = g.generation;
  e.generation_since = now;
  e.primary = true;
  const auto it = sessions_.emplace(g.session_id, std::move(e)).first;
  by_conversation_[conversation_key(g.tenant_id, g.conversation_id)].insert(g.session_id);
  queue_locked(it->first, it->second);
  return it->second;
}

session_state session_registry::state_locked(entry& e, const conversation_grant& g, time_point now) const {
  if (e.revoked) return session_state::revoked;
  if (now >= e.max_end) return session_state::ended;
  if (g.generation > e.generation) {
    // A newer token than the registry knows (learned from an older one after a restart).
    e.generation = g.generation;
    e.generation_since = now;
  } else if (g.generation < e.generation) {
    const bool in_grace = g.generation + 1 == e.generation && now < e.generation_since + grace_;
    if (!in_grace) return session_state::superseded;
  }
  e.expires = std::max(e.expires, g.expires);
  return session_state::live;
}

session_state session_registry::check(const conversation_grant& g, time_point now, time_point max_end) {
  std::lock_guard lock(mutex_);
  return state_locked(learn_locked(g, now, max_end), g, now);
}

std::optional<std::uint64_t> session_registry::rotate(const conversation_grant& g, time_point now, time_point max_end,
                                                      time_point expires, session_state& state,
                                                      std::optional<ended_session>& ended) {
  std::lock_guard lock(mutex_);
  auto& e = learn_locked(g, now, max_end);
  state = state_locked(e, g, now);
  if (state == session_state::superseded) {
    ended = end_locked(sessions_.find(g.session_id), session_end_reason::token_reuse, false);
    return std::nullopt;
  }
  if (state != session_state::live) return std::nullopt;
  e.generation += 1;
  e.generation_since = now;
  e.expires = std::max(e.expires, expires);
  return e.generation;
}

ended_session session_registry::end_locked(map::iterator it, session_end_reason why, bool remove) {
  auto& e = it->second;
  ended_session out;
  out.session_id = it->first;
  out.tenant_id = e.tenant_id;
  out.conversation_id = e.conversation_id;
  out.bot_id = e.bot_id;
  out.reason = why;
  for (auto& w : e.streams) {
    if (auto s = w.lock()) out.streams.push_back(std::move(s));
  }
  e.streams.clear();
  const auto key = conversation_key(e.tenant_id, e.conversation_id);
  auto& index = by_conversation_[key];
  out.last_of_conversation = e.primary && std::none_of(index.begin(), index.end(), [&](const std::string& sid) {
                               if (sid == it->first) return false;
                               const auto other = sessions_.find(sid);
                               return other != sessions_.end() && !other->second.revoked;
                             });
  if (remove) {
    index.erase(it->first);
    if (index.empty()) by_conversation_.erase(key);
    sessions_.erase(it);
  } else {
    e.revoked = true;
  }
  return out;
}

std::optional<ended_session> session_registry::revoke(const conversation_grant& g, time_point now, time_point max_end,
                                                      session_end_reason why) {
  std::lock_guard lock(mutex_);
  if (learn_locked(g, now, max_end).revoked) return std::nullopt;
  return end_locked(sessions_.find(g.session_id), why, false);
}

std::vector<ended_session> session_registry::revoke_conversation(std::string_view tenant_id,
                                                                 std::string_view conversation_id,
                                                                 session_end_reason why) {
  std::lock_guard lock(mutex_);
  std::vector<ended_session> out;
  const auto index = by_conversation_.find(conversation_key(tenant_id, conversation_id));
  if (index == by_conversation_.end()) return out;
  const std::vector<std::string> sids(index->second.begin(), index->second.end());
  for (const auto& sid : sids) {
    const auto it = sessions_.find(sid);
    if (it == sessions_.end() || it->second.revoked) continue;
    out.push_back(end_locked(it, why, false));
  }
  return out;
}

void session_registry::add_stream(const std::string& session_id, const std::shared_ptr<stream_subscriber>& stream) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  auto& streams = it->second.streams;
  std::erase_if(streams, [](const std::weak_ptr<stream_subscriber>& w) { return w.expired(); });
  streams.push_back(stream);
}

std::vector<ended_session> session_registry::sweep(time_point now) {
  std::lock_guard lock(mutex_);
  std::vector<ended_session> out;
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    auto [when, sid] = deadlines_.top();
    deadlines_.pop();
    const auto it = sessions_.find(sid);
    if (it == sessions_.end() || it->second.queued != when) continue;
    if (deadline(it->second) > now) {
      queue_locked(it->first, it->second);  // refreshed since it was queued
      continue;
    }
    if (it->second.revoked) {
      const auto key = conversation_key(it->second.tenant_id, it->second.conversation_id);
      auto& index = by_conversation_[key];
      index.erase(it->first);
      if (index.empty()) by_conversation_.erase(key);
      sessions_.erase(it);
      continue;
    }
    out.push_back(end_locked(it, session_end_reason::expired, true));
  }
  return out;
}

std::size_t session_registry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace parley::channel
