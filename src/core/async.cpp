#include <parley/core/async.hpp>
#include <parley/core/log.hpp>

#include <atomic>

namespace parley::core {
namespace {
std::atomic<std::size_t> escaped{0};
}

void log_exceptions::operator()(std::exception_ptr e) const {
  if (!e) return;
  escaped.fetch_add(1, std::memory_order_relaxed);
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log->error("{}: unhandled exception: {}", what, ex.what());
  } catch (...) {
    log->error("{}: unhandled non-standard exception", what);
  }
}

std::size_t escaped_exceptions() noexcept { return escaped.load(std::memory_order_relaxed); }

thread_group::thread_group(asio::io_context& ctx, unsigned threads, std::string name) {
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([&ctx, name] {
      for (;;) {
        try {
          ctx.run();
          return;
        } catch (const std::exception& ex) {
          escaped.fetch_add(1, std::memory_order_relaxed);
          logger("core")->error("{}: handler threw: {}", name, ex.what());
        } catch (...) {
          escaped.fetch_add(1, std::memory_order_relaxed);
          logger("core")->error("{}: handler threw a non-standard exception", name);
        }
      }
    });
  }
}

thread_group::~thread_group() { join(); }

void thread_group::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace parley::core
