// bankx_test_server: BankX alone on 127.0.0.1 (port 0 unless --port), for the browser test of the
// phone page. Reads the bot's client secret from --client-secret-file (mode 0600), writes
// {"bankx_phone": ..., "bankx_api": ...} to --ready-file once listening, and stops on SIGTERM or
// SIGINT. Test tooling only: `parley demo` is how BankX runs next to the platform.
#include <bankx/bank.hpp>
#include <bankx/routes.hpp>

#include <parley/core/async.hpp>
#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace asio = boost::asio;

int main(int argc, char** argv) {
  std::string ready_file, secret_file;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--ready-file") ready_file = argv[i + 1];
    else if (flag == "--client-secret-file") secret_file = argv[i + 1];
    else if (flag == "--port") port = std::atoi(argv[i + 1]);
  }
  if (ready_file.empty() || secret_file.empty() || port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: bankx_test_server --ready-file F --client-secret-file S [--port N]\n");
    return 2;
  }
  auto secret = parley::core::read_secret_file(secret_file);
  if (!secret) {
    std::fprintf(stderr, "bankx_test_server: cannot read %s: %s\n", secret_file.c_str(), secret.error().message().c_str());
    return 2;
  }
  bankx::options opts;
  bankx::set_client_secret(opts, secret->reveal());
  auto made = bankx::bank::create(std::move(opts), parley::core::system_clock(), parley::core::os_random());
  if (!made) return 1;
  std::shared_ptr<bankx::bank> b = std::move(*made);

  parley::net::metrics_registry metrics;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  parley::net::server srv(io, {}, metrics);
  auto routes = std::make_shared<parley::net::router>();
  bankx::add_routes(*routes, b);
  parley::net::listener_options l;
  l.name = "bankx";
  l.port = static_cast<std::uint16_t>(port);
  const auto bound = srv.listen(l, routes);
  if (!bound) {
    std::fprintf(stderr, "bankx_test_server: cannot listen: %s\n", bound.error().message().c_str());
    return 1;
  }
  srv.set_ready(true);
  {
    std::ofstream out(ready_file + ".tmp");
    out << "{\"bankx_phone\":\"" << bound->base_url() << bankx::phone_page_path << "\",\"bankx_api\":\""
        << bound->base_url() << bankx::api_base_path << "\"}\n";
  }
  std::rename((ready_file + ".tmp").c_str(), ready_file.c_str());

  auto log = parley::core::logger("bankx");
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await srv.shutdown();
          work.reset();
          io.stop();
        },
        parley::core::log_exceptions{log, "shutdown"});
  });
  parley::core::thread_group threads(io, 2, "bankx");
  threads.join();
  return 0;
}
