// Private: what the listeners and the sessions of one server share.
#pragma once

#include <parley/net/metrics.hpp>
#include <parley/net/options.hpp>
#include <parley/net/router.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/logger.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::net {

namespace asio = boost::asio;

/// Request counts per status and the latency histogram of one route (or of unmatched requests).
struct route_stats {
  route_stats(metrics_registry& registry, std::string listener, std::string route, std::string method);
  /// Counts one request with `status` (100..599) and its duration in seconds.
  void record(int status, double seconds);

  metrics_registry& registry;
  std::string listener, route, method;
  histogram& latency;
  std::array<std::atomic<counter*>, 500> by_status{};  // resolved lazily: index status - 100
};

/// One listening socket with its router and TLS context.
struct listener_state {
  listener_info info;
  std::shared_ptr<const router> routes;
  std::unique_ptr<asio::ssl::context> tls;  // null: plain HTTP
  bool behind_tls_proxy = false;
  asio::ip::tcp::acceptor acceptor;
  std::unordered_map<const router::endpoint*, std::unique_ptr<route_stats>> stats;
  std::unique_ptr<route_stats> unmatched;

  explicit listener_state(asio::any_io_executor ex) : acceptor(std::move(ex)) {}
  [[nodiscard]] route_stats& stats_for(const router::endpoint* e) {
    if (e) {
      if (auto it = stats.find(e); it != stats.end()) return *it->second;
    }
    return *unmatched;
  }
};

/// A live connection, as the server sees it at shutdown. Both calls may come from any thread.
class connection {
 public:
  virtual ~connection() = default;
  /// Graceful: finish the request in flight (HTTP) or close with 1001 (WebSocket).
  virtual void shutdown() = 0;
  /// Immediate: close the socket.
  virtual void force_close() = 0;
};

struct server::state {
  state(asio::io_context& io, server_options options, metrics_registry& metrics);
  ~state();

  asio::io_context& io;
  const server_options options;
  metrics_registry& metrics;
  std::shared_ptr<spdlog::logger> log;

  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> websockets{0};
  std::atomic<std::uint64_t> next_id{1};

  std::mutex mutex;  // guards live and listeners
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> live;
  std::vector<std::shared_ptr<listener_state>> listeners;

  counter& accepted_total;
  counter& rejected_total;
  counter& protocol_errors_total;
  counter& ws_opened_total;
  counter& ws_slow_consumer_total;
  counter& ws_messages_in_total;
  counter& ws_messages_out_total;

  /// Reserves a connection slot; false when max_connections are open.
  [[nodiscard]] bool try_reserve() noexcept;
  void release(std::uint64_t id) noexcept;
  void attach(std::uint64_t id, std::weak_ptr<connection> c);
  [[nodiscard]] std::vector<std::shared_ptr<connection>> snapshot();
};

/// RAII: one reserved connection slot and its entry in the live set. Moves from the HTTP session
/// to the WebSocket session on upgrade.
class connection_slot {
 public:
  connection_slot() = default;
  connection_slot(std::shared_ptr<server::state> st, std::uint64_t id) : state_(std::move(st)), id_(id) {}
  connection_slot(connection_slot&& o) noexcept : state_(std::move(o.state_)), id_(o.id_) {}
  connection_slot& operator=(connection_slot&& o) noexcept {
    if (this != &o) {
      reset();
      state_ = std::move(o.state_);
      id_ = o.id_;
    }
    return *this;
  }
  ~connection_slot() { reset(); }
  void attach(std::weak_ptr<connection> c) const { state_->attach(id_, std::move(c)); }
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  void reset() noexcept {
    if (state_) state_->release(id_);
    state_.reset();
  }
  std::shared_ptr<server::state> state_;
  std::uint64_t id_ = 0;
};

/// Starts serving an accepted socket (plain or TLS per the listener). Defined in http_session.cpp.
void start_http_connection(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l,
                           asio::ip::tcp::socket socket, connection_slot slot);

}  // namespace parley::net
