// One worker thread of the load generator: an io_context of its own (so that the simulated users
// on it need no strands or locks), its HTTP pools, its recorder, and the gates that move its users
// from one phase to the next. Users and handshake callers are coroutines on the worker's context.
// Thread-safety: everything here is used on the worker's thread, except release_*() which post.
#pragma once

#include "http_client.hpp"
#include "metrics.hpp"
#include "settings.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <random>
#include <string>

namespace loadgen {

/// A one-shot barrier for the coroutines of one io_context: wait() returns once open() was called.
class gate {
 public:
  explicit gate(asio::io_context& io) : timer_(io, asio::steady_timer::time_point::max()) {}
  asio::awaitable<void> wait();
  void open();  // on the context's thread

 private:
  asio::steady_timer timer_;
  bool open_ = false;
};

class worker {
 public:
  worker(unsigned index, const settings& cfg, const endpoints& ep, shared_state& shared, source_addresses& sources,
         int users_here);

  /// Starts this worker's users `first`, `first + step`, ... (chat and idle) or callers (handshake).
  void spawn(int first, int step);
  void run() { io_.run(); }
  /// Posted from the main thread.
  void release_go();
  void release_stop();

  asio::io_context& io() { return io_; }
  recorder& rec() { return rec_; }
  const settings& cfg() const { return cfg_; }
  const endpoints& ep() const { return ep_; }
  shared_state& shared() { return shared_; }
  source_addresses& sources() { return sources_; }
  http_pool& channel() { return *channel_; }
  http_pool& bot() { return *bot_; }
  gate& go() { return go_; }
  gate& stop() { return stop_; }
  bool stopping() const { return stopping_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  asio::awaitable<void> handshake_caller();

  asio::io_context io_{1};
  const settings& cfg_;
  const endpoints& ep_;
  shared_state& shared_;
  source_addresses& sources_;
  recorder rec_;
  std::unique_ptr<http_pool> channel_;
  std::unique_ptr<http_pool> bot_;
  gate go_{io_};
  gate stop_{io_};
  bool stopping_ = false;
  std::mt19937_64 rng_;
};

}  // namespace loadgen
