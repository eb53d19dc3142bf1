// What /readyz says about the store (issue 15, docs/deploy-cluster.md): a node whose database is
// unreachable reports not ready, so that the load balancer drains it, and ready again by itself
// once the database answers. Every `interval` the probe reads a conversation that does not exist:
// not_found means the database answered; unavailable (or no answer within `timeout`) means not.
// Ownership: holds a reference to the store (which outlives it) and runs on `io`. Thread-safety:
// readiness() from any thread; stop() from any thread (also called by the destructor).
#pragma once

#include <parley/store/conversation_store.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace parley::app {

class store_probe {
 public:
  store_probe(boost::asio::io_context& io, store::conversation_store& store,
              std::chrono::milliseconds interval = std::chrono::seconds(1),
              std::chrono::milliseconds timeout = std::chrono::seconds(3));
  ~store_probe();
  store_probe(const store_probe&) = delete;
  store_probe& operator=(const store_probe&) = delete;

  /// Stops probing (at shutdown).
  void stop();
  /// Empty while the database answers, else "store: <reason>" (never a secret).
  [[nodiscard]] std::string readiness() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace parley::app
