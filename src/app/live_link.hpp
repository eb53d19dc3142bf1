// The live desk's seams when the channel and the desk run in this process (ADR 0021): the
// channel's handoff_listener and activity tap become desk::service calls, and the desk's
// conversation_link becomes channel::service's desk steps (accept_handoff, send_as_consultant,
// update_handoff, end_handoff). Between processes the same seams ride on the bus; this class,
// owned by the composition root, is the only place that knows both components.
//
// Ownership: declare it before the channel and the desk (both hold a pointer to it); attach()
// once both exist and before the listeners open, detach() before either goes. Unattached, it
// drops what the channel tells it and link calls answer link_status::unavailable.
// Thread-safety: attach()/detach() at start-up and shutdown; everything else from any thread.
#pragma once

#include <parley/channel/activity_bus.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/handoff.hpp>
#include <parley/desk/live.hpp>
#include <parley/desk/service.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <mutex>

namespace parley::app {

class live_link final : public channel::handoff_listener, public desk::conversation_link {
 public:
  explicit live_link(boost::asio::io_context& io) : io_(io) {}
  void attach(channel::service& channel, std::shared_ptr<desk::service> desk);
  void detach();

  /// The channel's activity tap: every appended activity (the desk forwards what it watches).
  void activity(const channel::activity_event& e);

  // channel::handoff_listener
  void handoff_requested(const channel::handoff_request& r) override;
  void handoff_abandoned(std::string_view tenant_id, std::string_view conversation_id) override;

  // desk::conversation_link
  boost::asio::awaitable<desk::link_result> accept(std::string tenant_id, std::string conversation_id,
                                                   std::string display_name) override;
  boost::asio::awaitable<desk::link_result> send(std::string tenant_id, std::string conversation_id,
                                                 std::string display_name, bool typing, std::string text) override;
  boost::asio::awaitable<desk::link_result> update(std::string tenant_id, std::string conversation_id,
                                                   std::uint32_t position,
                                                   std::chrono::seconds estimated_wait) override;
  boost::asio::awaitable<desk::link_result> end(std::string tenant_id, std::string conversation_id, bool completed,
                                                std::string message, std::string resume_intent) override;

 private:
  [[nodiscard]] std::shared_ptr<desk::service> desk() const;

  boost::asio::io_context& io_;
  std::atomic<channel::service*> channel_{nullptr};
  mutable std::mutex mutex_;
  std::shared_ptr<desk::service> desk_;
};

/// An activity_bus that also hands every published activity to a tap (the live desk), then to
/// the channel's own receiver.
class tapped_bus final : public channel::activity_bus {
 public:
  explicit tapped_bus(live_link* tap) : tap_(tap) {}
  void publish(const channel::activity_event& e) override {
    if (receiver_) receiver_(e);
    if (tap_) tap_->activity(e);
  }
  void set_receiver(receiver r) override { receiver_ = std::move(r); }

 private:
  live_link* tap_;
  receiver receiver_;
};

}  // namespace parley::app
