// encrypted_store: the desk's queue (desk_queue_store.hpp). Every change is a write operation;
// a handoff's change is a compare-and-set on its version (backend update_desk_handoff), and the
// agents it touches are locked first (PostgreSQL: FOR UPDATE, in actor-ref order), so that a
// take, an assignment, a release and a close never deadlock and load never exceeds capacity.
// A handoff's reason, failed intent, owner name and note are sealed under the conversation's
// data key (its use count advanced, like any record of the conversation); an agent's display
// name under a data key of its own (a few seals per agent: uses not persisted, as for desk
// sessions).
#include "desk_queue_ops.hpp"

namespace parley::store {

using boost::asio::awaitable;
using detail::fail;
using detail::flag;
using detail::queue_ops;
using detail::valid_queue;
using detail::valid_ref;
using detail::valid_text;

std::string_view to_string(handoff_status s) noexcept {
  switch (s) {
    case handoff_status::waiting:
      return "waiting";
    case handoff_status::assigned:
      return "assigned";
    case handoff_status::closed:
      return "closed";
  }
  return "closed";
}

std::string_view to_string(availability a) noexcept {
  switch (a) {
    case availability::available:
      return "available";
    case availability::busy:
      return "busy";
    case availability::away:
      return "away";
  }
  return "away";
}

std::optional<availability> parse_availability(std::string_view s) noexcept {
  if (s == "available") return availability::available;
  if (s == "busy") return availability::busy;
  if (s == "away") return availability::away;
  return std::nullopt;
}

awaitable<result<queued_handoff>> encrypted_store::enqueue_handoff(queued_handoff h) {
  if (!detail::valid_id(h.tenant_id) || !detail::valid_id(h.conversation_id) || !valid_ref(h.handoff_id) ||
      !valid_queue(h.queue) || h.priority < 0 || h.priority > 9 || !valid_text(h.reason) ||
      h.failed_intent.size() > 128) {
    return fail<queued_handoff>(errc::invalid_argument);
  }
  return impl_->write<queued_handoff>([this, h = std::move(h)](session& s) mutable -> result<queued_handoff> {
    const queue_ops q{*impl_};
    auto existing = s.open_desk_handoff(h.tenant_id, h.conversation_id);
    if (!existing) return existing.error();
    if (*existing) return q.open(s, **existing);
    auto count = s.count_open_desk_handoffs(h.tenant_id);
    if (!count) return count.error();
    if (*count >= max_desk_queue_length) return errc::limit_exceeded;
    desk_handoff_row r;
    r.tenant_id = h.tenant_id;
    r.conversation_id = h.conversation_id;
    r.handoff_id = h.handoff_id;
    r.queue = h.queue;
    r.priority = h.priority;
    r.requested = impl_->now();
    r.version = 1;
    h.status = handoff_status::waiting;
    h.owner_ref.clear();
    h.previous_owner.clear();
    h.owner_name.clear();
    h.note.clear();
    h.requested = detail::from_nanos(r.requested);
    h.assigned = {};
    h.requeued = {};
    h.answered = {};
    h.version = 1;
    if (auto sealed = q.seal(s, r, h); !sealed) return sealed.error();
    if (auto w = s.insert_desk_handoff(r); !w) return w.error();
    return h;
  });
}

awaitable<result<std::optional<queued_handoff>>> encrypted_store::open_handoff(std::string tenant_id,
                                                                               std::string conversation_id) {
  using out_t = std::optional<queued_handoff>;
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) return fail<out_t>(errc::not_found);
  return impl_->read<out_t>([this, tenant_id = std::move(tenant_id),
                             conversation_id = std::move(conversation_id)](session& s) -> result<out_t> {
    auto row = s.open_desk_handoff(tenant_id, conversation_id);
    if (!row) return row.error();
    if (!*row) return out_t{};
    auto h = queue_ops{*impl_}.open(s, **row);
    if (!h) return h.error();
    return out_t{std::move(*h)};
  });
}

awaitable<result<std::vector<queued_handoff>>> encrypted_store::list_queue(std::string tenant_id, std::size_t limit) {
  using out_t = std::vector<queued_handoff>;
  if (!detail::valid_id(tenant_id) || limit == 0 || limit > max_desk_queue_length) {
    return fail<out_t>(errc::invalid_argument);
  }
  return impl_->read<out_t>([this, tenant_id = std::move(tenant_id), limit](session& s) -> result<out_t> {
    auto rows = s.list_desk_handoffs(tenant_id, "", limit);
    if (!rows) return rows.error();
    out_t out;
    for (const auto& r : *rows) {
      auto h = queue_ops{*impl_}.open(s, r);
      // An erased conversation's handoff cannot be shown (its key is gone): left out.
      if (!h && h.error() == errc::erased) continue;
      if (!h) return h.error();
      out.push_back(std::move(*h));
    }
    return out;
  });
}

}  // namespace parley::store
