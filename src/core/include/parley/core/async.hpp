// Async habits (see CONVENTIONS.md "Async"): N threads on one io_context, a strand per connection,
// C++20 coroutines with as_tuple(use_awaitable). Never co_spawn(..., detached): in Boost 1.81 it
// swallows exceptions. Use log_exceptions{} as the completion token instead.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/logger.h>

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parley::core {

namespace asio = boost::asio;

/// The default completion token of Parley's coroutines: results as a tuple, never exceptions.
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Completion handler for co_spawn: logs an exception that escaped the coroutine (a bug) under
/// `what`, and counts it in escaped_exceptions(). Copyable, cheap.
struct log_exceptions {
  std::shared_ptr<spdlog::logger> log;
  std::string what;
  void operator()(std::exception_ptr e) const;
};

/// Number of exceptions log_exceptions has seen in this process (tests assert it stays 0).
[[nodiscard]] std::size_t escaped_exceptions() noexcept;

/// Runs `ctx.run()` on `threads` threads; an exception escaping a handler is logged and run()
/// resumes, so one bad handler cannot kill an I/O thread. join() waits for all of them.
class thread_group {
 public:
  thread_group(asio::io_context& ctx, unsigned threads, std::string name);
  ~thread_group();
  thread_group(const thread_group&) = delete;
  thread_group& operator=(const thread_group&) = delete;
  void join();

 private:
  std::vector<std::thread> threads_;
};

}  // namespace parley::core
