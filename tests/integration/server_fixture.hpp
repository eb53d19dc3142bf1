// Test helper: a real parley::net::server on 127.0.0.1 port 0, its io_context run by its own
// threads, shut down gracefully when the fixture goes away.
#pragma once

#include <parley/core/async.hpp>
#include <parley/net/health.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>

namespace parley::net::test {

class running_server {
 public:
  using builder = std::function<void(router&, server&, metrics_registry&)>;

  /// `build` adds the routes; it may refer to the server and the registry (health, metrics).
  explicit running_server(const builder& build, server_options options = {}, listener_options listener = {},
                          unsigned threads = 1)
      : work_(boost::asio::make_work_guard(io_)) {
    srv_ = std::make_unique<server>(io_, std::move(options), metrics_);
    auto routes = std::make_shared<router>();
    build(*routes, *srv_, metrics_);
    listener.port = 0;
    if (listener.name == "ops") listener.name = "test";
    auto bound = srv_->listen(listener, std::move(routes));
    if (!bound) {
      ADD_FAILURE() << "listen failed: " << bound.error().message();
    } else {
      info_ = *bound;
    }
    srv_->set_ready(true);
    threads_ = std::make_unique<core::thread_group>(io_, threads, "test-io");
  }

  ~running_server() {
    shutdown();
    // Handlers still awaiting (a cut request's timer) are abandoned, as the app does after shutdown.
    io_.stop();
    work_.reset();
    threads_->join();
  }

  /// Graceful shutdown, waited for (at most once).
  void shutdown() {
    if (stopped_) return;
    stopped_ = true;
    boost::asio::co_spawn(io_, srv_->shutdown(), boost::asio::use_future).get();
  }
  /// Starts the shutdown and returns at once.
  std::future<void> shutdown_async() {
    stopped_ = true;
    return boost::asio::co_spawn(io_, srv_->shutdown(), boost::asio::use_future);
  }

  [[nodiscard]] std::uint16_t port() const { return info_.port; }
  [[nodiscard]] const listener_info& info() const { return info_; }
  [[nodiscard]] server& srv() { return *srv_; }
  [[nodiscard]] metrics_registry& metrics() { return metrics_; }
  [[nodiscard]] boost::asio::io_context& io() { return io_; }

 private:
  metrics_registry metrics_;  // first: sessions still queued in io_ refer to it until io_ is destroyed
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<server> srv_;
  std::unique_ptr<core::thread_group> threads_;
  listener_info info_;
  bool stopped_ = false;
};

}  // namespace parley::net::test
