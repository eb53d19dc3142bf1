#include "stream_hub.hpp"

#include "activity.hpp"

namespace parley::channel {
namespace {

// A frame holds activities up to about this many bytes (at least one activity).
constexpr std::size_t max_frame_bytes = 512 * 1024;
// Close code when a stream must be rebuilt from the store (lost or too many out-of-order events).
constexpr std::uint16_t resync_code = 1000;

}  // namespace

std::string activity_set_frame(const std::vector<std::string_view>& bodies, std::uint64_t watermark) {
  std::size_t size = 40;
  for (const auto b : bodies) size += b.size() + 1;
  std::string frame;
  frame.reserve(size);
  frame += R"({"activities":[)";
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (i) frame += ',';
    frame += bodies[i];
  }
  frame += R"(],"watermark":")";
  frame += std::to_string(watermark);
  frame += "\"}";
  return frame;
}

stream_subscriber::stream_subscriber(std::uint64_t after, stream_sink sink, std::size_t max_pending)
    : order_(after, max_pending), sink_(std::move(sink)) {}

void stream_subscriber::on_gap(fetch_fn fetch) {
  std::lock_guard lock(mutex_);
  fetch_ = std::move(fetch);
}

void stream_subscriber::offer(std::uint64_t seq, std::string_view type, std::string_view body) {
  std::unique_lock lock(mutex_);
  if (closed_) return;
  if (live_ && order_.is_next(seq) && order_.pending() == 0) {
    order_.advance_to(seq);
    if (delivered_to_clients(type) && !sink_.send(activity_set_frame({body}, seq))) closed_ = true;
    return;
  }
  switch (order_.offer(seq, pending_entry{std::string(type), std::string(body)})) {
    case bus::offer_result::duplicate:
      return;
    case bus::offer_result::overflow:
      close_locked(resync_code, "resync");
      return;
    case bus::offer_result::held:
      break;
  }
  if (!live_) return;
  drain_locked();
  const auto gap = fetch_if_gap_locked();
  lock.unlock();
  fetch(gap);
}

// Sends `bodies` (the last one has seq `last`) as frames of at most max_frame_bytes.
bool stream_subscriber::frame_writer::add(std::string_view body, std::uint64_t seq) {
  if (!bodies.empty() && bytes + body.size() > max_frame_bytes && !flush()) return false;
  bodies.push_back(body);
  bytes += body.size();
  last = seq;
  return true;
}

bool stream_subscriber::frame_writer::flush() {
  if (bodies.empty()) return true;
  const bool ok = sink.send(activity_set_frame(bodies, last));
  bodies.clear();
  bytes = 0;
  return ok;
}

void stream_subscriber::replay(const std::vector<sequenced_activity>& page) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  frame_writer out{sink_};
  for (const auto& a : page) {
    if (a.seq <= order_.delivered()) continue;
    order_.advance_to(a.seq);  // the store's sequence is gap-free; held copies of it are dropped
    // No stale typing indicators and no conversationUpdate from the store.
    if (delivered_by_polling(a.type) && !a.body.empty() && !out.add(a.body, a.seq)) {
      closed_ = true;
      return;
    }
  }
  if (!out.flush()) {
    closed_ = true;
    return;
  }
  if (live_) drain_locked();
}

void stream_subscriber::go_live() {
  std::unique_lock lock(mutex_);
  if (closed_) return;
  live_ = true;
  drain_locked();
  const auto gap = fetch_if_gap_locked();
  lock.unlock();
  fetch(gap);
}

void stream_subscriber::fetched(bool ok) {
  std::unique_lock lock(mutex_);
  order_.end_fetch();
  if (closed_) return;
  if (!ok) {
    close_locked(resync_code, "resync");
    return;
  }
  drain_locked();
  // Ask again only if this read made progress: a gap the store cannot fill yet waits for the
  // next event instead of spinning.
  if (order_.delivered() <= fetch_started_at_) return;
  const auto gap = fetch_if_gap_locked();
  lock.unlock();
  fetch(gap);
}

void stream_subscriber::catch_up() {
  std::unique_lock lock(mutex_);
  if (closed_ || !live_ || !fetch_ || !order_.begin_catch_up()) return;
  fetch_started_at_ = order_.delivered();
  const auto after = fetch_started_at_;
  lock.unlock();
  fetch(after);
}

std::optional<std::uint64_t> stream_subscriber::fetch_if_gap_locked() {
  if (!fetch_ || closed_) return std::nullopt;
  const auto g = order_.begin_fetch();
  if (!g) return std::nullopt;
  fetch_started_at_ = g->after;
  return g->after;
}

// fetch_ is set once before the subscriber is shared, and the sequencer lets one read be in
// flight: calling it without the lock is safe, and lets a read that completes at once call
// replay() and fetched() on this thread.
void stream_subscriber::fetch(std::optional<std::uint64_t> after) {
  if (after) fetch_(*after);
}

void stream_subscriber::drain_locked() {
  // The contiguous run after the watermark, moved out of the sequencer, then framed.
  std::vector<std::pair<std::uint64_t, pending_entry>> run;
  order_.drain([&](std::uint64_t seq, pending_entry& e) { run.emplace_back(seq, std::move(e)); });
  if (run.empty()) return;
  frame_writer out{sink_};
  for (const auto& [seq, e] : run) {
    if (delivered_to_clients(e.type) && !out.add(e.body, seq)) {
      closed_ = true;
      return;
    }
  }
  if (!out.flush()) closed_ = true;
}

void stream_subscriber::close(std::uint16_t code, std::string reason) {
  std::lock_guard lock(mutex_);
  close_locked(code, std::move(reason));
}

void stream_subscriber::close_locked(std::uint16_t code, std::string reason) {
  if (closed_) return;
  closed_ = true;
  order_.clear();
  if (sink_.close) sink_.close(code, std::move(reason));
}

std::uint64_t stream_subscriber::delivered() const {
  std::lock_guard lock(mutex_);
  return order_.delivered();
}

bool stream_subscriber::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::string stream_hub::key(std::string_view tenant_id, std::string_view conversation_id) {
  std::string k;
  k.reserve(tenant_id.size() + 1 + conversation_id.size());
  k.append(tenant_id).push_back('/');
  k.append(conversation_id);
  return k;
}

std::shared_ptr<stream_subscriber> stream_hub::attach(const std::string& conversation_key,
                                                      std::shared_ptr<stream_subscriber> s) {
  std::lock_guard lock(mutex_);
  auto& slot = streams_[conversation_key];
  auto previous = slot.lock();
  slot = s;
  return previous;
}

void stream_hub::detach(const std::string& conversation_key, const stream_subscriber* s) {
  std::lock_guard lock(mutex_);
  const auto it = streams_.find(conversation_key);
  if (it == streams_.end()) return;
  const auto current = it->second.lock();
  if (!current || current.get() == s) streams_.erase(it);
}

void stream_hub::deliver(const activity_event& e) {
  std::shared_ptr<stream_subscriber> s;
  {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(key(e.tenant_id, e.conversation_id));
    if (it == streams_.end()) return;
    s = it->second.lock();
    if (!s) {
      streams_.erase(it);
      return;
    }
  }
  s->offer(e.seq, e.type, e.body);
}

void stream_hub::catch_up_all() {
  std::vector<std::shared_ptr<stream_subscriber>> open;
  {
    std::lock_guard lock(mutex_);
    open.reserve(streams_.size());
    for (const auto& [key, w] : streams_) {
      if (auto s = w.lock()) open.push_back(std::move(s));
    }
  }
  for (const auto& s : open) s->catch_up();
}

std::size_t stream_hub::size() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace parley::channel
