// The live desk's seams when the channel and the desk run in this process (ADR 0021): the
// channel's handoff_listener and its appended activities (a fan-out subscription on the bus's
// channel::activity_topic) become desk::service calls, and the desk's
// conversation_link becomes channel::service's desk steps (accept_handoff, send_as_consultant,
// update_handoff, transfer_handoff, end_handoff); the desk's live events go to the other nodes'
// desks on the bus (event_relay). Between processes the same seams ride on the bus; this class,
// owned by the composition root, is the only place that knows both components.
//
// Ownership: declare it before the channel and the desk (both hold a pointer to it); attach()
// once both exist and before the listeners open, detach() before either goes. Unattached, it
// drops what the channel tells it and link calls answer link_status::unavailable.
// Thread-safety: attach()/detach() at start-up and shutdown; everything else from any thread.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/handoff.hpp>
#include <parley/desk/live.hpp>
#include <parley/desk/service.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <mutex>

namespace parley::app {

class live_link final : public channel::handoff_listener, public desk::conversation_link, public desk::event_relay {
 public:
  explicit live_link(boost::asio::io_context& io) : io_(io) {}
  void attach(channel::service& channel, std::shared_ptr<desk::service> desk);
  void detach();

  /// Subscribes (fan-out) to the activities the channel appends (channel::activity_topic) and
  /// hands each to the desk, which forwards those of the conversations its desks watch. The
  /// subscription must end before the bus (declare it after the bus).
  [[nodiscard]] result<std::unique_ptr<bus::subscription>> subscribe_activities(bus::bus& b,
                                                                                boost::asio::any_io_executor ex);

  /// Carries the desk's live events between nodes (ADR 0023): publish() puts them on the bus's
  /// `desk.event` topic; this fan-out subscription hands those of other nodes to `desk`
  /// (service::relayed_event). The subscription must end before the bus and the desk.
  [[nodiscard]] result<std::unique_ptr<bus::subscription>> subscribe_desk_events(bus::bus& b,
                                                                                 boost::asio::any_io_executor ex,
                                                                                 std::weak_ptr<desk::service> desk);

  // desk::event_relay (never blocks: a lost event costs the other desks a reload)
  void publish(desk::desk_event e) override;

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
  boost::asio::awaitable<desk::link_result> transfer(std::string tenant_id, std::string conversation_id,
                                                     std::string display_name) override;
  boost::asio::awaitable<desk::link_result> end(std::string tenant_id, std::string conversation_id, bool completed,
                                                std::string message, std::string resume_intent) override;

 private:
  [[nodiscard]] std::shared_ptr<desk::service> desk() const;

  boost::asio::io_context& io_;
  std::atomic<channel::service*> channel_{nullptr};
  mutable std::mutex mutex_;
  std::shared_ptr<desk::service> desk_;
  std::atomic<bus::bus*> bus_{nullptr};
};

}  // namespace parley::app
