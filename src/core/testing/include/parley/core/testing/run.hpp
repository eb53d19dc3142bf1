// Runs an awaitable to completion on a private io_context: for tests of coroutine APIs that need
// no other I/O running meanwhile. Exceptions from the awaitable are rethrown.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <utility>

namespace parley::core::testing {

template <class T>
T run(boost::asio::awaitable<T> aw) {
  boost::asio::io_context ctx;
  auto fut = boost::asio::co_spawn(ctx, std::move(aw), boost::asio::use_future);
  ctx.run();
  return fut.get();
}

}  // namespace parley::core::testing
