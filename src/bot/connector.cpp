#include "connector.hpp"

#include "url_util.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/async.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/core/random.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

namespace parley::bot {

namespace asio = boost::asio;

connector_client::connector_client(connector_settings s, net::http_client& http, const core::clock& clock)
    : s_(std::move(s)), http_(http), clock_(clock) {}

connector_client::counters connector_client::stats() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void connector_client::invalidate() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

asio::awaitable<void> connector_client::wait_for_fetch() {
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto resume = [ex, h] { asio::post(ex, [h] { std::move (*h)(); }); };
        {
          std::lock_guard lock(mutex_);
          if (fetching_) {
            waiters_.emplace_back(std::move(resume));
            return;
          }
        }
        resume();
      },
      asio::use_awaitable);
}

asio::awaitable<result<std::string>> connector_client::access_token() {
  if (s_.app_id.empty()) co_return std::string{};
  for (int round = 0; round < 3; ++round) {
    {
      std::unique_lock lock(mutex_);
      if (!token_.empty() && clock_.steady_now() < refresh_at_) co_return token_;
      if (!fetching_) {
        fetching_ = true;
        ++counters_.token_fetches;
        lock.unlock();
        auto got = co_await fetch_token();
        std::vector<std::function<void()>> waiters;
        {
          std::lock_guard relock(mutex_);
          fetching_ = false;
          waiters.swap(waiters_);
        }
        for (auto& w : waiters) w();
        co_return got;
      }
    }
    co_await wait_for_fetch();
  }
  co_return make_error_code(errc::channel_unreachable);
}

asio::awaitable<result<std::string>> connector_client::fetch_token() {
  auto log = core::logger("bot");
  auto req = net::client_request::form(s_.token_endpoint, {{"grant_type", "client_credentials"},
                                                           {"client_id", s_.app_id},
                                                           {"client_secret", std::string(s_.app_password.view())},
                                                           {"scope", s_.scope + "/.default"}});
  req.timeout = s_.timeout;
  auto r = co_await http_.send(std::move(req));
  if (!r) {
    log->warn("Connector access token endpoint unreachable ({})", r.error().message());
    co_return make_error_code(errc::channel_unreachable);
  }
  if (r->status != 200) {
    log->warn("Connector access token endpoint answered {}", r->status);
    co_return make_error_code(errc::channel_error);
  }
  auto o = core::parse_json_object(r->body, {.max_bytes = 64 * 1024, .max_depth = 8});
  const auto token = o ? core::get_string(*o, "access_token") : std::nullopt;
  const auto expires_in = o ? core::get_int(*o, "expires_in") : std::nullopt;
  if (!token || token->empty() || !expires_in || *expires_in <= 0) {
    log->warn("Connector access malformed token response");
    co_return make_error_code(errc::channel_error);
  }
  const auto lifetime = std::chrono::seconds{*expires_in};
  // Refresh refresh_early before expiry; a token that lives shorter than that is reused for half
  // its life rather than fetched for every call.
  const auto keep = lifetime > 2 * s_.refresh_early ? lifetime - s_.refresh_early : lifetime / 2;
  std::string value(*token);
  {
    std::lock_guard lock(mutex_);
    token_ = value;
    refresh_at_ = clock_.steady_now() + keep;
  }
  log->info("Connector access fetched, valid {} s", lifetime.count());
  co_return value;
}

asio::awaitable<result<void>> connector_client::send(std::string service_url, std::string conversation_id,
                                                     std::string reply_to_id, boost::json::object activity) {
  auto log = core::logger("bot");
  if (s_.link != nullptr) co_return co_await send_in_process(std::move(conversation_id), std::move(reply_to_id), activity);
  std::string url = service_url;
  if (url.empty() || url.back() != '/') url.push_back('/');
  url += "v3/conversations/" + encode_segment(conversation_id) + "/activities";
  if (!reply_to_id.empty()) url += "/" + encode_segment(reply_to_id);
  // One request id for every attempt: the channel stores a retried activity once (its
  // x-ms-client-request-id is an idempotency key), so a reply whose answer was lost with a channel
  // node (cut connection, 502/503/504 from the load balancer) is sent again, not dropped.
  const std::string request_id = core::random_id(core::os_random(), "", 16);
  constexpr int max_attempts = 4;
  bool refreshed = false;
  error_code last = make_error_code(errc::channel_error);
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (attempt > 0 && last != errc::channel_error) {
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100 * attempt));
      (void)co_await pause.async_wait(core::use_tuple);
    }
    auto token = co_await access_token();
    if (!token) co_return token.error();
    auto req = net::client_request::json(net::method::post, url, activity);
    if (!token->empty()) req.headers.set("Authorization", "Bearer " + *token);
    req.headers.set("x-ms-client-request-id", request_id);
    req.timeout = s_.timeout;
    auto r = co_await http_.send(std::move(req));
    if (!r) {
      core::with_log_fields({.conversation = conversation_id}, [&] {
        log->warn("connector: conversation {} unreachable ({})", conversation_id, r.error().message());
      });
      last = make_error_code(errc::channel_unreachable);
      continue;
    }
    if (r->status >= 200 && r->status < 300) co_return result<void>{};
    if (r->status == 401 && !s_.app_id.empty() && !refreshed) {
      refreshed = true;
      invalidate();
      last = make_error_code(errc::channel_error);
      continue;
    }
    core::with_log_fields({.conversation = conversation_id},
                          [&] { log->warn("connector: conversation {} answered {}", conversation_id, r->status); });
    if (r->status != 502 && r->status != 503 && r->status != 504) co_return make_error_code(errc::channel_error);
    last = make_error_code(errc::channel_unreachable);
  }
  co_return last;
}

asio::awaitable<result<void>> connector_client::send_in_process(std::string conversation_id, std::string reply_to_id,
                                                                const boost::json::object& activity) {
  // The same bytes the HTTP path would POST: the channel parses them under the route's limits.
  std::string body = boost::json::serialize(activity);
  std::string bot_id = s_.bot_id;
  std::string conversation = conversation_id;
  const auto refused = co_await s_.link->send(std::move(bot_id), std::move(conversation), std::move(reply_to_id),
                                              std::move(body));
  if (!refused) co_return result<void>{};
  core::with_log_fields({.conversation = conversation_id}, [&] {
    core::logger("bot")->warn("connector: conversation {} refused the activity (in-process): {}", conversation_id,
                              refused.message());
  });
  co_return make_error_code(errc::channel_error);  // as a non-2xx answer over HTTP
}

}  // namespace parley::bot
