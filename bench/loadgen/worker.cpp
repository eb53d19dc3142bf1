#include "worker.hpp"

#include "user.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>

namespace loadgen {

using parley::core::use_tuple;

asio::awaitable<void> gate::wait() {
  if (!open_) co_await timer_.async_wait(use_tuple);
}

void gate::open() {
  open_ = true;
  timer_.cancel();
}

worker::worker(unsigned index, const settings& cfg, const endpoints& ep, shared_state& shared,
               source_addresses& sources, int users_here)
    : cfg_(cfg), ep_(ep), shared_(shared), sources_(sources), rng_(0x9e3779b97f4a7c15ULL * (index + 1)) {
  std::size_t pool = cfg.http_connections;
  if (pool == 0) pool = static_cast<std::size_t>(std::clamp(users_here, 1, 1000));
  channel_ = std::make_unique<http_pool>(io_.get_executor(), ep.channel, ep.channel_host, sources, pool, cfg.timeout);
  bot_ = std::make_unique<http_pool>(io_.get_executor(), ep.bot, ep.bot_host, sources, pool, cfg.timeout);
}

void worker::spawn(int first, int step) {
  auto log = parley::core::logger("loadgen");
  for (int i = first; i < cfg_.users; i += step) {
    if (cfg_.scenario == scenario_kind::handshake) {
      asio::co_spawn(io_, handshake_caller(), parley::core::log_exceptions{log, "handshake caller"});
    } else {
      auto u = std::make_shared<user>(*this, i);
      asio::co_spawn(io_, u->run(u), parley::core::log_exceptions{log, "user"});
    }
  }
}

void worker::release_go() {
  asio::post(io_, [this] { go_.open(); });
}

void worker::release_stop() {
  asio::post(io_, [this] {
    stopping_ = true;
    stop_.open();
  });
}

// The handshake scenario: back-to-back GetNewToken calls on one keep-alive connection each.
asio::awaitable<void> worker::handshake_caller() {
  const header_list headers{{"Origin", cfg_.origin}};
  while (!stopping_) {
    const auto t0 = clock::now();
    auto r = co_await bot_->request(beast::http::verb::post, ep_.token_path, std::string("{}"), headers);
    const bool measured = shared_.measuring.load(std::memory_order_relaxed);
    if (r.ec) {  // no busy loop on a refused connection
      asio::steady_timer pause(io_, std::chrono::milliseconds(10));
      co_await pause.async_wait(use_tuple);
    }
    boost::system::error_code ec;
    auto body = r.ec || r.status != 200 ? boost::json::value() : boost::json::parse(r.body, ec);
    const bool ok = !r.ec && r.status == 200 && !ec && body.is_object() && body.as_object().contains("token");
    if (!measured) continue;
    if (!ok) {
      rec_.error(step::handshake, r.ec ? r.ec.message() : "http " + std::to_string(r.status));
      continue;
    }
    rec_.sample(step::handshake, clock::now() - t0);
    ++shared_.handshakes;
  }
}

}  // namespace loadgen
