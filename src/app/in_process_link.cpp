#include "in_process_link.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/log.hpp>

#include <exception>

namespace parley::app {

using boost::asio::awaitable;

void in_process_link::attach(channel::service& channel, bot::service& bot) {
  channel_.store(&channel);
  bot_.store(&bot);
}

void in_process_link::detach() {
  channel_.store(nullptr);
  bot_.store(nullptr);
}

awaitable<int> in_process_link::deliver(std::string bot_id, std::string activity_json, std::string traceparent) {
  auto* b = bot_.load();
  if (b == nullptr) co_return 503;
  if (b->get_options().id != bot_id) co_return 404;
  delivered_.fetch_add(1, std::memory_order_relaxed);
  // The seam must not throw into the channel (its caller runs under log_exceptions only).
  int status = 500;
  try {
    status = co_await b->receive_in_process(std::move(activity_json), std::move(traceparent));
  } catch (const std::exception& e) {
    core::logger("app")->error("in-process delivery to bot {}: {}", bot_id, e.what());
  }
  co_return status;
}

awaitable<boost::system::error_code> in_process_link::send(std::string bot_id, std::string conversation_id,
                                                          std::string reply_to_id, std::string activity_json) {
  auto* c = channel_.load();
  if (c == nullptr) co_return make_error_code(channel::errc::not_started);
  sent_.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ec;
  try {
    auto r = co_await c->receive_from_bot(std::move(bot_id), std::move(conversation_id), std::move(reply_to_id),
                                          std::move(activity_json));
    if (!r) ec = r.error();
  } catch (const std::exception& e) {
    core::logger("app")->error("in-process send to the channel: {}", e.what());
    ec = make_error_code(channel::errc::internal);
  }
  co_return ec;
}

bool wants_in_process(const channel::options& channel, std::string_view bot_id, std::string_view tenant) {
  for (const auto& b : channel.bots) {
    if (b.id == bot_id && b.tenant == tenant && b.endpoint == channel::in_process_endpoint) return true;
  }
  return false;
}

}  // namespace parley::app
