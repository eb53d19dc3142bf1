// The in-process seam between the channel and the bot web service when both run in this process
// and the channel's bot entry says endpoint = "in-process" (docs/adr/0007-in-process-delivery.md):
// the channel hands activities to bot::service::receive_in_process() and the bot's activities go
// to channel::service::receive_from_bot(), as the same JSON text the HTTP hops would carry, with
// no loopback HTTP and no JWT on either hop. The components only see their own interface
// (channel::in_process_bot, bot::channel_link); this class, owned by the composition root, is the
// only place that knows both.
//
// Ownership: declare it before the channel and the bot (it must outlive both, since they hold a
// pointer to it); attach() them once both exist. Until then (and after detach()) deliveries
// answer 503 and sends fail with channel::errc::not_started.
// Thread-safety: attach()/detach() at start-up and shutdown; deliver() and send() from any thread.
#pragma once

#include <parley/bot/channel_link.hpp>
#include <parley/bot/service.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/in_process_bot.hpp>

#include <atomic>
#include <string>

namespace parley::app {

class in_process_link final : public channel::in_process_bot, public bot::channel_link {
 public:
  /// Both must outlive the link's use (detach() before destroying either).
  void attach(channel::service& channel, bot::service& bot);
  void detach();

  /// channel → bot: the bot's /api/messages status (404 for another bot id, 503 before attach,
  /// 500 if the bot threw).
  [[nodiscard]] boost::asio::awaitable<int> deliver(std::string bot_id, std::string activity_json,
                                                    std::string traceparent) override;
  /// bot → channel: empty when stored; the channel's error otherwise.
  [[nodiscard]] boost::asio::awaitable<boost::system::error_code> send(std::string bot_id, std::string conversation_id,
                                                                       std::string reply_to_id,
                                                                       std::string activity_json) override;

  /// Activities carried in each direction so far (the demo's and tests' proof that this path ran).
  [[nodiscard]] std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }

 private:
  std::atomic<channel::service*> channel_{nullptr};
  std::atomic<bot::service*> bot_{nullptr};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> sent_{0};
};

/// True when the channel's options register `bot_id` of `tenant` as an in-process bot.
[[nodiscard]] bool wants_in_process(const channel::options& channel, std::string_view bot_id, std::string_view tenant);

}  // namespace parley::app
