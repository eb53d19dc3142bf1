// Encrypted-store throughput: appends (group commit, 1..256 concurrent appenders), reads (whole
// conversations, and polls after a watermark) of 1 KiB activities, and bot state get+put, on
// SQLite and on a real PostgreSQL server, each with encryption on and, in the same run, switched
// off (this target alone is compiled with PARLEY_BENCH_NO_ENCRYPTION).
// bench/store/run.sh runs it and writes bench/results/store.md. Figures are reported, not asserted.
//
// Arguments: backend (0 SQLite, 1 PostgreSQL), encryption (1 on, 0 off), appenders / readers / workers.
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/store/bench_encryption_switch.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#ifdef PARLEY_WITH_POSTGRES
#include <parley/store/postgres/postgres_backend.hpp>
#include <parley/store/postgres/testing/pg_server.hpp>
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

#include <sys/resource.h>

namespace {

using namespace parley;
namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr int conversations = 64;            // appends spread over this many conversations
constexpr std::size_t appends_per_iteration = 4096;
const std::string body(1024, 'm');           // 1 KiB activity JSON stand-in

template <class T>
T run(asio::awaitable<T> aw) {
  asio::io_context ctx;
  auto fut = asio::co_spawn(ctx, std::move(aw), asio::use_future);
  ctx.run();
  return fut.get();
}

fs::path bench_dir() {
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("parley-store-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

#ifdef PARLEY_WITH_POSTGRES
store::postgres::testing::pg_server& server() {
  // Durable settings (fsync, full_page_writes, synchronous_commit on): the SQLite side commits
  // with synchronous=FULL, so both pay for durability.
  static auto s = store::postgres::testing::pg_server::start({});
  return *s;
}
#endif

int fresh = 0;

// CPU time of the whole process (every thread: writers, pool, appenders), in seconds. The machine
// is shared, so beside wall-clock rates the report gives CPU time per operation, which another
// engineer's compiler does not inflate.
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// Adds "cpu_us_per_item": process CPU time spent in the timed loop per item.
void report_cpu(benchmark::State& state, double cpu_before, long items) {
  const double cpu = process_cpu_seconds() - cpu_before;
  if (items > 0) state.counters["cpu_us_per_item"] = 1e6 * cpu / static_cast<double>(items);
}

// A new, empty store for one benchmark: its own files or database, root key and secrets.
std::unique_ptr<store::encrypted_store> open_fresh(int backend) {
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
    const auto db = "bench_" + std::to_string(fresh);
    server().create_database(db);
    store::postgres::options o;
    o.dsn = server().dsn(db);
    o.password = std::make_shared<const core::secret_string>(server().password());
    o.writer_threads = 2;
    b = store::postgres::open(o);
#endif
  }
  if (!b) throw std::runtime_error("backend: " + b.error().message());
  auto s = store::encrypted_store::open(std::move(*b), *crypto::root_key::load_file(dir / "root.key", 1),
                                        dir / "erasure.secrets", store::options{});
  if (!s) throw std::runtime_error("store: " + s.error().message());
  if (!run((*s)->ensure_tenant("bankx"))) throw std::runtime_error("tenant");
  for (int c = 0; c < conversations; ++c) {
    if (!run((*s)->create_conversation("bankx", "c" + std::to_string(c), "bot", "dl_u"))) {
      throw std::runtime_error("conversation");
    }
  }
  return std::move(*s);
}

// `total` appends from `appenders` coroutines on two threads (the channel's I/O threads).
void append_burst(store::encrypted_store& s, std::size_t total, int appenders, std::atomic<long>& next_id,
                  benchmark::State& state) {
  asio::io_context ctx;
  std::atomic<long> left{static_cast<long>(total)};
  std::atomic<int> failures{0};
  for (int a = 0; a < appenders; ++a) {
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          while (left.fetch_sub(1) > 0) {
            const auto id = next_id.fetch_add(1);
            store::new_activity act{"a" + std::to_string(id), std::chrono::system_clock::now(), "message", "user",
                                    body, std::nullopt};
            auto r = co_await s.append_activity("bankx", "c" + std::to_string(id % conversations),
                                                std::move(act));
            if (!r) ++failures;
          }
        },
        core::log_exceptions{core::logger("bench"), "appender"});
  }
  std::thread helper([&] { ctx.run(); });
  ctx.run();
  helper.join();
  if (failures.load() != 0) state.SkipWithError("appends failed");
}

void BM_append(benchmark::State& state) {
  const int backend = static_cast<int>(state.range(0));
  store::bench::set_encryption(state.range(1) != 0);
  const int appenders = static_cast<int>(state.range(2));
  auto s = open_fresh(backend);
  std::atomic<long> next_id{0};
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) append_burst(*s, appenders == 1 ? 256 : appends_per_iteration, appenders, next_id, state);
  state.SetItemsProcessed(next_id.load());
  report_cpu(state, cpu0, next_id.load());
  s.reset();
  store::bench::set_encryption(true);
}

void BM_read(benchmark::State& state) {
  const int backend = static_cast<int>(state.range(0));
  store::bench::set_encryption(state.range(1) != 0);
  const int readers = static_cast<int>(state.range(2));
  auto s = open_fresh(backend);
  std::atomic<long> next_id{0};
  append_burst(*s, 500 * conversations, 256, next_id, state);  // 500 activities per conversation
  std::atomic<long> read{0};
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    // Each reader pages through whole conversations, 100 activities per call (a Direct Line resync).
    asio::io_context ctx;
    std::atomic<int> failures{0};
    for (int r = 0; r < readers; ++r) {
      asio::co_spawn(
          ctx,
          [&, r]() -> asio::awaitable<void> {
            for (int k = 0; k < 2; ++k) {
              const auto conv = "c" + std::to_string((r * 2 + k) % conversations);
              std::uint64_t after = 0;
              for (;;) {
                auto page = co_await s->read_activities("bankx", conv, after, 100);
                if (!page) {
                  ++failures;
                  break;
                }
                read += static_cast<long>(page->activities.size());
                after = page->last_seq;
                if (!page->more) break;
              }
            }
          },
          core::log_exceptions{core::logger("bench"), "reader"});
    }
    std::thread helper([&] { ctx.run(); });
    ctx.run();
    helper.join();
    if (failures.load() != 0) state.SkipWithError("reads failed");
  }
  state.SetItemsProcessed(read.load());
  report_cpu(state, cpu0, read.load());
  s.reset();
  store::bench::set_encryption(true);
}

// A Direct Line client polling with its watermark: each call asks for what came after the last
// activity it saw, here the newest 5 of a 500-activity conversation (one page, no `more`).
void BM_read_after_watermark(benchmark::State& state) {
  const int backend = static_cast<int>(state.range(0));
  store::bench::set_encryption(state.range(1) != 0);
  const int readers = static_cast<int>(state.range(2));
  auto s = open_fresh(backend);
  std::atomic<long> next_id{0};
  append_burst(*s, 500 * conversations, 256, next_id, state);
  std::atomic<long> polls{0};
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    asio::io_context ctx;
    std::atomic<int> failures{0};
    for (int r = 0; r < readers; ++r) {
      asio::co_spawn(
          ctx,
          [&, r]() -> asio::awaitable<void> {
            for (int k = 0; k < 64; ++k) {
              const auto conv = "c" + std::to_string((r * 64 + k) % conversations);
              auto page = co_await s->read_activities("bankx", conv, 495, 100);
              if (!page || page->activities.size() != 5) ++failures;
              ++polls;
            }
          },
          core::log_exceptions{core::logger("bench"), "poller"});
    }
    std::thread helper([&] { ctx.run(); });
    ctx.run();
    helper.join();
    if (failures.load() != 0) state.SkipWithError("polls failed");
  }
  state.SetItemsProcessed(polls.load());
  report_cpu(state, cpu0, polls.load());
  s.reset();
  store::bench::set_encryption(true);
}

// Bot state as the assistant uses it: get, then put with the etag it got (1 KiB of state), from
// `workers` coroutines each on its own conversation (so no etag conflicts). Items = get+put pairs.
void BM_bot_state(benchmark::State& state) {
  const int backend = static_cast<int>(state.range(0));
  store::bench::set_encryption(state.range(1) != 0);
  const int workers = static_cast<int>(state.range(2));
  auto s = open_fresh(backend);
  std::atomic<long> pairs{0};
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    asio::io_context ctx;
    std::atomic<int> failures{0};
    for (int w = 0; w < workers; ++w) {
      asio::co_spawn(
          ctx,
          [&, w]() -> asio::awaitable<void> {
            const auto conv = "c" + std::to_string(w % conversations);
            for (int k = 0; k < 16; ++k) {
              auto got = co_await s->get_bot_state("bankx", conv);
              if (!got) {
                ++failures;
                co_return;
              }
              std::optional<std::string> etag;
              if (*got) etag = (*got)->etag;
              auto put = co_await s->put_bot_state("bankx", conv, body, etag);
              if (!put) ++failures;
              ++pairs;
            }
          },
          core::log_exceptions{core::logger("bench"), "bot state"});
    }
    std::thread helper([&] { ctx.run(); });
    ctx.run();
    helper.join();
    if (failures.load() != 0) state.SkipWithError("bot state failed");
  }
  state.SetItemsProcessed(pairs.load());
  report_cpu(state, cpu0, pairs.load());
  s.reset();
  store::bench::set_encryption(true);
}

void append_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "encrypted", "appenders"});
  for (int backend : {0, 1}) {
#ifndef PARLEY_WITH_POSTGRES
    if (backend == 1) continue;
#endif
    for (int appenders : {1, 32, 256, 1024}) {
      for (int enc : {1, 0}) b->Args({backend, enc, appenders});
    }
  }
}

void read_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "encrypted", "readers"});
  for (int backend : {0, 1}) {
#ifndef PARLEY_WITH_POSTGRES
    if (backend == 1) continue;
#endif
    for (int enc : {1, 0}) b->Args({backend, enc, 4});
  }
}

void state_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "encrypted", "workers"});
  for (int backend : {0, 1}) {
#ifndef PARLEY_WITH_POSTGRES
    if (backend == 1) continue;
#endif
    for (int enc : {1, 0}) b->Args({backend, enc, 32});
  }
}

BENCHMARK(BM_append)->Apply(append_args)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_read)->Apply(read_args)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_read_after_watermark)->Apply(read_args)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_bot_state)->Apply(state_args)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  core::logger("store")->set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(bench_dir(), ec);
  return 0;
}
