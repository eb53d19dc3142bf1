// Fan-out to WebSocket streams inside one process: a hub keyed by conversation that hands every
// appended activity (from the activity_bus receiver) to the conversation's open stream, and the
// per-stream state that keeps frames in sequence order.
//
// A stream_subscriber delivers each seq exactly once and in order: the replay from the store
// (everything after the stream URL's watermark) first, while live events wait in a bounded pending
// map; then pending and live events as they come, each frame carrying the watermark of its last
// activity. Activities that clients never see (conversationUpdate; typing in the replay) advance
// the position without a frame. If the pending map overflows (an event lost between two
// processes, or a consumer far behind) the stream is closed so that the client reconnects and
// replays from the store: nothing is lost, nothing is sent twice.
//
// Thread-safety: every member of both classes may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley::channel {

struct activity_event;

/// Where a stream's frames go (a net::websocket in production, a recorder in tests).
struct stream_sink {
  std::function<bool(std::string)> send;                 ///< false when the socket is gone or overflowed
  std::function<void(std::uint16_t, std::string)> close;  ///< close code and reason
};

/// One activity in sequence order.
struct sequenced_activity {
  std::uint64_t seq = 0;
  std::string type;
  std::string body;  ///< JSON with id and timestamp
};

class stream_subscriber {
 public:
  /// Delivers activities with seq > `after`. `max_pending` bounds the live events held while
  /// replaying or waiting for a gap.
  stream_subscriber(std::uint64_t after, stream_sink sink, std::size_t max_pending = 512);

  /// A live event (from the hub).
  void offer(std::uint64_t seq, std::string_view type, std::string_view body);
  /// A page of the replay, in order (typing is not replayed).
  void replay(const std::vector<sequenced_activity>& page);
  /// The replay is complete: deliver what waited and go live.
  void go_live();
  /// Closes the stream (e.g. "collision"); later events are dropped.
  void close(std::uint16_t code, std::string reason);

  [[nodiscard]] std::uint64_t delivered() const;
  [[nodiscard]] bool closed() const;

 private:
  struct pending_entry {
    std::string type;
    std::string body;
  };
  // Collects bodies into frames of bounded size, each with the watermark of its last activity.
  struct frame_writer {
    stream_sink& sink;
    std::vector<std::string_view> bodies;
    std::size_t bytes = 0;
    std::uint64_t last = 0;
    bool add(std::string_view body, std::uint64_t seq);
    bool flush();
  };
  void drain_locked();
  void close_locked(std::uint16_t code, std::string reason);

  mutable std::mutex mutex_;
  std::uint64_t delivered_;
  bool live_ = false;
  bool closed_ = false;
  std::size_t max_pending_;
  std::map<std::uint64_t, pending_entry> pending_;
  stream_sink sink_;
};

class stream_hub {
 public:
  /// Makes `s` the open stream of `conversation_key`; returns the stream it replaces (the caller
  /// closes it with reason "collision": one socket per conversation).
  std::shared_ptr<stream_subscriber> attach(const std::string& conversation_key, std::shared_ptr<stream_subscriber> s);
  /// Removes `s` if it is still the conversation's stream.
  void detach(const std::string& conversation_key, const stream_subscriber* s);
  /// Hands an event to its conversation's stream, if one is open here.
  void deliver(const activity_event& e);
  [[nodiscard]] std::size_t size() const;

  /// "<tenant>/<conversation>": conversation ids are random, the tenant makes the key unambiguous.
  [[nodiscard]] static std::string key(std::string_view tenant_id, std::string_view conversation_id);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<stream_subscriber>> streams_;
};

/// {"activities":[...bodies...],"watermark":"<seq>"} from already-serialised bodies.
[[nodiscard]] std::string activity_set_frame(const std::vector<std::string_view>& bodies, std::uint64_t watermark);

}  // namespace parley::channel
