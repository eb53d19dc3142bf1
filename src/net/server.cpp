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

// ---- server::state ----

server::state::state(asio::io_context& ctx, server_options opts, metrics_registry& m)
    : io(ctx),
      options(std::move(opts)),
      metrics(m),
      log(core::logger("net")),
      accepted_total(m.counter_for("parley_http_connections_accepted_total", "TCP connections accepted")),
      rejected_total(m.counter_for("parley_http_connections_rejected_total",
                                   "TCP connections closed at once because max_connections were open")),
      protocol_errors_total(m.counter_for("parley_http_protocol_errors_total",
                                          "Requests refused before routing (malformed, too large, too slow)")),
      ws_opened_total(m.counter_for("parley_websocket_sessions_opened_total", "WebSocket sessions opened")),
      ws_slow_consumer_total(m.counter_for("parley_websocket_slow_consumers_total",
                                           "WebSocket sessions closed because their send queue overflowed")),
      ws_messages_in_total(m.counter_for("parley_websocket_messages_received_total", "WebSocket messages received")),
      ws_messages_out_total(m.counter_for("parley_websocket_messages_sent_total", "WebSocket messages sent")) {
  m.gauge_callback("parley_http_connections_open", "Open connections (HTTP and WebSocket)", {},
                   [this] { return static_cast<double>(connections.load()); }, this);
  m.gauge_callback("parley_websocket_sessions_open", "Open WebSocket sessions", {},
                   [this] { return static_cast<double>(websockets.load()); }, this);
}

server::state::~state() = default;

bool server::state::try_reserve() noexcept {
  if (connections.fetch_add(1) >= options.max_connections) {
    connections.fetch_sub(1);
    return false;
  }
  return true;
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

asio::awaitable<void> accept_loop(std::shared_ptr<server::state> st, std::shared_ptr<listener_state> l) {
  auto last_warning = std::chrono::steady_clock::time_point{};
  // At most one warning per 5 s: a connection flood must not become a log flood.
  const auto may_warn = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_warning < 5s) return false;
    last_warning = now;
    return true;
  };
  for (;;) {
    // Every connection gets its own strand: its coroutine, timers and socket all run on it.
    tcp::socket socket(asio::make_strand(st->io));
    auto [ec] = co_await l->acceptor.async_accept(socket, core::use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) co_return;
      // EMFILE/ENFILE/ENOBUFS: the kernel keeps the connection queued; back off instead of spinning.
      if (may_warn()) st->log->warn("listener {}: accept failed: {}", l->info.name, ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, 50ms);
      co_await pause.async_wait(core::use_tuple);
      continue;
    }
    if (st->stopping.load()) {
      socket.close(ec);
      continue;
    }
    if (!st->try_reserve()) {
      st->rejected_total.inc();
      if (may_warn()) {
        st->log->warn("listener {}: max_connections ({}) reached; closing new connections", l->info.name,
                      st->options.max_connections);
      }
      socket.close(ec);
      continue;
    }
    st->accepted_total.inc();
    connection_slot slot(st, st->next_id.fetch_add(1));
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
  log->info("listener {} on {} ({})", l->info.name, l->info.base_url(), tls ? "TLS" : "plain HTTP");
  return l->info;
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
  st->log->info("shutdown complete");
}

}  // namespace parley::net
