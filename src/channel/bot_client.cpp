#include "bot_client.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/log.hpp>
#include <parley/net/error.hpp>

#include <chrono>

namespace parley::channel {

using boost::asio::awaitable;

bot_client::bot_client(const options& opts, net::http_client& http, token_service& tokens)
    : opts_(opts), http_(http), tokens_(tokens) {}

awaitable<result<void>> bot_client::deliver(const bot_options& bot, std::string activity_json) {
  static const auto log = core::logger("channel");
  net::client_request req;
  req.method = net::method::post;
  req.url = bot.endpoint;
  req.headers.set("Content-Type", "application/json; charset=utf-8");
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
    log->warn("bot {}: delivery of {} bytes failed after {} ms: {}", bot.id, size, ms, res.error().message());
    co_return make_error_code(timed_out ? errc::bot_timeout : errc::bot_unreachable);
  }
  if (res->status < 200 || res->status > 299) {
    if (res->status == 401 || res->status == 403) {
      // botbuilder answers authentication failures with the reason as the body (redacted like
      // every line). A 500's body may quote whatever the bot was processing: only its size.
      log->warn("bot {}: answered {} after {} ms: {}", bot.id, res->status, ms, res->body.substr(0, 200));
    } else {
      log->warn("bot {}: answered {} after {} ms ({} bytes)", bot.id, res->status, ms, res->body.size());
    }
    co_return make_error_code(errc::bot_rejected);
  }
  log->debug("bot {}: delivered {} bytes, {} in {} ms", bot.id, size, res->status, ms);
  co_return result<void>{};
}

}  // namespace parley::channel
