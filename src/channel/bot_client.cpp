#include "bot_client.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/net/error.hpp>
#include <parley/net/trace_context.hpp>

#include <parley/core/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <memory>

namespace parley::channel {

namespace asio = boost::asio;
using boost::asio::awaitable;

namespace {

// The bot's status, from the delivery to the caller waiting for it. A channel, so that an answer
// that comes first, last or while the wait is being set up is never missed.
using status_channel = asio::experimental::concurrent_channel<void(boost::system::error_code, int)>;

// The in-process delivery as a coroutine of its own: the timeout ends the channel's wait, never
// the bot's turn (as over HTTP, where the bot keeps working after the channel hung up).
awaitable<void> in_process_task(in_process_bot* bot, std::string bot_id, std::string activity, std::string traceparent,
                                std::shared_ptr<status_channel> done) {
  const int status = co_await bot->deliver(std::move(bot_id), std::move(activity), std::move(traceparent));
  done->try_send(boost::system::error_code{}, status);
}

}  // namespace

bot_client::bot_client(const options& opts, net::http_client& http, token_service& tokens, in_process_bot* in_process)
    : opts_(opts), http_(http), tokens_(tokens), in_process_(in_process) {}

awaitable<result<void>> bot_client::deliver_in_process(const bot_options& bot, std::string activity_json,
                                                       std::string traceparent, std::string conversation_id) {
  static const auto log = core::logger("channel");
  const auto ids = [&bot, &conversation_id, &traceparent] {
    return core::log_fields{
        .conversation = conversation_id, .tenant = bot.tenant, .trace_id = net::trace_id_of(traceparent)};
  };
  if (in_process_ == nullptr) {
    core::with_log_fields(ids(), [&] {
      log->warn("bot {}: endpoint is in-process but no bot web service runs in this process", bot.id);
    });
    co_return make_error_code(errc::bot_unreachable);
  }
  using namespace asio::experimental::awaitable_operators;
  const auto size = activity_json.size();
  const auto start = std::chrono::steady_clock::now();
  auto ex = co_await asio::this_coro::executor;
  auto done = std::make_shared<status_channel>(ex, 1);
  asio::co_spawn(ex, in_process_task(in_process_, bot.id, std::move(activity_json), traceparent, done),
                 core::log_exceptions{log, "in-process bot delivery"});
  asio::steady_timer timeout(ex, opts_.bot_timeout);
  auto first = co_await (done->async_receive(core::use_tuple) || timeout.async_wait(core::use_tuple));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (first.index() == 1) {
    core::with_log_fields(
        ids(), [&] { log->warn("bot {}: in-process delivery of {} bytes timed out after {} ms", bot.id, size, ms); });
    co_return make_error_code(errc::bot_timeout);
  }
  const auto [ec, status] = std::get<0>(first);
  if (ec) {
    core::with_log_fields(ids(), [&] {
      log->warn("bot {}: in-process delivery of {} bytes failed after {} ms: {}", bot.id, size, ms, ec.message());
    });
    co_return make_error_code(errc::bot_unreachable);
  }
  if (status < 200 || status > 299) {
    core::with_log_fields(ids(),
                          [&] { log->warn("bot {}: answered {} after {} ms (in-process)", bot.id, status, ms); });
    co_return make_error_code(errc::bot_rejected);
  }
  core::with_log_fields(
      ids(), [&] { log->debug("bot {}: delivered {} bytes in-process, {} in {} ms", bot.id, size, status, ms); });
  co_return result<void>{};
}

awaitable<result<void>> bot_client::deliver(const bot_options& bot, std::string activity_json, std::string traceparent,
                                            std::string conversation_id) {
  static const auto log = core::logger("channel");
  // The request's span is the parent of the bot's (a new trace without a valid one), in-process too.
  if (!net::parse_traceparent(traceparent)) traceparent = net::child_span(std::nullopt).traceparent();
  if (bot.endpoint == in_process_endpoint) {
    co_return co_await deliver_in_process(bot, std::move(activity_json), std::move(traceparent),
                                          std::move(conversation_id));
  }
  const auto ids = [&bot, &conversation_id, &traceparent] {
    return core::log_fields{
        .conversation = conversation_id, .tenant = bot.tenant, .trace_id = net::trace_id_of(traceparent)};
  };
  net::client_request req;
  req.method = net::method::post;
  req.url = bot.endpoint;
  req.headers.set("Content-Type", "application/json; charset=utf-8");
  req.headers.set("traceparent", traceparent);
  if (!bot.app_id.empty()) {
    auto token = tokens_.to_bot_token(bot.app_id, opts_.service_url);
    if (!token) co_return token.error();
    // Exactly one space: botbuilder splits the header on it and compares the scheme case-sensitively.
    req.headers.set("Authorization", "Bearer " + *token);
  }
  const auto size = activity_json.size();
  req.body = std::move(activity_json);
  req.timeout = opts_.bot_timeout;
  const auto start = std::chrono::steady_clock::now();
  auto res = co_await http_.send(std::move(req));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (!res) {
    const bool timed_out = res.error() == net::errc::timeout;
    core::with_log_fields(ids(), [&] {
      log->warn("bot {}: delivery of {} bytes failed after {} ms: {}", bot.id, size, ms, res.error().message());
    });
    co_return make_error_code(timed_out ? errc::bot_timeout : errc::bot_unreachable);
  }
  if (res->status < 200 || res->status > 299) {
    core::with_log_fields(ids(), [&] {
      if (res->status == 401 || res->status == 403) {
        // botbuilder answers authentication failures with the reason as the body (redacted like
        // every line). A 500's body may quote whatever the bot was processing: only its size.
        log->warn("bot {}: answered {} after {} ms: {}", bot.id, res->status, ms, res->body.substr(0, 200));
      } else {
        log->warn("bot {}: answered {} after {} ms ({} bytes)", bot.id, res->status, ms, res->body.size());
      }
    });
    co_return make_error_code(errc::bot_rejected);
  }
  core::with_log_fields(
      ids(), [&] { log->debug("bot {}: delivered {} bytes, {} in {} ms", bot.id, size, res->status, ms); });
  co_return result<void>{};
}

}  // namespace parley::channel
