// jose's jwks_fetcher over net's outbound client (private to the bot component): GET, 2xx only,
// the client's timeouts, size cap and certificate checks.
// Thread-safety: fetch() may be called from any thread.
#pragma once

#include <parley/jose/remote_jwks.hpp>
#include <parley/net/client.hpp>

#include <chrono>

namespace parley::bot {

class http_fetcher final : public jose::jwks_fetcher {
 public:
  explicit http_fetcher(net::http_client& http, std::chrono::milliseconds timeout = std::chrono::seconds{10})
      : http_(http), timeout_(timeout) {}
  [[nodiscard]] boost::asio::awaitable<result<std::string>> fetch(std::string url) override;

 private:
  net::http_client& http_;
  std::chrono::milliseconds timeout_;
};

}  // namespace parley::bot
