#include <parley/bus/bus.hpp>
#include <parley/core/async.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace parley::bus {
namespace {

namespace asio = boost::asio;

bool lower_or_digit(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64 || !lower_or_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
}

bool valid_node_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 48) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

asio::awaitable<error_code> publish(bus& b, message m) {
  // The bus calls `done` inline or from its own thread: the coroutine is resumed through a post
  // to its own executor either way.
  auto token = core::use_tuple;
  auto [ec] = co_await asio::async_initiate<decltype(token), void(error_code)>(
      [&b](auto handler, message msg) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        b.publish(std::move(msg), [h](error_code e) {
          auto ex = asio::get_associated_executor(*h);
          asio::post(ex, [h, e]() mutable { std::move (*h)(e); });
        });
      },
      token, std::move(m));
  co_return ec;
}

}  // namespace parley::bus
