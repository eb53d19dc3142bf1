// Private: how the store's coroutines hand work to its threads and come back. A completion<T>
// carries the caller's handler (from co_await) to whichever thread finishes the work; complete()
// posts the result back to the caller's executor, which a work guard keeps alive meanwhile.
#pragma once

#include <parley/core/error.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <utility>

namespace parley::store::detail {

/// The other end of a co_await: complete() exactly once, from any thread.
template <class T>
class completion {
 public:
  virtual ~completion() = default;
  virtual void complete(result<T> r) = 0;
};

template <class T, class Handler>
class handler_completion final : public completion<T> {
 public:
  explicit handler_completion(Handler h)
      : handler_(std::move(h)), guard_(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler_))) {}

  void complete(result<T> r) override {
    auto ex = guard_.get_executor();
    boost::asio::post(ex, [h = std::move(handler_), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    guard_.reset();
  }

 private:
  Handler handler_;
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler>> guard_;
};

template <class T>
using completion_ptr = std::unique_ptr<completion<T>>;

/// An awaitable that calls `start(completion_ptr<T>)` when awaited and resumes, on the awaiting
/// coroutine's executor, with the value passed to complete().
template <class T, class Start>
boost::asio::awaitable<result<T>> async_result_of(Start start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(result<T>)>(
      [](auto handler, Start s) {
        s(completion_ptr<T>(new handler_completion<T, decltype(handler)>(std::move(handler))));
      },
      boost::asio::use_awaitable, std::move(start));
}

/// Runs `work` (returning result<T>, never throwing) on `pool`, resuming the caller afterwards.
/// An exception that escapes `work` anyway (a bug) becomes `on_exception`'s result.
template <class T, class Work>
boost::asio::awaitable<result<T>> offload(boost::asio::thread_pool& pool, Work work,
                                          std::function<result<T>(std::exception_ptr)> on_exception) {
  return async_result_of<T>([&pool, w = std::move(work), on_ex = std::move(on_exception)](completion_ptr<T> c) mutable {
    boost::asio::post(pool, [c = std::move(c), w = std::move(w), on_ex = std::move(on_ex)]() mutable {
      result<T> r = [&]() -> result<T> {
        try {
          return w();
        } catch (...) {
          return on_ex(std::current_exception());
        }
      }();
      c->complete(std::move(r));
    });
  });
}

}  // namespace parley::store::detail
