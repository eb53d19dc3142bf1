// Private: what the listeners and the sessions of one server share.
#pragma once

#include <parley/net/client_address.hpp>
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
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
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

/// Open connections per client key (an IPv4 address or an IPv6 /64) of one listener.
class client_counts {
 public:
  /// Counts one more connection of `key`; false (and nothing counted) when `cap` are open.
  [[nodiscard]] bool take(const ip_bytes& key, std::size_t cap);
  void release(const ip_bytes& key) noexcept;

 private:
  struct hash {
    std::size_t operator()(const ip_bytes& k) const noexcept;
  };
  std::mutex mutex_;
  std::unordered_map<ip_bytes, std::uint32_t, hash> open_;
};

/// The key a connection from `a` is counted under: IPv4 as is, IPv6 by its /64.
[[nodiscard]] ip_bytes connection_key(const ip_bytes& a) noexcept;

/// Requests refused with 429, logged per client at most once per interval (a flood must not
/// become a log flood): the first refusal of a client is logged at once, the rest as one
/// summary line per interval. Bounded: past 10 000 clients the rest share one line.
class refusal_log {
 public:
  refusal_log(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds interval);
  void record(std::string_view listener, std::string_view client);
  /// Writes every pending summary (at shutdown).
  void flush();

 private:
  struct entry {
    std::uint64_t count = 0;
    std::chrono::steady_clock::time_point since;
  };
  void sweep(std::chrono::steady_clock::time_point now, bool all);
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> clients_;  // "listener client"
  std::chrono::steady_clock::time_point last_sweep_{};
};

/// One listening socket with its router and TLS context.
struct listener_state {
  listener_info info;
  std::shared_ptr<const router> routes;
  // The current TLS context (null: plain HTTP). reload_tls() swaps it under tls_mutex; each
  // connection takes its own reference (and OpenSSL's SSL object one on the SSL_CTX), so open
  // connections keep the certificate they started with.
  std::shared_ptr<asio::ssl::context> tls;
  mutable std::mutex tls_mutex;
  bool behind_tls_proxy = false;
  asio::ip::tcp::acceptor acceptor;
  std::unordered_map<const router::endpoint*, std::unique_ptr<route_stats>> stats;
  std::unique_ptr<route_stats> unmatched;

  std::size_t max_per_client = 0;  // 0: no cap
  std::size_t reserved = 0;        // slots only this listener may use
  std::atomic<std::size_t> reserved_in_use{0};
  std::vector<ip_network> trusted_proxies;
  forwarded_header forwarded = forwarded_header::x_forwarded_for;
  client_counts clients;
  counter* refused_per_client = nullptr;  // parley_http_connections_refused_total{listener, reason}
  counter* refused_full = nullptr;
  counter* rate_limited = nullptr;  // parley_http_requests_rate_limited_total{listener}
  counter* tls_handshake_failures = nullptr;  // parley_tls_handshake_failures_total{listener}

  explicit listener_state(asio::any_io_executor ex) : acceptor(std::move(ex)) {}
  [[nodiscard]] bool trusted(const ip_bytes& peer) const noexcept {
    for (const auto& n : trusted_proxies) {
      if (n.contains(peer)) return true;
    }
    return false;
  }
  [[nodiscard]] std::shared_ptr<asio::ssl::context> current_tls() const {
    std::lock_guard lock(tls_mutex);
    return tls;
  }
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
  std::atomic<std::size_t> connections{0};         // every open connection
  std::atomic<std::size_t> shared_connections{0};  // those counted against max_connections
  std::atomic<std::size_t> websockets{0};
  std::atomic<std::uint64_t> next_id{1};

  std::mutex mutex;  // guards live and listeners
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> live;
  std::vector<std::shared_ptr<listener_state>> listeners;

  counter& accepted_total;
  counter& rejected_total;  // every refused connection (the labelled counters of each listener say why)
  counter& protocol_errors_total;
  counter& ws_opened_total;
  counter& ws_slow_consumer_total;
  counter& ws_messages_in_total;
  counter& ws_messages_out_total;

  refusal_log refusals;

  /// Where a connection's slot came from.
  enum class pool : std::uint8_t { none, shared, reserved };
  /// Reserves a connection slot for listener `l`: from its reserve first, then from the shared
  /// max_connections; pool::none when both are full.
  [[nodiscard]] pool try_reserve(listener_state& l) noexcept;
  void release(std::uint64_t id) noexcept;
  void attach(std::uint64_t id, std::weak_ptr<connection> c);
  [[nodiscard]] std::vector<std::shared_ptr<connection>> snapshot();
};

/// RAII: one reserved connection slot, its count against the client's cap, and its entry in the
/// live set. Moves from the HTTP session to the WebSocket session on upgrade.
class connection_slot {
 public:
  connection_slot() = default;
  connection_slot(std::shared_ptr<server::state> st, std::uint64_t id, std::shared_ptr<listener_state> l,
                  server::state::pool from, std::optional<ip_bytes> client)
      : state_(std::move(st)), listener_(std::move(l)), id_(id), pool_(from), client_(client) {}
  connection_slot(connection_slot&& o) noexcept
      : state_(std::move(o.state_)),
        listener_(std::move(o.listener_)),
        id_(o.id_),
        pool_(o.pool_),
        client_(o.client_) {}
  connection_slot& operator=(connection_slot&& o) noexcept {
    if (this != &o) {
      reset();
      state_ = std::move(o.state_);
      listener_ = std::move(o.listener_);
      id_ = o.id_;
      pool_ = o.pool_;
      client_ = o.client_;
    }
    return *this;
  }
  ~connection_slot() { reset(); }
  void attach(std::weak_ptr<connection> c) const { state_->attach(id_, std::move(c)); }
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  void reset() noexcept {
    if (state_) {
      if (pool_ == server::state::pool::reserved) listener_->reserved_in_use.fetch_sub(1);
      if (pool_ == server::state::pool::shared) state_->shared_connections.fetch_sub(1);
      if (client_) listener_->clients.release(*client_);
      state_->release(id_);
    }
    state_.reset();
    listener_.reset();
  }
  std::shared_ptr<server::state> state_;
  std::shared_ptr<listener_state> listener_;
  std::uint64_t id_ = 0;
  server::state::pool pool_ = server::state::pool::none;
  std::optional<ip_bytes> client_;  // counted against the per-client cap
};

/// Starts serving an accepted socket (plain or TLS per the listener). Defined in http_session.cpp.
void start_http_connection(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l,
                           asio::ip::tcp::socket socket, connection_slot slot);

}  // namespace parley::net
