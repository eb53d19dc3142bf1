// A bus for tests of components that use one: it records what is published, delivers what the
// test injects to the matching subscriptions and reports how each was settled, and can be made
// unavailable, fail publishes, or say that its subscriptions were attached again.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <parley/bus/bus.hpp>

#include <future>
#include <mutex>
#include <vector>

namespace parley::bus::testing {

class fake_bus final : public bus {
 public:
  explicit fake_bus(std::string node_id = "fake-node");
  ~fake_bus() override;

  void publish(message m, publish_callback done) override;
  [[nodiscard]] result<std::unique_ptr<subscription>> subscribe(subscription_options o, boost::asio::any_io_executor ex,
                                                                handler h) override;
  [[nodiscard]] health status() const override;
  [[nodiscard]] const std::string& node_id() const override { return node_; }
  void stop() override;

  /// Every message published so far (with id, origin and published_at set).
  [[nodiscard]] std::vector<message> published() const;
  /// Publishes fail with `ec` from now on ({} restores success); status() reports it too.
  void fail_publishes(error_code ec);
  /// Runs the handler of every open subscription of m.topic with a copy of `m` (id and
  /// published_at filled in when empty); the future holds each handler's result, in
  /// subscription order.
  std::future<std::vector<error_code>> deliver(message m);
  /// Calls on_reattached of every open subscription (on its executor).
  void reattach();
  [[nodiscard]] std::size_t subscriptions() const;

  struct sub;

 private:
  std::string node_;
  mutable std::mutex mutex_;
  std::vector<message> published_;
  error_code fail_;
  bool stopped_ = false;
  std::uint64_t counter_ = 0;
  std::vector<std::shared_ptr<sub>> subs_;
};

}  // namespace parley::bus::testing
