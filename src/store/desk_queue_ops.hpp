// Private: what the desk queue's operations (store_desk_queue*.cpp) share: input checks, the
// sealed fields' framing, and queue_ops, the steps on a session inside a write (open, seal, the
// compare-and-set change, an agent's load). Not part of the store's contract.
#pragma once

#include "store_impl.hpp"

#include <parley/crypto/error.hpp>

#include <algorithm>
#include <initializer_list>

namespace parley::store::detail {

constexpr std::size_t max_ref = 128;

template <class T>
boost::asio::awaitable<result<T>> fail(error_code e) {
  co_return result<T>(boost::system::in_place_error, e);
}

struct flag {
  bool value = false;
};

inline error_code seal_error(error_code e) {
  if (e == crypto::errc::key_exhausted) return errc::limit_exceeded;
  return errc::unavailable;
}

inline bool valid_ref(std::string_view ref) noexcept {
  return valid_token(ref, max_ref);
}

inline bool valid_queue(std::string_view q) noexcept {
  if (q.empty() || q.size() > 64) return false;
  return std::all_of(q.begin(), q.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

inline bool valid_text(std::string_view t) noexcept {
  return t.size() <= max_desk_text;
}

// The sealed fields of a handoff: u32 length (big-endian) + bytes, four times.
inline std::string pack(std::initializer_list<std::string_view> fields) {
  std::string out;
  for (auto f : fields) {
    const auto n = static_cast<std::uint32_t>(f.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(f);
  }
  return out;
}

inline std::optional<std::vector<std::string>> unpack(std::string_view in, std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    if (in.size() < 4) return std::nullopt;
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k) n = (n << 8) | static_cast<unsigned char>(in[k]);
    in.remove_prefix(4);
    if (in.size() < n) return std::nullopt;
    out.emplace_back(in.substr(0, n));
    in.remove_prefix(n);
  }
  if (!in.empty()) return std::nullopt;
  return out;
}

inline record_place handoff_place(const desk_handoff_row& r, std::uint32_t key_version) {
  return {record_kind::desk_handoff, r.tenant_id, r.conversation_id, 0, r.handoff_id, key_version, {}};
}

inline std::string join_skills(const std::vector<std::string>& skills) {
  std::string out;
  for (const auto& s : skills) out += (out.empty() ? "" : " ") + s;
  return out;
}

inline std::vector<std::string> split_skills(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto sp = s.find(' ');
    out.emplace_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

inline bool has_skill(const desk_agent_row& a, std::string_view queue) {
  for (const auto& s : split_skills(a.skills)) {
    if (s == queue) return true;
  }
  return false;
}

struct queue_ops {
  encrypted_store::impl& impl;

  // The row opened: its sealed fields read (errc::corrupt, errc::erased).
  result<queued_handoff> open(session& s, const desk_handoff_row& r) const {
    auto c = impl.open_conversation(s, r.tenant_id, r.conversation_id);
    if (!c) return c.error();
    auto plain = open_record(*c->key, handoff_place(r, c->row.key_version), r.data);
    std::optional<std::vector<std::string>> f;
    if (plain) f = unpack(*plain, 4);
    if (!f) {
      impl.log->error("tenant {} conversation {}: a desk handoff record does not open", r.tenant_id, r.conversation_id);
      return errc::corrupt;
    }
    queued_handoff h;
    h.tenant_id = r.tenant_id;
    h.conversation_id = r.conversation_id;
    h.handoff_id = r.handoff_id;
    h.queue = r.queue;
    h.priority = r.priority;
    h.status = r.status == 0   ? handoff_status::waiting
               : r.status == 1 ? handoff_status::assigned
                               : handoff_status::closed;
    // The owner and assigned columns of a waiting row hold its previous owner and when it went
    // back to the queue (desk_queue_store.hpp); of an assigned or closed row, the owner's.
    const bool waiting = r.status == 0;
    (waiting ? h.previous_owner : h.owner_ref) = r.owner_ref;
    h.requested = from_nanos(r.requested);
    (waiting ? h.requeued : h.assigned) = from_nanos(r.assigned);
    h.answered = from_nanos(r.answered);
    h.version = r.version;
    h.reason = std::move((*f)[0]);
    h.failed_intent = std::move((*f)[1]);
    h.owner_name = std::move((*f)[2]);
    h.note = std::move((*f)[3]);
    return h;
  }

  // Seals `h`'s fields into `r` under the conversation's key (locked: its use count advances).
  result<void> seal(session& s, desk_handoff_row& r, const queued_handoff& h) const {
    const std::pair<std::string, std::string> key{r.tenant_id, r.conversation_id};
    auto locked = s.lock_conversations({&key, 1});
    if (!locked) return locked.error();
    if (!(*locked)[0]) return errc::not_found;
    const auto& conv = *(*locked)[0];
    auto dk = impl.key_of(s, conv);
    if (!dk) return dk.error();
    auto sealed =
        seal_record(**dk, handoff_place(r, conv.key_version), pack({h.reason, h.failed_intent, h.owner_name, h.note}));
    if (!sealed) return seal_error(sealed.error());
    r.data = std::move(*sealed);
    return s.set_key_uses(conv.pk, (*dk)->seals());
  }

  result<std::string> display_name(session& s, const desk_agent_row& a) const {
    auto key = impl.keys.data_key(s, a.tenant_id, a.key_id, 1, 0);
    if (!key) return key.error();
    const record_place place{record_kind::desk_agent, a.tenant_id, {}, 0, a.actor_ref, 1, {}};
    auto name = open_record(**key, place, a.data);
    if (!name) {
      impl.log->error("tenant {}: a desk agent record does not open", a.tenant_id);
      return errc::corrupt;
    }
    return std::move(*name);
  }

  result<desk_agent> to_agent(session& s, const desk_agent_row& a) const {
    auto name = display_name(s, a);
    if (!name) return name.error();
    desk_agent out;
    out.tenant_id = a.tenant_id;
    out.actor_ref = a.actor_ref;
    out.state = a.state == 0 ? availability::available : a.state == 1 ? availability::busy : availability::away;
    out.capacity = a.capacity;
    out.load = a.load;
    out.skills = split_skills(a.skills);
    out.display_name = std::move(*name);
    out.last_seen = from_nanos(a.last_seen);
    out.last_assigned = from_nanos(a.last_assigned);
    return out;
  }

  // The row changed to `h` (status, owner, times, sealed fields), version + 1, if still at
  // `r.version`. False: someone else changed it first.
  result<flag> change(session& s, const desk_handoff_row& r, queued_handoff& h, bool reseal) const {
    desk_handoff_row next = r;
    next.queue = h.queue;
    next.status = h.status == handoff_status::waiting ? 0 : h.status == handoff_status::assigned ? 1 : 2;
    const bool waiting = h.status == handoff_status::waiting;
    next.owner_ref = waiting ? h.previous_owner : h.owner_ref;
    next.assigned = to_nanos(waiting ? h.requeued : h.assigned);
    next.answered = to_nanos(h.answered);
    next.version = r.version + 1;
    if (reseal) {
      if (auto sealed = seal(s, next, h); !sealed) return sealed.error();
    }
    auto updated = s.update_desk_handoff(next, r.version);
    if (!updated) return updated.error();
    if (*updated) h.version = next.version;
    return flag{*updated};
  }

  // The owner's load drops by one (their row locked first by the caller's order).
  result<void> unload(session& s, std::string_view tenant_id, std::string_view owner) const {
    if (owner.empty()) return {};
    auto a = s.lock_desk_agent(tenant_id, owner);
    if (!a) return a.error();
    if (!*a) return {};
    if ((*a)->load > 0) (*a)->load -= 1;
    return s.put_desk_agent(**a);
  }

  // Back to waiting (keeps its place: `requested` is unchanged). False when it changed meanwhile.
  result<flag> requeue(session& s, const desk_handoff_row& r, std::optional<std::string> to_queue) const {
    auto h = open(s, r);
    if (!h) return h.error();
    const std::string owner = r.owner_ref;
    if (auto u = unload(s, r.tenant_id, owner); !u) return u.error();
    h->status = handoff_status::waiting;
    h->previous_owner = owner;
    h->owner_ref.clear();
    h->owner_name.clear();
    h->assigned = {};
    h->requeued = from_nanos(impl.now());
    h->answered = {};
    if (to_queue) h->queue = *to_queue;
    return change(s, r, *h, true);
  }

  // Gives `r` to `agent` (locked, checked by the caller); the agent's load and turn advance.
  result<flag> give(session& s, const desk_handoff_row& r, desk_agent_row& agent, queued_handoff& h) const {
    auto name = display_name(s, agent);
    if (!name) return name.error();
    const auto now = impl.now();
    h.status = handoff_status::assigned;
    h.owner_ref = agent.actor_ref;
    h.previous_owner.clear();
    h.requeued = {};
    h.owner_name = std::move(*name);
    h.assigned = from_nanos(now);
    h.answered = {};
    auto changed = change(s, r, h, true);
    if (!changed || !changed->value) return changed;
    agent.load += 1;
    agent.last_assigned = now;
    if (auto w = s.put_desk_agent(agent); !w) return w.error();
    return changed;
  }
};

}  // namespace parley::store::detail
