// Append cost of the audit log (bench/results/audit.md, by run.sh; reported, never asserted):
// audit::log::append on the real encrypted store - SQLite (synchronous=FULL) and a real
// PostgreSQL server (durable settings) - with N concurrent appenders, with a checkpoint every 100
// entries (the default), every entry, or none; the store's own 1 KiB activity append beside it;
// and the parts: the chain hash, one checkpoint signature, verification of a 10 000-entry chain.
// Arguments: backend (0 SQLite, 1 PostgreSQL), checkpoint_every (0: none), N appenders.
#include <parley/audit/checkpoint.hpp>
#include <parley/audit/log.hpp>
#include <parley/audit/verify.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#ifdef PARLEY_WITH_POSTGRES
#include <parley/store/postgres/postgres_backend.hpp>
#include <parley/store/postgres/testing/pg_server.hpp>
#endif

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace {

using namespace parley;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr long appends_per_iteration = 500;

template <class T>
T run(asio::awaitable<T> aw) {
  asio::io_context ctx;
  auto fut = asio::co_spawn(ctx, std::move(aw), asio::use_future);
  ctx.run();
  return fut.get();
}

fs::path bench_dir() {
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("parley-audit-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

#ifdef PARLEY_WITH_POSTGRES
store::postgres::testing::pg_server& server() {
  static auto s = store::postgres::testing::pg_server::start({});
  return *s;
}
#endif

double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// A fresh store, key file and log.
struct fixture {
  std::unique_ptr<store::encrypted_store> st;
  jose::testing::test_key_wrapper wrapper;
  std::unique_ptr<jose::signing_key_store> keys;
  std::unique_ptr<audit::log> log;

  fixture(int backend, std::uint64_t every) {
    static int fresh = 0;
    const auto dir = bench_dir() / ("s" + std::to_string(++fresh));
    fs::create_directories(dir);
    if (!crypto::root_key::create_file(dir / "root.key")) throw std::runtime_error("root key");
    result<std::unique_ptr<store::backend>> b = make_error_code(store::errc::unavailable);
    if (backend == 0) {
      store::sqlite::options o;
      o.path = (dir / "bench.db").string();
      b = store::sqlite::open(o);
    } else {
#ifdef PARLEY_WITH_POSTGRES
      const auto db = "audit_bench_" + std::to_string(fresh);
      server().create_database(db);
      store::postgres::options o;
      o.dsn = server().dsn(db);
      o.password = std::make_shared<const core::secret_string>(server().password());
      b = store::postgres::open(o);
#endif
    }
    if (!b) throw std::runtime_error("backend");
    auto s = store::encrypted_store::open(std::move(*b), *crypto::root_key::load_file(dir / "root.key", 1),
                                          dir / "erasure.secrets", store::options{});
    if (!s) throw std::runtime_error("store");
    st = std::move(*s);
    auto k = jose::signing_key_store::open(audit::checkpoint_key_options(dir / "audit-keys.json"),
                                           {audit::checkpoint_key_purpose()}, wrapper, core::system_clock());
    if (!k) throw std::runtime_error("keys");
    keys = std::move(*k);
    audit::options o;
    o.checkpoint_every = every;
    o.checkpoint_interval = 0ms;  // count only, so that the figures say what each costs
    log = std::make_unique<audit::log>(*st, *keys, o);
  }
};

audit::entry sample(long n) {
  return audit::entry{"bankx",
                      "desk.view",
                      "c_7d1e9a4b2f",
                      "consultant",
                      "conv-" + std::to_string(n),
                      "203.0.113.7",
                      R"({"queue":"loans","reason":"customer asked for a consultant"})"};
}

// N coroutines on two threads (the services' I/O threads), each appending until the budget is spent.
void append_loop(benchmark::State& state, const std::function<asio::awaitable<bool>(long)>& one) {
  const int n = static_cast<int>(state.range(2));
  long items = 0;
  const double cpu_before = process_cpu_seconds();
  for (auto _ : state) {
    asio::io_context io;
    std::atomic<long> left{appends_per_iteration};
    std::atomic<long> next{0};
    std::atomic<int> failures{0};
    for (int w = 0; w < n; ++w) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            while (left.fetch_sub(1) > 0) {
              if (!co_await one(next.fetch_add(1))) ++failures;
            }
          },
          [&](std::exception_ptr e) {
            if (e) ++failures;  // never detached: an escaped exception counts as a failure
          });
    }
    std::thread second([&] { io.run(); });
    io.run();
    second.join();
    if (failures != 0) state.SkipWithError("append failed");
    items += appends_per_iteration;
  }
  state.SetItemsProcessed(items);
  state.counters["cpu_us_per_item"] = 1e6 * (process_cpu_seconds() - cpu_before) / static_cast<double>(items);
}

void BM_audit_append(benchmark::State& state) {
  fixture f(static_cast<int>(state.range(0)), static_cast<std::uint64_t>(state.range(1)));
  append_loop(state,
              [&](long n) -> asio::awaitable<bool> { co_return (co_await f.log->append(sample(n))).has_value(); });
}

// The store's activity append (1 KiB body), for scale: what a chat message costs.
void BM_activity_append(benchmark::State& state) {
  fixture f(static_cast<int>(state.range(0)), 0);
  if (!run(f.st->ensure_tenant("bankx"))) state.SkipWithError("tenant");
  for (int c = 0; c < 64; ++c) (void)run(f.st->create_conversation("bankx", "c" + std::to_string(c), "bot", "dl_u"));
  const std::string body(1024, 'm');
  append_loop(state, [&](long n) -> asio::awaitable<bool> {
    store::new_activity a{
        "a" + std::to_string(n), std::chrono::system_clock::now(), "message", "user", body, std::nullopt};
    co_return (co_await f.st->append_activity("bankx", "c" + std::to_string(n % 64), std::move(a))).has_value();
  });
}

void BM_chain_hash(benchmark::State& state) {
  const std::vector<std::uint8_t> prev(32, 1), sealed(static_cast<std::size_t>(state.range(0)), 2);
  for (auto _ : state)
    benchmark::DoNotOptimize(audit::entry_hash("bankx", 4711, 1'796'633'993'000'000'000, prev, sealed));
}

void BM_sign_checkpoint(benchmark::State& state) {
  auto key = jose::signing_key::generate(jose::algorithm::eddsa);
  audit::checkpoint c{"bankx", 4711, {}, 4611, 1'796'633'993'000'000'000, {}};
  for (auto _ : state) benchmark::DoNotOptimize(audit::sign_checkpoint(*key, c));
}

void BM_verify(benchmark::State& state) {
  fixture f(0, 100);
  for (long i = 0; i < state.range(0); ++i) (void)run(f.log->append(sample(i)));
  const auto keys = **f.keys->public_keys(audit::checkpoint_purpose);
  const double cpu_before = process_cpu_seconds();
  long items = 0;
  for (auto _ : state) {
    auto r = run(audit::verify(*f.st, keys, "bankx"));
    if (!r || !r->ok()) state.SkipWithError("verify failed");
    items += state.range(0);
  }
  state.SetItemsProcessed(items);
  state.counters["cpu_us_per_item"] = 1e6 * (process_cpu_seconds() - cpu_before) / static_cast<double>(items);
}

void append_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "every", "appenders"});
  for (int backend : {0, 1}) {
#ifndef PARLEY_WITH_POSTGRES
    if (backend == 1) continue;
#endif
    for (int n : {1, 16, 64}) b->Args({backend, 100, n});
    b->Args({backend, 1, 16});
    b->Args({backend, 0, 16});
  }
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

void activity_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "every", "appenders"});
  for (int backend : {0, 1}) {
#ifndef PARLEY_WITH_POSTGRES
    if (backend == 1) continue;
#endif
    for (int n : {1, 16, 64}) b->Args({backend, 0, n});
  }
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_audit_append)->Apply(append_args);
BENCHMARK(BM_activity_append)->Apply(activity_args);
BENCHMARK(BM_chain_hash)->Arg(300)->Arg(4096);
BENCHMARK(BM_sign_checkpoint);
BENCHMARK(BM_verify)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
