#include "server_state.hpp"
#include "tls_context.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/net/error.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <cstring>

namespace parley::net {

using namespace std::chrono_literals;
using asio::ip::tcp;

// ---- route_stats ----

route_stats::route_stats(metrics_registry& r, std::string l, std::string rt, std::string m)
    : registry(r),
      listener(std::move(l)),
      route(std::move(rt)),
      method(std::move(m)),
      latency(r.histogram_for("parley_http_request_duration_seconds",
                              "Time from the end of the request headers to the end of the response write",
                              latency_buckets(), {{"listener", listener}, {"route", route}})) {}

void route_stats::record(int status, double seconds) {
  latency.observe(seconds);
  if (status < 100 || status > 599) status = 500;
  auto& slot = by_status[static_cast<std::size_t>(status - 100)];
  counter* c = slot.load(std::memory_order_acquire);
  if (!c) {
    // First request with this status on this route: one locked registry lookup, then cached.
    c = &registry.counter_for("parley_http_requests_total", "HTTP requests served, by route pattern and status",
                              {{"listener", listener}, {"route", route}, {"method", method},
                               {"code", std::to_string(status)}});
    slot.store(c, std::memory_order_release);
  }
  c->inc();
}

// ---- client_counts ----

std::size_t client_counts::hash::operator()(const ip_bytes& k) const noexcept {
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  return std::hash<std::uint64_t>{}(a * 0x9E3779B97F4A7C15ULL ^ b);
}

bool client_counts::take(const ip_bytes& key, std::size_t cap) {
  std::lock_guard lock(mutex_);
  auto& n = open_[key];
  if (n >= cap) {
    if (n == 0) open_.erase(key);
    return false;
  }
  ++n;
  return true;
}

void client_counts::release(const ip_bytes& key) noexcept {
  std::lock_guard lock(mutex_);
  if (auto it = open_.find(key); it != open_.end() && --it->second == 0) open_.erase(it);
}

ip_bytes connection_key(const ip_bytes& a) noexcept {
  if (is_v4(a)) return a;
  ip_bytes k{};
  std::copy(a.begin(), a.begin() + 8, k.begin());
  return k;
}

// ---- refusal_log ----

refusal_log::refusal_log(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds interval)
    : log_(std::move(log)), interval_(interval) {}

void refusal_log::record(std::string_view listener, std::string_view client) {
  constexpr std::size_t max_clients = 10'000;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (now - last_sweep_ >= interval_) sweep(now, false);
  std::string key;
  key.reserve(listener.size() + 1 + client.size());
  key.append(listener).push_back('\x1f');  // a separator no listener name or client key holds
  key.append(client);
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    if (clients_.size() >= max_clients) {
      key.assign(listener).append("\x1f" "other clients");
      it = clients_.find(key);
    }
    if (it == clients_.end()) {
      clients_.emplace(key, entry{0, now});
      log_->warn("{}: requests from {} refused: rate limited (the next ones are counted: one line per {}s)", listener,
                 key.substr(listener.size() + 1), std::chrono::duration_cast<std::chrono::seconds>(interval_).count());
      return;
    }
  }
  ++it->second.count;
}

void refusal_log::flush() {
  std::lock_guard lock(mutex_);
  sweep(std::chrono::steady_clock::now(), true);
}

void refusal_log::sweep(std::chrono::steady_clock::time_point now, bool all) {
  last_sweep_ = now;
  for (auto it = clients_.begin(); it != clients_.end();) {
    auto& [key, e] = *it;
    if (!all && now - e.since < interval_) {
      ++it;
      continue;
    }
    if (e.count == 0) {
      it = clients_.erase(it);
      continue;
    }
    const auto space = key.find('\x1f');
    const double seconds = std::chrono::duration<double>(now - e.since).count();
    log_->warn("{}: {} requests from {} refused: rate limited in the last {:.0f}s", key.substr(0, space), e.count,
               key.substr(space + 1), seconds);
    e.count = 0;
    e.since = now;
    ++it;
  }
}

// ---- server::state ----

server::state::state(asio::io_context& ctx, server_options opts, metrics_registry& m)
    : io(ctx),
      options(std::move(opts)),
      metrics(m),
      log(core::logger("net")),
      accepted_total(m.counter_for("parley_http_connections_accepted_total", "TCP connections accepted")),
      rejected_total(m.counter_for("parley_http_connections_rejected_total",
                                   "TCP connections closed at once (max_connections or max_connections_per_client)")),
      protocol_errors_total(m.counter_for("parley_http_protocol_errors_total",
                                          "Requests refused before routing (malformed, too large, too slow)")),
      ws_opened_total(m.counter_for("parley_websocket_sessions_opened_total", "WebSocket sessions opened")),
      ws_slow_consumer_total(m.counter_for("parley_websocket_slow_consumers_total",
                                           "WebSocket sessions closed because their send queue overflowed")),
      ws_messages_in_total(m.counter_for("parley_websocket_messages_received_total", "WebSocket messages received")),
      ws_messages_out_total(m.counter_for("parley_websocket_messages_sent_total", "WebSocket messages sent")),
      refusals(log, options.refusal_log_interval) {
  m.gauge_callback("parley_http_connections_open", "Open connections (HTTP and WebSocket)", {},
                   [this] { return static_cast<double>(connections.load()); }, this);
  m.gauge_callback("parley_websocket_sessions_open", "Open WebSocket sessions", {},
                   [this] { return static_cast<double>(websockets.load()); }, this);
}

server::state::~state() = default;

server::state::pool server::state::try_reserve(listener_state& l) noexcept {
  if (l.reserved > 0) {
    if (l.reserved_in_use.fetch_add(1) < l.reserved) {
      connections.fetch_add(1);
      return pool::reserved;
    }
    l.reserved_in_use.fetch_sub(1);
  }
  if (shared_connections.fetch_add(1) >= options.max_connections) {
    shared_connections.fetch_sub(1);
    return pool::none;
  }
  connections.fetch_add(1);
  return pool::shared;
}

void server::state::release(std::uint64_t id) noexcept {
  {
    std::lock_guard lock(mutex);
    live.erase(id);
  }
  connections.fetch_sub(1);
}

void server::state::attach(std::uint64_t id, std::weak_ptr<connection> c) {
  std::lock_guard lock(mutex);
  live[id] = std::move(c);
}

std::vector<std::shared_ptr<connection>> server::state::snapshot() {
  std::vector<std::shared_ptr<connection>> out;
  std::lock_guard lock(mutex);
  out.reserve(live.size());
  for (auto& [id, w] : live) {
    if (auto c = w.lock()) out.push_back(std::move(c));
  }
  return out;
}

// ---- listener_info ----

std::string listener_info::base_url() const {
  const bool v6 = address.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

// ---- accept loop ----

namespace {

// Why a connection was closed at once; at most one warning per listener per 5 s says how many
// were, so that a connection flood does not become a log flood.
class refused_warnings {
 public:
  void note(server::state& st, const listener_state& l, bool per_client) {
    ++(per_client ? per_client_ : full_);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < 5s) return;
    last_ = now;
    st.log->warn(
        "listener {}: {} connection(s) closed at once since the last warning ({} over max_connections_per_client "
        "= {}, {} over max_connections = {})",
        l.info.name, per_client_ + full_, per_client_, l.max_per_client, full_, st.options.max_connections);
    per_client_ = full_ = 0;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t per_client_ = 0, full_ = 0;
};

asio::awaitable<void> accept_loop(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l) {
  auto last_warning = std::chrono::steady_clock::time_point{};
  refused_warnings refused;
  for (;;) {
    // Every connection gets its own strand: its coroutine, timers and socket all run on it.
    tcp::socket socket(asio::make_strand(st->io));
    auto [ec] = co_await l->acceptor.async_accept(socket, core::use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) co_return;
      // EMFILE/ENFILE/ENOBUFS: the kernel keeps the connection queued; back off instead of spinning.
      if (const auto now = std::chrono::steady_clock::now(); now - last_warning >= 5s) {
        last_warning = now;
        st->log->warn("listener {}: accept failed: {}", l->info.name, ec.message());
      }
      asio::steady_timer pause(co_await asio::this_coro::executor, 50ms);
      co_await pause.async_wait(core::use_tuple);
      continue;
    }
    if (st->stopping.load()) {
      socket.close(ec);
      continue;
    }
    // The per-client cap first (one address must not take the shared slots), trusted proxies
    // excepted: they carry many clients, and have their own limits.
    std::optional<ip_bytes> client;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) {
      socket.close(ec);
      continue;
    }
    ip_bytes peer = remote.address().is_v4()
                        ? asio::ip::make_address_v6(asio::ip::v4_mapped, remote.address().to_v4()).to_bytes()
                        : remote.address().to_v6().to_bytes();
    if (l->max_per_client > 0 && !l->trusted(peer)) {
      client = connection_key(peer);
      if (!l->clients.take(*client, l->max_per_client)) {
        st->rejected_total.inc();
        l->refused_per_client->inc();
        refused.note(*st, *l, true);
        socket.close(ec);
        continue;
      }
    }
    const auto from = st->try_reserve(*l);
    if (from == server::state::pool::none) {
      if (client) l->clients.release(*client);
      st->rejected_total.inc();
      l->refused_full->inc();
      refused.note(*st, *l, false);
      socket.close(ec);
      continue;
    }
    st->accepted_total.inc();
    connection_slot slot(st, st->next_id.fetch_add(1), l, from, client);
    start_http_connection(st, l, std::move(socket), std::move(slot));
  }
}

}  // namespace

// ---- server ----

server::server(asio::io_context& io, server_options options, metrics_registry& metrics)
    : state_(std::make_shared<state>(io, std::move(options), metrics)) {}

server::~server() {
  // The registry may go before the io_context's queued handlers (which share the state): the
  // callbacks reading the state go now.
  state_->metrics.remove_callbacks(state_.get());
  // Listening sockets are closed on their strand by shutdown(); if the owner skipped it, close here
  // (the io_context is no longer running at this point in an orderly program).
  std::lock_guard lock(state_->mutex);
  for (auto& l : state_->listeners) {
    boost::system::error_code ec;
    l->acceptor.close(ec);
  }
}

result<listener_info> server::listen(const listener_options& opts, std::shared_ptr<const router> routes) {
  auto& log = state_->log;
  const bool tls = !opts.tls_cert_file.empty();
  if (!tls && !opts.behind_tls_proxy && !is_loopback_address(opts.address)) {
    log->error("listener {}: plain HTTP on {} refused: only loopback addresses may serve plain HTTP (configure TLS, "
               "or behind_tls_proxy = true when a TLS proxy is in front)",
               opts.name, opts.address);
    return make_error_code(errc::insecure_listener);
  }
  auto l = std::make_shared<listener_state>(asio::make_strand(state_->io));
  l->routes = std::move(routes);
  l->behind_tls_proxy = opts.behind_tls_proxy;
  l->max_per_client = opts.max_connections_per_client;
  l->reserved = reserved_connections_of(opts);
  l->trusted_proxies = opts.trusted_proxies;
  l->forwarded = opts.forwarded;
  const auto refused = [&](const char* reason) {
    return &state_->metrics.counter_for("parley_http_connections_refused_total",
                                        "TCP connections closed at once, by listener and reason (per_client: "
                                        "max_connections_per_client; max_connections: no slot left)",
                                        {{"listener", opts.name}, {"reason", reason}});
  };
  l->refused_per_client = refused("per_client");
  l->refused_full = refused("max_connections");
  l->rate_limited =
      &state_->metrics.counter_for("parley_http_requests_rate_limited_total",
                                   "Requests refused with 429 (rate limits), by listener", {{"listener", opts.name}});
  if (tls) {
    if (!opts.tls_key) {
      log->error("listener {}: tls_cert_file without tls_key", opts.name);
      return make_error_code(errc::tls_setup_failed);
    }
    std::string why;
    auto ctx = detail::make_server_tls(opts.tls_cert_file, *opts.tls_key, why);
    if (!ctx) {
      log->error("listener {}: {}", opts.name, why);
      return ctx.error();
    }
    l->tls = std::move(*ctx);
    l->tls_handshake_failures = &state_->metrics.counter_for(
        "parley_tls_handshake_failures_total",
        "TLS handshakes that failed (protocol or cipher mismatch, a client refusing the certificate, a timeout), by "
        "listener",
        {{"listener", opts.name}});
  }

  boost::system::error_code ec;
  const auto address = asio::ip::make_address(opts.address == "localhost" ? "127.0.0.1" : opts.address, ec);
  if (ec) return ec;
  const tcp::endpoint ep(address, opts.port);
  l->acceptor.open(ep.protocol(), ec);
  if (!ec) l->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) l->acceptor.bind(ep, ec);
  if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log->error("listener {}: cannot listen on {}:{}: {}", opts.name, opts.address, opts.port, ec.message());
    return ec;
  }
  const auto bound = l->acceptor.local_endpoint(ec);
  if (ec) return ec;
  l->info = {opts.name, bound.address().to_string(), bound.port(), tls};

  l->routes->for_each_endpoint([&](std::string_view pattern, const router::endpoint& e) {
    l->stats.emplace(&e, std::make_unique<route_stats>(state_->metrics, opts.name, std::string(pattern),
                                                       std::string(method_name(e.verb))));
  });
  l->unmatched = std::make_unique<route_stats>(state_->metrics, opts.name, "(unmatched)", "any");
  {
    std::lock_guard lock(state_->mutex);
    state_->listeners.push_back(l);
  }
  asio::co_spawn(l->acceptor.get_executor(), accept_loop(state_, l), core::log_exceptions{log, "accept loop"});
  log->info("listener {} on {} ({}; {} connection(s) per client, {} reserved, {} trusted prox{})", l->info.name,
            l->info.base_url(), tls ? "TLS" : "plain HTTP", l->max_per_client, l->reserved, l->trusted_proxies.size(),
            l->trusted_proxies.size() == 1 ? "y" : "ies");
  return l->info;
}

result<void> server::reload_tls(const listener_options& opts) {
  auto& log = state_->log;
  std::shared_ptr<listener_state> l;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& candidate : state_->listeners) {
      if (candidate->info.name == opts.name) l = candidate;
    }
  }
  if (!l || !l->info.tls) {
    log->error("listener {}: TLS reload refused: no TLS listener of that name is running (a new listener, or TLS "
               "on a plain one, needs a restart)",
               opts.name);
    return make_error_code(errc::tls_setup_failed);
  }
  std::string why;
  if (opts.tls_cert_file.empty() || !opts.tls_key) {
    why = "tls_cert_file and tls_key are both required";
  } else if (auto ctx = detail::make_server_tls(opts.tls_cert_file, *opts.tls_key, why)) {
    {
      std::lock_guard lock(l->tls_mutex);
      l->tls = std::move(*ctx);
    }
    log->info("listener {}: TLS certificate reloaded from {} (new connections use it; open ones keep theirs)",
              opts.name, opts.tls_cert_file);
    return {};
  }
  log->error("listener {}: TLS reload failed, the previous certificate stays in use: {}", opts.name,
             why.empty() ? std::string("TLS setup failed") : why);
  return make_error_code(errc::tls_setup_failed);
}

void server::set_ready(bool ready) noexcept { state_->ready.store(ready); }
bool server::ready() const noexcept { return state_->ready.load(); }
std::size_t server::active_connections() const noexcept { return state_->connections.load(); }
std::size_t server::active_websockets() const noexcept { return state_->websockets.load(); }
const server_options& server::options() const noexcept { return state_->options; }

asio::awaitable<void> server::shutdown() {
  auto st = state_;
  st->ready.store(false);
  st->stopping.store(true);
  std::vector<std::shared_ptr<listener_state>> listeners;
  {
    std::lock_guard lock(st->mutex);
    listeners = st->listeners;
  }
  for (auto& l : listeners) {
    // The acceptor belongs to its strand; close it there so that no accept races the close.
    asio::post(l->acceptor.get_executor(), [l] {
      boost::system::error_code ec;
      l->acceptor.close(ec);
    });
  }
  {
    // Scoped: holding these references while waiting would keep the connections alive.
    const auto live = st->snapshot();
    st->log->info("shutting down: {} open connection(s)", live.size());
    for (const auto& c : live) c->shutdown();
  }

  asio::steady_timer tick(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + st->options.shutdown_timeout;
  // Shutdown is rare and short: polling the count every 10 ms is simpler than a notification path.
  while (st->connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(10ms);
    co_await tick.async_wait(core::use_tuple);
  }
  if (st->connections.load() > 0) {
    {
      const auto left = st->snapshot();
      st->log->warn("shutdown deadline passed: cutting {} connection(s)", left.size());
      for (const auto& c : left) c->force_close();
    }
    const auto cut_deadline = std::chrono::steady_clock::now() + 2s;
    while (st->connections.load() > 0 && std::chrono::steady_clock::now() < cut_deadline) {
      tick.expires_after(10ms);
      co_await tick.async_wait(core::use_tuple);
    }
  }
  st->refusals.flush();
  st->log->info("shutdown complete");
}

}  // namespace parley::net
