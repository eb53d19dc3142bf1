#include "stream_hub.hpp"

#include "activity.hpp"

#include <parley/channel/activity_bus.hpp>

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
    : delivered_(after), max_pending_(max_pending), sink_(std::move(sink)) {}

void stream_subscriber::offer(std::uint64_t seq, std::string_view type, std::string_view body) {
  std::lock_guard lock(mutex_);
  if (closed_ || seq <= delivered_) return;
  if (live_ && seq == delivered_ + 1 && pending_.empty()) {
    delivered_ = seq;
    if (delivered_to_clients(type) && !sink_.send(activity_set_frame({body}, seq))) closed_ = true;
    return;
  }
  if (pending_.size() >= max_pending_) {
    close_locked(resync_code, "resync");
    return;
  }
  pending_.emplace(seq, pending_entry{std::string(type), std::string(body)});
  if (live_) drain_locked();
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
    if (a.seq <= delivered_) continue;
    delivered_ = a.seq;  // the store's sequence is gap-free: this is delivered_ + 1
    // No stale typing indicators and no conversationUpdate in a replay.
    if (delivered_by_polling(a.type) && !a.body.empty() && !out.add(a.body, a.seq)) {
      closed_ = true;
      return;
    }
  }
  if (!out.flush()) closed_ = true;
}

void stream_subscriber::go_live() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  live_ = true;
  drain_locked();
}

void stream_subscriber::drain_locked() {
  // Drop what was delivered meanwhile, then send the contiguous run that follows.
  while (!pending_.empty() && pending_.begin()->first <= delivered_) pending_.erase(pending_.begin());
  frame_writer out{sink_};
  auto it = pending_.begin();
  while (it != pending_.end() && it->first == delivered_ + 1) {
    if (delivered_to_clients(it->second.type) && !out.add(it->second.body, it->first)) {
      closed_ = true;
      return;
    }
    delivered_ = it->first;
    ++it;
  }
  if (!out.flush()) closed_ = true;
  pending_.erase(pending_.begin(), it);
}

void stream_subscriber::close(std::uint16_t code, std::string reason) {
  std::lock_guard lock(mutex_);
  close_locked(code, std::move(reason));
}

void stream_subscriber::close_locked(std::uint16_t code, std::string reason) {
  if (closed_) return;
  closed_ = true;
  pending_.clear();
  if (sink_.close) sink_.close(code, std::move(reason));
}

std::uint64_t stream_subscriber::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
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

std::size_t stream_hub::size() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace parley::channel
