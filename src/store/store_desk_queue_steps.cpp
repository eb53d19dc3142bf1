// encrypted_store: the desk queue's steps (desk_queue_store.hpp): take (the compare-and-set that
// lets exactly one consultant win), automatic assignment, answered, release and requeue, close,
// and the agents. Agents are locked before the handoff row changes (desk_queue_ops.hpp).
#include "desk_queue_ops.hpp"

#include <tuple>

namespace parley::store {

using boost::asio::awaitable;
using detail::fail;
using detail::flag;
using detail::queue_ops;
using detail::valid_queue;
using detail::valid_ref;
using detail::valid_text;

awaitable<result<take_result>> encrypted_store::take_handoff(std::string tenant_id, std::string conversation_id,
                                                             std::uint64_t expected_version, std::string actor_ref,
                                                             std::optional<std::string> from_owner) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id) || !valid_ref(actor_ref) ||
      (from_owner && !valid_ref(*from_owner))) {
    return fail<take_result>(errc::invalid_argument);
  }
  return impl_->write<take_result>(
      [this, tenant_id = std::move(tenant_id), conversation_id = std::move(conversation_id), expected_version,
       actor_ref = std::move(actor_ref), from_owner = std::move(from_owner)](session& s) -> result<take_result> {
        const queue_ops q{*impl_};
        auto row = s.open_desk_handoff(tenant_id, conversation_id);
        if (!row) return row.error();
        if (!*row) return errc::not_found;
        auto current = q.open(s, **row);
        if (!current) return current.error();
        // Agents first, in actor-ref order (the taker and, for a take-over, the previous owner).
        std::optional<desk_agent_row> previous;
        const bool over = from_owner.has_value() && *from_owner != actor_ref;
        if (over && *from_owner < actor_ref) {
          auto p = s.lock_desk_agent(tenant_id, *from_owner);
          if (!p) return p.error();
          previous = std::move(*p);
        }
        auto agent = s.lock_desk_agent(tenant_id, actor_ref);
        if (!agent) return agent.error();
        if (over && *from_owner > actor_ref) {
          auto p = s.lock_desk_agent(tenant_id, *from_owner);
          if (!p) return p.error();
          previous = std::move(*p);
        }
        if (!*agent || (*agent)->state == 2) return take_result{take_outcome::not_available, std::move(*current)};
        const auto& r = **row;
        const bool expected_state =
            from_owner ? (r.status == 1 && r.owner_ref == *from_owner && *from_owner != actor_ref) : r.status == 0;
        if (r.version != expected_version || !expected_state)
          return take_result{take_outcome::lost, std::move(*current)};
        if ((*agent)->load >= (*agent)->capacity) return take_result{take_outcome::at_capacity, std::move(*current)};
        auto given = q.give(s, r, **agent, *current);
        if (!given) return given.error();
        if (!given->value) {
          // Changed between the read and the compare-and-set (another process): as it is now.
          auto now_row = s.open_desk_handoff(tenant_id, conversation_id);
          if (!now_row) return now_row.error();
          if (!*now_row) return errc::not_found;
          auto now = q.open(s, **now_row);
          if (!now) return now.error();
          return take_result{take_outcome::lost, std::move(*now)};
        }
        if (previous) {
          if (previous->load > 0) previous->load -= 1;
          if (auto w = s.put_desk_agent(*previous); !w) return w.error();
        }
        return take_result{take_outcome::taken, std::move(*current)};
      });
}

awaitable<result<std::optional<queued_handoff>>> encrypted_store::assign_next(std::string tenant_id) {
  using out_t = std::optional<queued_handoff>;
  if (!detail::valid_id(tenant_id)) return fail<out_t>(errc::invalid_argument);
  return impl_->write<out_t>([this, tenant_id = std::move(tenant_id)](session& s) -> result<out_t> {
    const queue_ops q{*impl_};
    auto agents = s.list_desk_agents(tenant_id);
    if (!agents) return agents.error();
    std::erase_if(*agents, [](const desk_agent_row& a) { return a.state != 0 || a.load >= a.capacity; });
    if (agents->empty()) return out_t{};
    // Least loaded first, then the one whose last assignment is oldest (round-robin), then ref.
    std::sort(agents->begin(), agents->end(), [](const desk_agent_row& a, const desk_agent_row& b) {
      return std::tie(a.load, a.last_assigned, a.actor_ref) < std::tie(b.load, b.last_assigned, b.actor_ref);
    });
    auto rows = s.list_desk_handoffs(tenant_id, "", max_desk_queue_length);
    if (!rows) return rows.error();
    for (const auto& r : *rows) {  // waiting first: highest priority, then longest waiting
      if (r.status != 0) break;
      for (const auto& candidate : *agents) {
        if (!detail::has_skill(candidate, r.queue)) continue;
        if (candidate.actor_ref == r.owner_ref) continue;  // waiting: its previous owner (transferred away)
        auto agent = s.lock_desk_agent(tenant_id, candidate.actor_ref);
        if (!agent) return agent.error();
        if (!*agent || (*agent)->state != 0 || (*agent)->load >= (*agent)->capacity) continue;
        auto h = q.open(s, r);
        if (!h && h.error() == errc::erased) break;
        if (!h) return h.error();
        auto given = q.give(s, r, **agent, *h);
        if (!given) return given.error();
        if (given->value) return out_t{std::move(*h)};
        break;  // taken by hand meanwhile: the next handoff
      }
    }
    return out_t{};
  });
}

awaitable<result<bool>> encrypted_store::mark_answered(std::string tenant_id, std::string conversation_id,
                                                       std::string actor_ref) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id) || !valid_ref(actor_ref)) {
    co_return bool_error(errc::invalid_argument);
  }
  auto pending = impl_->write<flag>(  // two statements: GCC 12, PR 99576 (store_desk.cpp)
      [this, tenant_id = std::move(tenant_id), conversation_id = std::move(conversation_id),
       actor_ref = std::move(actor_ref)](session& s) -> result<flag> {
        auto row = s.open_desk_handoff(tenant_id, conversation_id);
        if (!row) return row.error();
        if (!*row || (*row)->status != 1 || (*row)->owner_ref != actor_ref) return flag{false};
        if ((*row)->answered != 0) return flag{true};
        auto next = **row;
        next.answered = impl_->now();
        next.version += 1;
        auto updated = s.update_desk_handoff(next, (*row)->version);
        if (!updated) return updated.error();
        return flag{*updated};
      });
  auto r = co_await std::move(pending);
  if (!r) co_return bool_error(r.error());
  co_return r->value;
}

awaitable<result<bool>> encrypted_store::release_handoff(std::string tenant_id, std::string conversation_id,
                                                         std::string actor_ref, std::optional<std::string> to_queue) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id) ||
      (!actor_ref.empty() && !valid_ref(actor_ref)) || (to_queue && !valid_queue(*to_queue))) {
    co_return bool_error(errc::invalid_argument);
  }
  auto pending = impl_->write<flag>([this, tenant_id = std::move(tenant_id),
                                     conversation_id = std::move(conversation_id), actor_ref = std::move(actor_ref),
                                     to_queue = std::move(to_queue)](session& s) -> result<flag> {
    auto row = s.open_desk_handoff(tenant_id, conversation_id);
    if (!row) return row.error();
    if (!*row) return flag{false};
    const auto& r = **row;
    if (!actor_ref.empty() && (r.status != 1 || r.owner_ref != actor_ref)) return flag{false};
    return queue_ops{*impl_}.requeue(s, r, to_queue);
  });
  auto r = co_await std::move(pending);
  if (!r) co_return bool_error(r.error());
  co_return r->value;
}

awaitable<result<std::vector<std::string>>> encrypted_store::requeue_unanswered(std::string tenant_id,
                                                                                time_point cutoff) {
  using out_t = std::vector<std::string>;
  if (!detail::valid_id(tenant_id)) return fail<out_t>(errc::invalid_argument);
  return impl_->write<out_t>(
      [this, tenant_id = std::move(tenant_id), cutoff = detail::to_nanos(cutoff)](session& s) -> result<out_t> {
        auto rows = s.unanswered_desk_handoffs(tenant_id, cutoff);
        if (!rows) return rows.error();
        out_t out;
        for (const auto& r : *rows) {
          auto done = queue_ops{*impl_}.requeue(s, r, std::nullopt);
          if (!done) return done.error();
          if (done->value) out.push_back(r.conversation_id);
        }
        return out;
      });
}

awaitable<result<std::vector<std::string>>> encrypted_store::release_agent(std::string tenant_id,
                                                                           std::string actor_ref) {
  using out_t = std::vector<std::string>;
  if (!detail::valid_id(tenant_id) || !valid_ref(actor_ref)) return fail<out_t>(errc::invalid_argument);
  return impl_->write<out_t>(
      [this, tenant_id = std::move(tenant_id), actor_ref = std::move(actor_ref)](session& s) -> result<out_t> {
        auto rows = s.list_desk_handoffs(tenant_id, actor_ref, max_desk_queue_length);
        if (!rows) return rows.error();
        out_t out;
        for (const auto& r : *rows) {
          if (r.status != 1) continue;
          auto done = queue_ops{*impl_}.requeue(s, r, std::nullopt);
          if (!done) return done.error();
          if (done->value) out.push_back(r.conversation_id);
        }
        return out;
      });
}

awaitable<result<std::optional<queued_handoff>>> encrypted_store::close_handoff(
    std::string tenant_id, std::string conversation_id, std::string note,
    std::optional<std::uint64_t> expected_version) {
  using out_t = std::optional<queued_handoff>;
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id) || !valid_text(note)) {
    return fail<out_t>(errc::invalid_argument);
  }
  return impl_->write<out_t>([this, tenant_id = std::move(tenant_id), conversation_id = std::move(conversation_id),
                              note = std::move(note), expected_version](session& s) -> result<out_t> {
    const queue_ops q{*impl_};
    auto row = s.open_desk_handoff(tenant_id, conversation_id);
    if (!row) return row.error();
    if (!*row) return out_t{};
    const auto& r = **row;
    if (expected_version && r.version != *expected_version) return out_t{};  // changed meanwhile
    auto h = q.open(s, r);
    if (!h) return h.error();
    if (r.status == 1) {
      if (auto u = q.unload(s, tenant_id, r.owner_ref); !u) return u.error();
    }
    h->status = handoff_status::closed;
    h->note = note;
    auto changed = q.change(s, r, *h, true);
    if (!changed) return changed.error();
    if (!changed->value) {
      // A concurrent take won (PostgreSQL's re-check); nothing was unloaded, nothing to undo.
      if (expected_version && r.status != 1) return out_t{};
      return errc::unavailable;  // cannot happen under the agent lock: say so
    }
    return out_t{std::move(*h)};
  });
}

awaitable<result<desk_agent>> encrypted_store::put_desk_agent(desk_agent a) {
  bool skills_ok = a.skills.size() <= max_desk_skills;
  for (const auto& skill : a.skills) skills_ok = skills_ok && valid_queue(skill);
  if (!detail::valid_id(a.tenant_id) || !valid_ref(a.actor_ref) || a.capacity == 0 || a.capacity > max_desk_capacity ||
      !skills_ok || a.display_name.empty() || a.display_name.size() > 128) {
    return fail<desk_agent>(errc::invalid_argument);
  }
  return impl_->write<desk_agent>([this, a = std::move(a)](session& s) mutable -> result<desk_agent> {
    auto tenant = s.tenant_exists(a.tenant_id);
    if (!tenant) return tenant.error();
    if (!*tenant) return errc::not_found;
    auto existing = s.lock_desk_agent(a.tenant_id, a.actor_ref);
    if (!existing) return existing.error();
    desk_agent_row row;
    row.tenant_id = a.tenant_id;
    row.actor_ref = a.actor_ref;
    std::shared_ptr<crypto::aead_key> key;
    if (*existing) {
      row = **existing;
      auto k = impl_->keys.data_key(s, a.tenant_id, row.key_id, 1, 0);
      if (!k) return k.error();
      key = std::move(*k);
    } else {
      auto k = impl_->keys.create_data_key(s, a.tenant_id, 0, {});
      if (!k) return k.error();
      row.key_id = k->key_id;
      key = std::move(k->key);
    }
    row.state = a.state == availability::available ? 0 : a.state == availability::busy ? 1 : 2;
    row.capacity = a.capacity;
    row.skills = detail::join_skills(a.skills);
    row.last_seen = impl_->now();
    const detail::record_place place{detail::record_kind::desk_agent, a.tenant_id, {}, 0, a.actor_ref, 1, {}};
    auto sealed = detail::seal_record(*key, place, a.display_name);
    if (!sealed) return detail::seal_error(sealed.error());
    row.data = std::move(*sealed);
    if (auto w = s.put_desk_agent(row); !w) return w.error();
    a.load = row.load;
    a.last_seen = detail::from_nanos(row.last_seen);
    a.last_assigned = detail::from_nanos(row.last_assigned);
    return std::move(a);
  });
}

awaitable<result<std::optional<desk_agent>>> encrypted_store::get_desk_agent(std::string tenant_id,
                                                                             std::string actor_ref) {
  using out_t = std::optional<desk_agent>;
  if (!detail::valid_id(tenant_id) || !valid_ref(actor_ref)) return fail<out_t>(errc::invalid_argument);
  return impl_->read<out_t>(
      [this, tenant_id = std::move(tenant_id), actor_ref = std::move(actor_ref)](session& s) -> result<out_t> {
        auto rows = s.list_desk_agents(tenant_id);  // a read session takes no row lock
        if (!rows) return rows.error();
        for (const auto& r : *rows) {
          if (r.actor_ref != actor_ref) continue;
          auto a = queue_ops{*impl_}.to_agent(s, r);
          if (!a) return a.error();
          return out_t{std::move(*a)};
        }
        return out_t{};
      });
}

awaitable<result<std::vector<desk_agent>>> encrypted_store::list_desk_agents(std::string tenant_id) {
  using out_t = std::vector<desk_agent>;
  if (!detail::valid_id(tenant_id)) return fail<out_t>(errc::invalid_argument);
  return impl_->read<out_t>([this, tenant_id = std::move(tenant_id)](session& s) -> result<out_t> {
    auto rows = s.list_desk_agents(tenant_id);
    if (!rows) return rows.error();
    out_t out;
    for (const auto& r : *rows) {
      auto a = queue_ops{*impl_}.to_agent(s, r);
      if (!a) return a.error();
      out.push_back(std::move(*a));
    }
    return out;
  });
}

}  // namespace parley::store
