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

#include <algorithm>
#include <chrono>

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

void queue_changed(service::impl& d, const std::string& tenant, const std::string& conversation,
                   std::string_view status) {
  boost::json::object o;
  o["conversation"] = conversation;
  o["status"] = status;
  d.hub.send_tenant(tenant, "queue.changed", o);
}

awaitable<void> tell_position(service::impl& d, const std::string& tenant, const std::string& conversation) {
  if (!d.deps.queue || !d.deps.link) co_return;
  auto q = co_await d.deps.queue->list_queue(tenant, store::max_desk_queue_length);
  if (!q) co_return;
  std::uint32_t position = 0;
  std::string queue;
  for (const auto& h : *q) {
    if (h.conversation_id == conversation) queue = h.queue;
  }
  for (const auto& h : *q) {
    if (h.status != store::handoff_status::waiting || h.queue != queue) continue;
    ++position;
    if (h.conversation_id == conversation) break;
  }
  if (queue.empty() || position == 0) co_return;
  auto agents = co_await d.deps.queue->list_desk_agents(tenant);
  std::size_t serving = 0;
  if (agents) {
    for (const auto& a : *agents) {
      const bool skilled = std::find(a.skills.begin(), a.skills.end(), queue) != a.skills.end();
      if (skilled && a.state != store::availability::away) ++serving;
    }
  }
  // A plain estimate: two minutes per conversation ahead, shared by the consultants serving it.
  const auto wait =
      std::chrono::seconds(static_cast<std::int64_t>(120 * std::size_t{position} / std::max<std::size_t>(1, serving)));
  (void)co_await d.deps.link->update(tenant, conversation, position, wait);
}

bool auto_assigns(const service::impl& d, const std::string& tenant) {
  const auto* p = d.find_idp(tenant);
  return p != nullptr && p->tenant().auto_assign;
}

awaitable<void> tell_positions(service::impl& d, const std::string& tenant) {
  if (!d.deps.queue) co_return;
  auto q = co_await d.deps.queue->list_queue(tenant, store::max_desk_queue_length);
  if (!q) co_return;
  for (const auto& h : *q) {
    if (h.status == store::handoff_status::waiting) co_await tell_position(d, tenant, h.conversation_id);
  }
}

}  // namespace detail

awaitable<void> service::handoff_requested(handoff_notice n) {
  auto& d = *impl_;
  if (!d.deps.queue) co_return;
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
  for (const auto& ref : d.live.watchers(tenant_id, conversation_id)) {
    d.hub.send_session(tenant_id, ref, "conversation.ended", o);
  }
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
    std::string name = h.owner_name;
    auto accepted = co_await d.deps.link->accept(tenant, h.conversation_id, std::move(name));
    if (accepted.status != link_status::ok) {
      // The user left meanwhile, or the channel refused: the handoff is over.
      std::string no_note;
      (void)co_await d.deps.queue->close_handoff(tenant, h.conversation_id, std::move(no_note));
      detail::queue_changed(d, tenant, h.conversation_id, "closed");
      continue;
    }
    const auto data = detail::handoff_json(h, nullptr, d.deps.clock.now());
    for (const auto& ref : d.live.sessions_of(tenant, h.owner_ref)) {
      d.live.watch(tenant, h.conversation_id, ref, h.owner_ref);
      d.hub.send_session(tenant, ref, "handoff.assigned", data);
    }
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
    if (h.status != store::handoff_status::waiting || h.requested > cutoff) continue;
    std::string note = "No consultant took it in time.";
    auto closed = co_await d.deps.queue->close_handoff(tenant, h.conversation_id, std::move(note));
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
