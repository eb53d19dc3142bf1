// Benchmark target: the channel on one I/O thread with the in-memory store, serving the
// token-authenticated polling GET that directlinejs sends every second. Usage:
// bench_channel_server CACHE_ENTRIES [PROOFS_FILE COUNT] (0 disables the verification cache).
// Prints "port N", "token T" and "conversation C" once listening; stops on SIGINT/SIGTERM. With
// PROOFS_FILE it also binds tokens to keys it makes (DPoP, issue 14) and writes COUNT lines
// "<token> <proof>" for the same polling GET, each proof fresh (its own jti), spread over 200 keys
// (a key's replay quota is per window) and valid for 5 minutes (dpop_max_age 300s); nonces are
// off for that tenant (bench/channel/dpop.sh measures the nonce's HMAC separately). The store, the
// key wrapper and the bot endpoint are test doubles on purpose: only the request path is measured.
#include <parley/bus/in_process.hpp>
#include <parley/channel/channel.hpp>
#include <parley/core/async.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/net/client.hpp>
#include <parley/net/server.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace channel = parley::channel;
namespace net = parley::net;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const auto cache_entries = static_cast<std::size_t>(argc > 1 ? std::atol(argv[1]) : 100'000);
  net::metrics_registry metrics;
  asio::io_context io(1);
  auto work = asio::make_work_guard(io);
  const auto dir = std::filesystem::temp_directory_path() / ("parley-bench-channel-" + std::to_string(::getpid()));
  parley::jose::testing::test_key_wrapper wrapper;
  parley::jose::key_store_options ko;
  ko.file = dir / "keys.json";
  auto keys = parley::jose::signing_key_store::open(ko, channel::token_service::key_purposes(), wrapper,
                                                    parley::core::system_clock());
  if (!keys) return 1;
  auto http = net::pooled_http_client::create(io, {});
  if (!http) return 1;
  parley::store::testing::memory_store store;
  parley::bus::in_process_bus bus;
  channel::options o;
  o.verify_cache_entries = cache_entries;
  o.client_rate = 100'000;
  o.conversation_rate = 100'000;
  o.dpop_max_age = 300s;
  channel::tenant_options policy;
  policy.id = "bench";
  policy.require_bound_tokens = false;
  policy.require_dpop_nonce = false;
  o.tenants = {policy};
  channel::bot_options b;
  b.id = "bench-bot";
  b.tenant = "bench";
  b.name = "Bench";
  b.endpoint = "http://127.0.0.1:9/api/messages";  // never called: polling only
  o.bots = {b};
  channel::service svc(o, {io, store, **keys, **http, bus, parley::core::system_clock(), parley::core::os_random(), &metrics});

  net::server srv(io, {}, metrics);
  auto routes = std::make_shared<net::router>();
  svc.add_routes(*routes);
  // The same server's bare cost, for comparison: a fixed small JSON answer, no authentication.
  routes->get("/hello", [](const net::request&) -> asio::awaitable<net::response> {
    co_return net::json_response(200, std::string(R"({"activities":[],"watermark":"3"})"));
  });
  net::listener_options l;
  l.name = "channel";
  l.port = 0;
  l.max_connections_per_client = 0;  // the load generator connects from one address
  const auto bound = srv.listen(l, routes);
  if (!bound || !svc.start(bound->base_url())) return 1;
  srv.set_ready(true);

  // One conversation with a few activities, and a token for it.
  channel::conversation_grant g;
  g.conversation_id = "benchconversation0001";
  g.user_id = "dl_benchuser";
  g.bot_id = b.id;
  g.tenant_id = b.tenant;
  g.session_id = "bench-session";
  g.session_start = std::chrono::system_clock::now();
  // Arguments of co_awaited calls are named locals (GCC 12, PR 99576: see src/channel).
  auto setup = [&]() -> asio::awaitable<bool> {
    std::string tenant = g.tenant_id;
    if (!co_await store.ensure_tenant(std::move(tenant))) co_return false;
    std::string t2 = g.tenant_id, id = g.conversation_id, bot = g.bot_id, user = g.user_id;
    if (!co_await store.create_conversation(std::move(t2), std::move(id), std::move(bot), std::move(user))) co_return false;
    for (int i = 1; i <= 3; ++i) {
      parley::store::new_activity a;
      a.activity_id = "a" + std::to_string(i);
      a.timestamp = std::chrono::system_clock::now();
      a.type = "message";
      a.sender_role = "bot";
      a.body = R"({"type":"message","text":"Hello, how can I help?","from":{"id":"bench-bot","role":"bot"}})";
      std::string t3 = g.tenant_id, c3 = g.conversation_id;
      if (!co_await store.append_activity(std::move(t3), std::move(c3), std::move(a))) co_return false;
    }
    co_return true;
  };
  std::thread runner([&] { io.run(); });
  const bool ok = asio::co_spawn(io, setup(), asio::use_future).get();
  auto token = svc.tokens().issue_conversation_token(g, 30min);
  if (!ok || !token) {
    std::fprintf(stderr, "set-up failed\n");
    return 1;
  }
  if (argc > 3) {
    // Bound tokens and fresh proofs for the polling GET, written before "conversation" is printed.
    const std::string url = bound->base_url() + "/v3/directline/conversations/" + g.conversation_id + "/activities";
    const auto count = static_cast<std::size_t>(std::atol(argv[3]));
    constexpr std::size_t keys_used = 200;
    std::FILE* out = std::fopen(argv[2], "w");
    if (out == nullptr) return 1;
    std::vector<parley::jose::signing_key> dpop_keys;
    std::vector<std::string> bound_tokens;
    for (std::size_t k = 0; k < keys_used; ++k) {
      dpop_keys.push_back(*parley::jose::signing_key::generate(parley::jose::algorithm::es256));
      auto bg = g;
      bg.session_id = "bench-session-" + std::to_string(k);
      bg.jkt = dpop_keys.back().kid();
      bound_tokens.push_back(svc.tokens().issue_conversation_token(bg, 30min)->token);
    }
    for (std::size_t i = 0; i < count; ++i) {
      const auto k = i % keys_used;
      parley::jose::claims c;
      c.set("jti", parley::core::random_id(parley::core::os_random(), "", 18));
      c.set("htm", "GET");
      c.set("htu", url);
      c.set_time("iat", std::chrono::system_clock::now());
      c.set("ath", parley::jose::dpop_ath(bound_tokens[k]));
      std::fprintf(out, "%s %s\n", bound_tokens[k].c_str(), parley::jose::make_dpop_proof(dpop_keys[k], c)->c_str());
    }
    std::fclose(out);
  }
  std::printf("port %u\ntoken %s\nconversation %s\n", static_cast<unsigned>(bound->port), token->token.c_str(),
              g.conversation_id.c_str());
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
  runner.join();
  std::filesystem::remove_all(dir);
  return 0;
}
