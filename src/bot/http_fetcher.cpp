#include "http_fetcher.hpp"

#include <parley/jose/error.hpp>

namespace parley::bot {

boost::asio::awaitable<result<std::string>> http_fetcher::fetch(std::string url) {
  net::client_request req;
  req.method = net::method::get;
  req.url = std::move(url);
  req.headers.set("Accept", "application/json");
  req.timeout = timeout_;
  auto r = co_await http_.send(std::move(req));
  if (!r) co_return r.error();
  if (r->status < 200 || r->status >= 300) co_return make_error_code(jose::errc::fetch_failed);
  co_return std::move(r->body);
}

}  // namespace parley::bot
