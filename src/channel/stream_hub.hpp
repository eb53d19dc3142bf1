// Fan-out to WebSocket streams inside one process: a hub keyed by conversation that hands every
// appended activity (appended here, or by another node and received over the bus: channel.cpp)
// to the conversation's open stream, and the per-stream state that keeps frames in sequence order.
//
// A stream_subscriber delivers each seq exactly once and in order (bus::sequencer): the replay
// from the store (everything after the stream URL's watermark) first, while live events wait in a
// bounded pending map; then pending and live events as they come, each frame carrying the
// watermark of its last activity. Activities that clients never see (conversationUpdate; typing
// read from the store) advance the position without a frame. Live events arrive from several
// nodes in any order: when one arrives with a gap before it, the subscriber asks its fetch
// function to read the gap from the store (one read at a time) instead of waiting for a message
// that may have been lost; catch_up() does the same after the bus was reattached. If the pending
// map overflows (a consumer far behind) or a read fails, the stream is closed so that the client
// reconnects and replays from the store: nothing is lost, nothing is sent twice.
//
// Thread-safety: every member of both classes may be called from any thread.
#pragma once

#include <parley/bus/ordering.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley::channel {

/// One appended activity, as every stream gets it (from this node's append or from the bus).
struct activity_event {
  std::string tenant_id;
  std::string conversation_id;
  std::uint64_t seq = 0;  ///< its sequence number (the watermark)
  std::string type;       ///< activity type (streams filter conversationUpdate on it)
  std::string body;       ///< the activity JSON, with id and timestamp
};

/// Where a stream's frames go (a net::websocket in production, a recorder in tests).
struct stream_sink {
  std::function<bool(std::string)> send;                  ///< false when the socket is gone or overflowed
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
  /// Reads everything after `after` from the store and hands it back through replay(), then
  /// calls fetched(). Called without the subscriber's lock held (it may call back at once); at
  /// most one read is asked at a time.
  using fetch_fn = std::function<void(std::uint64_t after)>;

  /// Delivers activities with seq > `after`. `max_pending` bounds the live events held while
  /// replaying or waiting for a gap.
  stream_subscriber(std::uint64_t after, stream_sink sink, std::size_t max_pending = 512);

  /// How gaps and catch-ups are read (set once, before the subscriber is attached to a hub);
  /// without one, a gap waits for its events.
  void on_gap(fetch_fn fetch);
  /// A live event (from the hub).
  void offer(std::uint64_t seq, std::string_view type, std::string_view body);
  /// A page read from the store, in order: the initial replay or a fetch's result (typing is
  /// not sent from the store).
  void replay(const std::vector<sequenced_activity>& page);
  /// The replay is complete: deliver what waited and go live.
  void go_live();
  /// A read asked through the fetch function is over; `ok` false when the store failed (the
  /// stream is then closed so that the client replays).
  void fetched(bool ok);
  /// Events may have been missed (the bus was reattached): read the store after the last
  /// delivered activity. Ignored while replaying or while a read is in flight.
  void catch_up();
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
  // Marks a gap's read in flight and returns where it starts; the caller calls fetch_ with it
  // once the lock is released.
  [[nodiscard]] std::optional<std::uint64_t> fetch_if_gap_locked();
  void fetch(std::optional<std::uint64_t> after);
  void close_locked(std::uint16_t code, std::string reason);

  mutable std::mutex mutex_;
  bool live_ = false;
  bool closed_ = false;
  std::uint64_t fetch_started_at_ = 0;  // delivered() when the read in flight started
  bus::sequencer<pending_entry> order_;
  stream_sink sink_;
  fetch_fn fetch_;
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
  /// Asks every open stream to catch up from the store (stream_subscriber::catch_up()).
  void catch_up_all();
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
