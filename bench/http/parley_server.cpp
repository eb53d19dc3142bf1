// Benchmark target: Parley's server with one I/O thread serving GET /hello (small JSON) and a
// WebSocket route /ws (for bench/ws). Usage: bench_http_parley [port] [max_connections].
// Prints "port N" once listening; stops on SIGINT/SIGTERM.
#include <parley/core/async.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>

namespace asio = boost::asio;
namespace net = parley::net;

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
  net::metrics_registry metrics;
  asio::io_context io(1);
  auto work = asio::make_work_guard(io);
  net::server_options options;
  options.max_connections = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 10'000;
  net::server srv(io, options, metrics);
  auto routes = std::make_shared<net::router>();
  routes->get("/hello", [](const net::request&) -> asio::awaitable<net::response> {
    co_return net::json_response(200, std::string(R"({"hello":"world"})"));
  });
  routes->websocket("/ws", [](const net::request&) -> asio::awaitable<net::websocket_upgrade> {
    co_return net::websocket_upgrade::accept({});
  });
  net::listener_options l;
  l.name = "bench";
  l.port = port;
  l.max_connections_per_client = 0;  // the load generators connect from one address
  const auto bound = srv.listen(l, routes);
  if (!bound) {
    std::fprintf(stderr, "listen: %s\n", bound.error().message().c_str());
    return 1;
  }
  srv.set_ready(true);
  std::printf("port %u\n", static_cast<unsigned>(bound->port));
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await srv.shutdown();
          work.reset();
          io.stop();
        },
        parley::core::log_exceptions{parley::core::logger("bench"), "shutdown"});
  });
  io.run();
  return 0;
}
