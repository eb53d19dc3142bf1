// Benchmark target: Parley's channel and bot web service in one process, wired as `parley demo`
// wires them (the bot holds the channel secret; the channel hands each activity to the bot
// in-process and the bot's replies come back the same way, through src/app's in_process_link,
// docs/adr/0007), running the echo assistant (examples/echo/assistant.toml), on 127.0.0.1 with
// free ports. With the mode "http" the channel delivers over loopback HTTP with signed JWTs and
// the bot replies through the Connector API with a client-credentials token instead (the protocol
// path, as for an external bot).
// The store is the real one, as `parley demo` opens it: the encrypted store (AES-256-GCM under a
// fresh root key) over SQLite files in a temporary directory, removed at exit. The signing keys
// are wrapped at rest by a random in-memory key (jose_testing's wrapper), which costs nothing per
// request: the keys are unwrapped once at start.
//
// Benchmark settings (not defaults): rate limits off (every simulated user comes from a handful of
// loopback addresses), max_connections 19 000 (the container's descriptor limit is 20 000).
// Usage: parley_chat_server ASSISTANT_TOML [io_threads] [inproc|http]. Prints "bot URL" and
// "channel URL" once listening; stops on SIGINT/SIGTERM.
#include "in_process_link.hpp"

#include <parley/assistant/definition.hpp>
#include <parley/bot/login.hpp>
#include <parley/bot/service.hpp>
#include <parley/bus/in_process.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/core/async.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/log.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/net/client.hpp>
#include <parley/net/server.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

namespace asio = boost::asio;
namespace net = parley::net;
namespace core = parley::core;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: parley_chat_server ASSISTANT_TOML [io_threads]\n");
    return 2;
  }
  const unsigned io_threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 1;
  const bool in_process = argc <= 3 || std::string_view(argv[3]) != "http";
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);

  auto& rng = core::os_random();
  // Generated per run, held in memory only (as the demo does).
  const std::string secret = core::random_id(rng, "", 32);
  const std::string password = core::random_id(rng, "", 32);
  const std::string origin = "http://127.0.0.1";

  net::metrics_registry metrics;
  asio::io_context io(static_cast<int>(io_threads));
  auto work = asio::make_work_guard(io);
  const auto dir = std::filesystem::temp_directory_path() / ("parley-chat-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  parley::jose::testing::test_key_wrapper wrapper;
  parley::jose::key_store_options ko;
  ko.file = dir / "signing-keys.json";
  auto keys = parley::jose::signing_key_store::open(ko, parley::channel::token_service::key_purposes(), wrapper,
                                                    core::system_clock());
  if (!keys) {
    std::fprintf(stderr, "signing keys: %s\n", keys.error().message().c_str());
    return 1;
  }
  net::client_options client_opts;
  client_opts.max_idle_per_host = 256;  // channel ↔ bot deliveries and replies under load
  auto http = net::pooled_http_client::create(io, std::move(client_opts));
  if (!http) return 1;
  auto root = parley::crypto::root_key::generate(1);
  auto backend = parley::store::sqlite::open(parley::store::sqlite::options{.path = (dir / "parley.db").string()});
  if (!root || !backend) {
    std::fprintf(stderr, "cannot create the store in %s\n", dir.c_str());
    return 1;
  }
  auto opened = parley::store::encrypted_store::open(std::move(*backend), std::move(*root), dir / "erasure-secrets",
                                                     parley::store::options{});
  if (!opened) {
    std::fprintf(stderr, "cannot open the store: %s\n", opened.error().message().c_str());
    return 1;
  }
  auto& store = **opened;
  parley::bus::in_process_bus bus;
  parley::bot::unavailable_login no_login;
  parley::app::in_process_link link;  // outlives both services

  net::server_options so;
  so.max_connections = 19'000;
  net::server bot_server(io, so, metrics);
  net::server channel_server(io, so, metrics);
  net::listener_options bl;
  bl.name = "bot";
  bl.address = "127.0.0.1";
  bl.port = 0;
  net::listener_options cl;  // (not copyable: it may hold a TLS key)
  cl.name = "channel";
  cl.address = "127.0.0.1";
  cl.port = 0;
  // Every simulated user comes from a handful of loopback addresses: no per-client connection cap.
  bl.max_connections_per_client = 0;
  cl.max_connections_per_client = 0;

  parley::bot::options o;
  o.id = "echo";
  o.tenant = "bench";
  o.name = "Echo";
  o.assistant = argv[1];
  o.channel_secret = std::make_shared<core::secret_string>(secret);
  o.origins = {origin};
  o.app_id = "app-echo";
  o.app_password = std::make_shared<core::secret_string>(password);
  o.token_rate_per_address = 1e9;
  o.token_burst_per_address = 1e9;
  o.token_rate_global = 1e9;
  o.token_burst_global = 1e9;
  o.refresh_rate_per_address = 1e9;
  auto loaded = parley::assistant::load_definition_file(o.assistant);
  if (!loaded.ok()) {
    std::fprintf(stderr, "assistant %s does not load\n", argv[1]);
    return 1;
  }
  auto bot = parley::bot::service::create(std::move(o), loaded.def, {},
                                          parley::bot::dependencies{io, store, **http, core::system_clock(), rng,
                                                                    no_login, no_login,
                                                                    in_process ? &link : nullptr});
  if (!bot) return 1;
  auto bot_routes = std::make_shared<net::router>();
  (*bot)->add_routes(*bot_routes);
  auto bot_info = bot_server.listen(bl, bot_routes);
  if (!bot_info) return 1;

  parley::channel::options co;
  co.client_rate = 1e9;
  co.conversation_rate = 1e9;
  parley::channel::bot_options b;
  b.id = "echo";
  b.tenant = "bench";
  b.name = "Echo";
  b.app_id = "app-echo";
  b.secret_hashes = {*parley::channel::hash_secret(secret, rng)};
  b.app_password_hash = *parley::channel::hash_secret(password, rng);
  b.endpoint = in_process ? std::string(parley::channel::in_process_endpoint) : bot_info->base_url() + "/api/messages";
  b.origins = {origin};
  co.bots = {b};
  parley::channel::tenant_options tenant;  // the load generator's clients hold bearer tokens
  tenant.id = "bench";
  tenant.require_bound_tokens = false;
  co.tenants = {tenant};
  parley::channel::service channel(co, parley::channel::dependencies{io, store, **keys, **http, bus,
                                                                     core::system_clock(), rng, &metrics,
                                                                     in_process ? &link : nullptr});
  if (in_process) link.attach(channel, **bot);
  auto routes = std::make_shared<net::router>();
  channel.add_routes(*routes);
  auto info = channel_server.listen(cl, routes);
  if (!info) return 1;
  if (!channel.start(info->base_url()) || !(*bot)->start(info->base_url())) {
    std::fprintf(stderr, "start failed\n");
    return 1;
  }
  channel_server.set_ready(true);
  bot_server.set_ready(true);
  std::printf("delivery %s\nbot %s\nchannel %s\n", in_process ? "in-process" : "http", bot_info->base_url().c_str(),
              info->base_url().c_str());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          (*bot)->stop();
          co_await channel_server.shutdown();
          co_await bot_server.shutdown();
          work.reset();
          io.stop();
        },
        core::log_exceptions{core::logger("bench"), "shutdown"});
  });
  core::thread_group threads(io, io_threads, "chat-bench");
  threads.join();
  link.detach();
  std::filesystem::remove_all(dir);
  return 0;
}
