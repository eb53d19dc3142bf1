// The seam between the channel and the way an appended activity reaches the process that holds
// the conversation's WebSocket. Today everything runs in one process (in_process_bus delivers to
// this process's receiver at once); the message-bus issue adds an AMQP implementation that
// publishes to a topic and calls the receiver of every node.
//
// Contract: publish() returns quickly and never blocks on a consumer; the receiver is called for
// every published event (in any order across conversations; per conversation, the channel
// reorders by seq), possibly from any thread, and must not block.
// Thread-safety: publish() may be called from any thread; set_receiver() once, before publishing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace parley::channel {

/// One appended activity, as every reader gets it.
struct activity_event {
  std::string tenant_id;
  std::string conversation_id;
  std::uint64_t seq = 0;  ///< its sequence number (the watermark)
  std::string type;       ///< activity type (readers filter typing and conversationUpdate on it)
  std::string body;       ///< the activity JSON, with id and timestamp
};

class activity_bus {
 public:
  using receiver = std::function<void(const activity_event&)>;
  virtual ~activity_bus() = default;
  virtual void publish(const activity_event& e) = 0;
  virtual void set_receiver(receiver r) = 0;
};

/// One process: publish() calls the receiver directly, on the publishing thread.
class in_process_bus final : public activity_bus {
 public:
  void publish(const activity_event& e) override {
    if (receiver_) receiver_(e);
  }
  void set_receiver(receiver r) override { receiver_ = std::move(r); }

 private:
  receiver receiver_;
};

}  // namespace parley::channel
