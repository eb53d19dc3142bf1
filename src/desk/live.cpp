// The live desk's intake (live.hpp, service.hpp): a recorded handoff is queued in the store and
// the widget told its place; the user leaving closes it; appended activities reach the desks that
// watch their conversation; unanswered assignments and a departed consultant's conversations go
// back to the queue; in a tenant with automatic assignment, waiting handoffs go to available
// consultants; a handoff nobody took within [desk] wait_timeout fails. Queue changes are
// announced to the tenant's open desks ("queue.changed").
#include "live_steps.hpp"

#include <parley/core/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <map>

namespace parley::desk {

using boost::asio::awaitable;

namespace detail {

std::string display_name_of(const caller& who) {
  // The first name only (issue 19: "never the IdP's e-mail"): the first word of the IdP's name.
  std::string_view name = who.name;
  const auto end = name.find_first_of(" \t");
  std::string first(name.substr(0, end));
  const bool printable =
      std::all_of(first.begin(), first.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
  if (first.empty() || first.size() > 64 || first.find('@') != std::string::npos || !printable) return "Consultant";
  return first;
}

boost::json::object handoff_json(const store::queued_handoff& h, const caller* who,
                                 std::chrono::system_clock::time_point now) {
  boost::json::object o;
  o["conversation"] = h.conversation_id;
  o["queue"] = h.queue;
  o["priority"] = h.priority;
  o["status"] = store::to_string(h.status);
  o["version"] = h.version;
  o["waiting_s"] =
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(now - h.requested).count());
  o["reason"] = h.reason;
  o["failed_intent"] = h.failed_intent;
  if (h.status == store::handoff_status::assigned) {
    o["owner_name"] = h.owner_name;
    if (who) o["mine"] = h.owner_ref == who->actor;
    o["answered"] = h.answered != std::chrono::system_clock::time_point{};
  }
  if (h.status == store::handoff_status::closed && !h.note.empty()) o["note"] = h.note;
  return o;
}

namespace {

void relay(service::impl& d, desk_event::scope to, const std::string& tenant, const std::string& key,
           const std::string& conversation, std::string_view type, const boost::json::object& data) {
  if (d.deps.relay == nullptr) return;
  d.deps.relay->publish(desk_event{tenant, to, key, conversation, std::string(type), boost::json::serialize(data)});
}

void actor_here(service::impl& d, const std::string& tenant, const std::string& actor, const std::string& conversation,
                std::string_view type, const boost::json::object& data) {
  for (const auto& ref : d.live.sessions_of(tenant, actor)) {
    d.live.watch(tenant, conversation, ref, actor);
    d.hub.send_session(tenant, ref, type, data);
  }
}

void watchers_here(service::impl& d, const std::string& tenant, const std::string& conversation, std::string_view type,
                   const boost::json::object& data) {
  for (const auto& ref : d.live.watchers(tenant, conversation)) d.hub.send_session(tenant, ref, type, data);
}

}  // namespace

void tell_tenant(service::impl& d, const std::string& tenant, std::string_view type, const boost::json::object& data) {
  d.hub.send_tenant(tenant, type, data);
  relay(d, desk_event::scope::tenant, tenant, tenant, {}, type, data);
}

void tell_actor(service::impl& d, const std::string& tenant, const std::string& actor, const std::string& conversation,
                std::string_view type, const boost::json::object& data) {
  actor_here(d, tenant, actor, conversation, type, data);
  relay(d, desk_event::scope::actor, tenant, actor, conversation, type, data);
}

void tell_watchers(service::impl& d, const std::string& tenant, const std::string& conversation, std::string_view type,
                   const boost::json::object& data) {
  watchers_here(d, tenant, conversation, type, data);
  relay(d, desk_event::scope::conversation, tenant, conversation, conversation, type, data);
}

void queue_changed(service::impl& d, const std::string& tenant, const std::string& conversation,
                   std::string_view status) {
  boost::json::object o;
  o["conversation"] = conversation;
  o["status"] = status;
  tell_tenant(d, tenant, "queue.changed", o);
}

namespace {

// Tells the widgets of the waiting handoffs in `q` (the queue as listed, in order) their place and
// an estimate; only `only`'s when given. Each is re-read just before it is told, and skipped when
// it changed since the list (taken meanwhile: an old place must not follow "joined").
awaitable<void> tell_places(service::impl& d, const std::string& tenant, const std::vector<store::queued_handoff>& q,
                            const std::string* only) {
  auto agents = co_await d.deps.queue->list_desk_agents(tenant);
  std::map<std::string, std::uint32_t> ahead;  // per queue
  for (const auto& h : q) {
    if (h.status != store::handoff_status::waiting) continue;
    const std::uint32_t position = ++ahead[h.queue];
    if (only != nullptr && h.conversation_id != *only) continue;
    std::size_t serving = 0;
    if (agents) {
      for (const auto& a : *agents) {
        const bool skilled = std::find(a.skills.begin(), a.skills.end(), h.queue) != a.skills.end();
        if (skilled && a.state != store::availability::away) ++serving;
      }
    }
    // A plain estimate: two minutes per conversation ahead, shared by the consultants serving it.
    const auto wait = std::chrono::seconds(
        static_cast<std::int64_t>(120 * std::size_t{position} / std::max<std::size_t>(1, serving)));
    auto now = co_await d.deps.queue->open_handoff(tenant, h.conversation_id);
    if (!now || !*now || (*now)->version != h.version) continue;
    (void)co_await d.deps.link->update(tenant, h.conversation_id, position, wait);
  }
}

}  // namespace

awaitable<void> tell_position(service::impl& d, const std::string& tenant, const std::string& conversation) {
  if (!d.deps.queue || !d.deps.link) co_return;
  auto q = co_await d.deps.queue->list_queue(tenant, store::max_desk_queue_length);
  if (!q) co_return;
  co_await tell_places(d, tenant, *q, &conversation);
}

awaitable<link_result> join(service::impl& d, const std::string& tenant, const std::string& conversation,
                            std::string display_name) {
  std::string name = display_name;
  auto accepted = co_await d.deps.link->accept(tenant, conversation, std::move(name));
  if (accepted.status != link_status::wrong_state) co_return accepted;
  // Not waiting at the channel: it was with a consultant before (transferred, or requeued when
  // its consultant left or did not answer). The new one takes over without the bot hearing it.
  co_return co_await d.deps.link->transfer(tenant, conversation, std::move(display_name));
}

bool auto_assigns(const service::impl& d, const std::string& tenant) {
  const auto* p = d.find_idp(tenant);
  return p != nullptr && p->tenant().auto_assign;
}

awaitable<void> tell_positions(service::impl& d, const std::string& tenant) {
  if (!d.deps.queue || !d.deps.link) co_return;
  {
    // One pass at a time per tenant: a change while one runs makes it list the queue once more
    // (50 consultants taking at once cost a few passes, not 50 passes over 500 widgets).
    std::lock_guard lock(d.places_mutex);
    if (auto it = d.places_running.find(tenant); it != d.places_running.end()) {
      it->second = true;
      co_return;
    }
    d.places_running.emplace(tenant, false);
  }
  for (;;) {
    auto q = co_await d.deps.queue->list_queue(tenant, store::max_desk_queue_length);
    if (q) co_await tell_places(d, tenant, *q, nullptr);  // one list for all (not one per waiting handoff)
    std::lock_guard lock(d.places_mutex);
    auto it = d.places_running.find(tenant);
    if (it == d.places_running.end() || !it->second) {
      if (it != d.places_running.end()) d.places_running.erase(it);
      co_return;
    }
    it->second = false;
  }
}

}  // namespace detail

awaitable<void> service::handoff_requested(handoff_notice n) {
  auto& d = *impl_;
  if (!d.deps.queue) co_return;
  if (const auto* p = d.find_idp(n.tenant_id); p && !p->tenant().hours.open_at(d.deps.clock.now())) {
    // Outside the tenant's opening hours: failed at once, with the hours; the assistant tells the
    // user and offers its alternatives (ADR 0021). Nothing is queued.
    auto entry =
        detail::session_entry(n.tenant_id, "system", "", "desk", "desk.handoff_failed", R"({"reason":"closed"})");
    entry.subject = n.conversation_id;
    (void)co_await d.sessions->record(std::move(entry));
    if (d.deps.link) {
      std::string message =
          "No consultant is available outside our opening hours: " + p->tenant().hours.describe() + ".";
      std::string no_intent;
      (void)co_await d.deps.link->end(n.tenant_id, n.conversation_id, false, std::move(message), std::move(no_intent));
    }
    co_return;
  }
  store::queued_handoff h;
  h.tenant_id = n.tenant_id;
  h.conversation_id = n.conversation_id;
  h.handoff_id = n.handoff_id;
  h.queue = n.queue.empty() ? std::string("general") : n.queue;
  h.priority = n.priority;
  h.reason = std::move(n.reason);
  h.failed_intent = std::move(n.failed_intent);
  auto queued = co_await d.deps.queue->enqueue_handoff(std::move(h));
  if (!queued) {
    d.log->warn("desk: a handoff of tenant {} could not be queued: {}", n.tenant_id, queued.error().message());
    if (d.deps.link) {
      // The user must not wait for nobody: the bot hears `failed` and offers its alternatives.
      std::string message = "The consultants' queue is full or unavailable right now.";
      std::string no_intent;
      (void)co_await d.deps.link->end(n.tenant_id, n.conversation_id, false, std::move(message), std::move(no_intent));
    }
    co_return;
  }
  d.live.note_tenant(n.tenant_id);
  detail::queue_changed(d, n.tenant_id, n.conversation_id, "waiting");
  if (detail::auto_assigns(d, n.tenant_id)) co_await assign_waiting(n.tenant_id);
  co_await detail::tell_position(d, n.tenant_id, n.conversation_id);
}

awaitable<void> service::handoff_abandoned(std::string tenant_id, std::string conversation_id) {
  auto& d = *impl_;
  if (!d.deps.queue) co_return;
  std::string note = "The user left.";
  auto closed = co_await d.deps.queue->close_handoff(tenant_id, conversation_id, std::move(note));
  if (!closed || !*closed) co_return;
  boost::json::object o;
  o["conversation"] = conversation_id;
  detail::tell_watchers(d, tenant_id, conversation_id, "conversation.ended", o);
  d.live.unwatch_all(tenant_id, conversation_id);
  detail::queue_changed(d, tenant_id, conversation_id, "closed");
  co_await assign_waiting(tenant_id);             // a consultant may have room now
  co_await detail::tell_positions(d, tenant_id);  // the ones behind it moved up
}

void service::conversation_activity(const std::string& tenant_id, const std::string& conversation_id, std::uint64_t seq,
                                    std::string_view type, std::string_view activity_json) {
  auto& d = *impl_;
  const auto refs = d.live.watchers(tenant_id, conversation_id);
  if (refs.empty()) return;
  boost::system::error_code ec;
  auto activity = boost::json::parse(activity_json, ec);
  if (ec || !activity.is_object()) return;
  boost::json::object o;
  o["conversation"] = conversation_id;
  o["seq"] = seq;
  o["type"] = type;
  o["activity"] = std::move(activity);
  for (const auto& ref : refs) d.hub.send_session(tenant_id, ref, "conversation.activity", o);
}

void service::relayed_event(const desk_event& e) {
  auto& d = *impl_;
  boost::system::error_code ec;
  auto data = boost::json::parse(e.data, ec);
  if (ec || !data.is_object() || e.type.empty() || e.type.size() > 64) return;
  const auto& o = data.get_object();
  switch (e.to) {
    case desk_event::scope::tenant:
      d.hub.send_tenant(e.tenant_id, e.type, o);
      break;
    case desk_event::scope::actor:
      detail::actor_here(d, e.tenant_id, e.key, e.conversation, e.type, o);
      break;
    case desk_event::scope::conversation:
      detail::watchers_here(d, e.tenant_id, e.key, e.type, o);
      if (e.type == "conversation.ended") d.live.unwatch_all(e.tenant_id, e.key);
      break;
  }
}

awaitable<void> service::requeue_unanswered() {
  auto& d = *impl_;
  if (!d.deps.queue) co_return;
  const auto cutoff = d.deps.clock.now() - d.opts.answer_timeout;
  for (const auto& tenant : d.live.tenants()) {
    auto back = co_await d.deps.queue->requeue_unanswered(tenant, cutoff);
    if (!back) continue;
    for (const auto& conversation : *back) {
      d.live.unwatch_all(tenant, conversation);
      detail::queue_changed(d, tenant, conversation, "waiting");
    }
  }
}

namespace detail {

awaitable<void> assign_waiting(service::impl& d, std::string tenant) {
  if (!d.deps.queue || !d.deps.link || !detail::auto_assigns(d, tenant)) co_return;
  // Bounded: at most one pass over the longest queue; each round assigns one handoff.
  for (std::size_t round = 0; round < store::max_desk_queue_length; ++round) {
    auto next = co_await d.deps.queue->assign_next(tenant);
    if (!next) {
      d.log->warn("desk: automatic assignment for tenant {} failed: {}", tenant, next.error().message());
      co_return;
    }
    if (!*next) co_return;
    const store::queued_handoff h = std::move(**next);
    auto entry = detail::session_entry(tenant, h.owner_ref, "consultant", "desk", "desk.handoff_assigned", {});
    entry.subject = h.conversation_id;
    if (auto logged = co_await d.sessions->record(std::move(entry)); !logged) {
      // Fail closed: no audit entry, no assignment.
      std::string owner = h.owner_ref;
      std::optional<std::string> same_queue;  // named: GCC 12, PR 99576
      (void)co_await d.deps.queue->release_handoff(tenant, h.conversation_id, std::move(owner), std::move(same_queue));
      co_return;
    }
    auto accepted = co_await detail::join(d, tenant, h.conversation_id, h.owner_name);
    if (accepted.status != link_status::ok) {
      // The user left meanwhile, or the channel refused: the handoff is over.
      std::string no_note;
      (void)co_await d.deps.queue->close_handoff(tenant, h.conversation_id, std::move(no_note));
      detail::queue_changed(d, tenant, h.conversation_id, "closed");
      continue;
    }
    const auto data = detail::handoff_json(h, nullptr, d.deps.clock.now());
    detail::tell_actor(d, tenant, h.owner_ref, h.conversation_id, "handoff.assigned", data);
    detail::queue_changed(d, tenant, h.conversation_id, "assigned");
  }
}

}  // namespace detail

awaitable<void> service::assign_waiting(std::string tenant) {
  co_await detail::assign_waiting(*impl_, std::move(tenant));
}

awaitable<void> service::fail_overdue(std::string tenant) {
  auto& d = *impl_;
  if (!d.deps.queue || !d.deps.link || d.opts.wait_timeout.count() == 0) co_return;
  auto q = co_await d.deps.queue->list_queue(tenant, store::max_desk_queue_length);
  if (!q) co_return;
  const auto cutoff = d.deps.clock.now() - d.opts.wait_timeout;
  for (const auto& h : *q) {
    // Every wait counts (ADR 0029): the first, and one after a transfer or a requeue, from the
    // moment it went back to the queue (it keeps its place, `requested`, meanwhile).
    const auto since = h.requeued != std::chrono::system_clock::time_point{} ? h.requeued : h.requested;
    if (h.status != store::handoff_status::waiting || since > cutoff) continue;
    std::string note = "No consultant took it in time.";
    // Only at the version the scan saw: a consultant who took it meanwhile keeps it (one outcome).
    std::optional<std::uint64_t> seen = h.version;
    auto closed = co_await d.deps.queue->close_handoff(tenant, h.conversation_id, std::move(note), seen);
    if (!closed || !*closed) continue;
    auto entry =
        detail::session_entry(tenant, "system", "", "desk", "desk.handoff_failed", R"({"reason":"wait_timeout"})");
    entry.subject = h.conversation_id;
    (void)co_await d.sessions->record(std::move(entry));  // after the fact: nobody accessed anything
    // The bot hears `failed` with this message and offers its alternatives (ADR 0021).
    std::string message = "No consultant is free to take your conversation right now.";
    std::string no_intent;
    (void)co_await d.deps.link->end(tenant, h.conversation_id, false, std::move(message), std::move(no_intent));
    detail::queue_changed(d, tenant, h.conversation_id, "closed");
  }
}

awaitable<void> service::check_queues() {
  co_await requeue_unanswered();
  std::vector<std::string> tenants;  // every tenant with a desk: a restarted node knows its queues too
  for (const auto& [id, provider] : impl_->idps) tenants.push_back(id);
  for (const auto& tenant : tenants) {
    co_await fail_overdue(tenant);
    co_await assign_waiting(tenant);
  }
}

void service::session_left_live(const std::string& tenant, const std::string& ref) {
  auto& d = *impl_;
  auto actor = d.live.forget_session(tenant, ref);
  if (!actor || !d.deps.queue) return;
  // The consultant's conversations go back to the queue (issue 19, 7).
  boost::asio::co_spawn(
      d.answer_timer.get_executor(),
      [self = shared_from_this(), tenant, owner = *actor]() -> awaitable<void> {
        auto& x = *self->impl_;
        auto back = co_await x.deps.queue->release_agent(tenant, owner);
        if (!back) co_return;
        for (const auto& conversation : *back) {
          x.live.unwatch_all(tenant, conversation);
          detail::queue_changed(x, tenant, conversation, "waiting");
        }
        // No desk of theirs is open here any more: nothing is assigned to them until they are
        // available again.
        if (x.live.sessions_of(tenant, owner).empty()) {
          auto me = co_await x.deps.queue->get_desk_agent(tenant, owner);
          if (me && *me && (*me)->state == store::availability::available) {
            auto away = std::move(**me);
            away.state = store::availability::away;
            (void)co_await x.deps.queue->put_desk_agent(std::move(away));
          }
        }
        co_await self->assign_waiting(tenant);
      },
      core::log_exceptions{d.log, "desk release"});
}

}  // namespace parley::desk
