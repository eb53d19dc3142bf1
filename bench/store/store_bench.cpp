// Encrypted-store throughput: appends (group commit, 1..1024 concurrent appenders), reads (whole
// conversations, and polls after a watermark) of 1 KiB activities, and bot state get+put, on
// SQLite and on a real PostgreSQL server, each with encryption on and, in the same run, switched
// off (this target alone is compiled with PARLEY_BENCH_NO_ENCRYPTION).
// bench/store/run.sh runs it and writes bench/results/store.md. Figures are reported, not asserted.
//
// Every measurement is one row of the `workloads` table below: N coroutines on two I/O threads
// (the channel's), each running the workload's worker against a fresh store. Arguments: backend
// (0 SQLite, 1 PostgreSQL), encryption (1 on, 0 off), N (appenders / readers / workers).
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/store/bench_encryption_switch.hpp>
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

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

namespace {

using namespace parley;
namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr int conversations = 64;  // appends spread over this many conversations
constexpr std::size_t appends_per_iteration = 4096;
const std::string body(1024, 'm');  // 1 KiB activity JSON stand-in

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

// Group commit at work: appends per transaction, largest batch, and where a transaction's time goes.
void report_batches(benchmark::State& state, const store::writer_stats& before, const store::writer_stats& after) {
  const auto tx = static_cast<double>(after.transactions - before.transactions);
  if (tx == 0) return;
  state.counters["ops_per_commit"] = static_cast<double>(after.operations - before.operations) / tx;
  state.counters["largest_batch"] = static_cast<double>(after.largest);
  state.counters["exec_ms_per_commit"] = static_cast<double>(after.busy_ns - before.busy_ns) / tx / 1e6;
  state.counters["commit_ms_per_commit"] = static_cast<double>(after.commit_ns - before.commit_ns) / tx / 1e6;
}

// A new, empty store for one benchmark: its own files or database, root key and secrets.
std::unique_ptr<store::encrypted_store> open_fresh(int backend, bool sync_normal = false) {
  const auto dir = bench_dir() / ("s" + std::to_string(++fresh));
  fs::create_directories(dir);
  if (!crypto::root_key::create_file(dir / "root.key")) throw std::runtime_error("root key");
  result<std::unique_ptr<store::backend>> b = make_error_code(store::errc::unavailable);
  if (backend == 0) {
    store::sqlite::options o;
    o.path = (dir / "bench.db").string();
    if (sync_normal) o.synchronous = store::sqlite::synchronous_mode::normal;
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

// What the coroutines of one measurement share.
struct shared_counters {
  std::atomic<long> items{0};    // operations completed (the figure's unit)
  std::atomic<long> left{0};     // appends still to make in this iteration
  std::atomic<long> next_id{0};  // activity ids
  std::atomic<int> failures{0};
};

using worker_fn = std::function<asio::awaitable<void>(store::encrypted_store&, int worker, shared_counters&)>;

struct workload {
  const char* name;         // the benchmark's name (bench/store/run.sh groups by it)
  const char* workers_arg;  // what the third argument counts
  std::vector<int> workers;
  worker_fn work;
  long (*appends_per_iteration)(int workers);  // null: the worker decides how much it does
  bool prefill;                                // 500 activities in each conversation first
  bool sqlite_only = false;
  bool sync_normal = false;                          // SQLite with synchronous = "normal" (the documented trade-off)
  void (*setup)(store::encrypted_store&) = nullptr;  // extra preparation of the fresh store
};

std::string conversation(long n) {
  return "c" + std::to_string(n % conversations);
}

// Appends until the iteration's budget is spent; each waits for its acknowledgement.
asio::awaitable<void> append_worker(store::encrypted_store& s, int, shared_counters& c) {
  while (c.left.fetch_sub(1) > 0) {
    const auto id = c.next_id.fetch_add(1);
    store::new_activity act{
        "a" + std::to_string(id), std::chrono::system_clock::now(), "message", "user", body, std::nullopt};
    auto r = co_await s.append_activity("bankx", conversation(id), std::move(act));
    if (!r) ++c.failures;
    ++c.items;
  }
}

// Pages through two whole conversations, 100 activities per call (a Direct Line resync).
asio::awaitable<void> read_worker(store::encrypted_store& s, int worker, shared_counters& c) {
  for (int k = 0; k < 2; ++k) {
    const auto conv = conversation(worker * 2 + k);
    std::uint64_t after = 0;
    for (;;) {
      auto page = co_await s.read_activities("bankx", conv, after, 100);
      if (!page) {
        ++c.failures;
        co_return;
      }
      c.items += static_cast<long>(page->activities.size());
      after = page->last_seq;
      if (!page->more) break;
    }
  }
}

// A Direct Line client polling with its watermark: what came after the activity it saw last,
// here the newest 5 of a 500-activity conversation (one page, no `more`).
asio::awaitable<void> poll_worker(store::encrypted_store& s, int worker, shared_counters& c) {
  for (int k = 0; k < 64; ++k) {
    auto page = co_await s.read_activities("bankx", conversation(worker * 64 + k), 495, 100);
    if (!page || page->activities.size() != 5) ++c.failures;
    ++c.items;
  }
}

// Bot state as the assistant uses it: get, then put with the etag it got (1 KiB of state), each
// worker on its own conversation (so no etag conflicts). Items = get+put pairs.
asio::awaitable<void> bot_state_worker(store::encrypted_store& s, int worker, shared_counters& c) {
  const auto conv = conversation(worker);
  for (int k = 0; k < 16; ++k) {
    auto got = co_await s.get_bot_state("bankx", conv);
    if (!got) {
      ++c.failures;
      co_return;
    }
    std::optional<std::string> etag;
    if (*got) etag = (*got)->etag;
    auto put = co_await s.put_bot_state("bankx", conv, body, etag);
    if (!put) ++c.failures;
    ++c.items;
  }
}

// New conversations (each: an erasure subject, its secret derived from the tenant's tree, a data
// key bound to it, the sealed conversation record).
asio::awaitable<void> create_worker(store::encrypted_store& s, int worker, shared_counters& c) {
  for (int k = 0; k < 64; ++k) {
    const auto id = c.next_id.fetch_add(1);
    auto r = co_await s.create_conversation("bankx", "n" + std::to_string(worker) + "-" + std::to_string(id), "bot",
                                            "dl_user" + std::to_string(id));
    if (!r) ++c.failures;
    ++c.items;
  }
}

// `parley store erase-user` for someone with no conversation: the scan alone (every
// conversation's per-conversation pseudonym tested; docs/adr/0019). Items = conversations tested.
constexpr int scanned_conversations = 10'000;
void many_conversations(store::encrypted_store& s) {
  for (int k = 0; k < scanned_conversations; ++k) {
    if (!run(s.create_conversation("bankx", "m" + std::to_string(k), "bot", "dl_many" + std::to_string(k)))) {
      throw std::runtime_error("conversation");
    }
  }
}
asio::awaitable<void> erase_user_scan_worker(store::encrypted_store& s, int, shared_counters& c) {
  auto n = co_await s.erase_user("bankx", "dl_nobody");
  if (!n || *n != 0) ++c.failures;
  c.items += scanned_conversations + conversations;
}

const std::vector<workload>& workloads() {
  static const std::vector<workload> all = {
      {"BM_append",
       "appenders",
       {1, 32, 256, 1024},
       append_worker,
       [](int n) -> long { return n == 1 ? 256 : static_cast<long>(appends_per_iteration); },
       false},
      {"BM_read", "readers", {4}, read_worker, nullptr, true},
      {"BM_read_after_watermark", "readers", {4}, poll_worker, nullptr, true},
      {"BM_bot_state", "workers", {32}, bot_state_worker, nullptr, false},
      {"BM_append_sync_normal",
       "appenders",
       {256, 1024},
       append_worker,
       [](int) -> long { return static_cast<long>(appends_per_iteration); },
       false,
       true,
       true},
      {"BM_create_conversation", "workers", {4}, create_worker, nullptr, false},
      {"BM_erase_user_scan", "workers", {1}, erase_user_scan_worker, nullptr, false, false, false, many_conversations},
  };
  return all;
}

// `n` coroutines of `work` on two threads, until all are done.
void run_workers(store::encrypted_store& s, int n, const worker_fn& work, shared_counters& c) {
  asio::io_context ctx;
  for (int w = 0; w < n; ++w) asio::co_spawn(ctx, work(s, w, c), core::log_exceptions{core::logger("bench"), "worker"});
  std::thread helper([&] { ctx.run(); });
  ctx.run();
  helper.join();
}

void run_workload(benchmark::State& state, const workload& w) {
  const int backend = static_cast<int>(state.range(0));
  store::bench::set_encryption(state.range(1) != 0);
  const int n = static_cast<int>(state.range(2));
  auto s = open_fresh(backend, w.sync_normal);
  if (w.setup != nullptr) w.setup(*s);
  if (w.prefill) {
    shared_counters fill;
    fill.left = 500 * conversations;
    run_workers(*s, 256, append_worker, fill);
    if (fill.failures.load() != 0) state.SkipWithError("prefill failed");
  }
  shared_counters c;
  const double cpu0 = process_cpu_seconds();
  const auto w0 = s->write_stats();
  for (auto _ : state) {
    if (w.appends_per_iteration != nullptr) c.left = w.appends_per_iteration(n);
    run_workers(*s, n, w.work, c);
    if (c.failures.load() != 0) state.SkipWithError("operations failed");
  }
  state.SetItemsProcessed(c.items.load());
  report_cpu(state, cpu0, c.items.load());
  report_batches(state, w0, s->write_stats());
  s.reset();
  store::bench::set_encryption(true);
}

void register_workloads() {
  for (const auto& w : workloads()) {
    auto* b = benchmark::RegisterBenchmark(w.name, [&w](benchmark::State& st) { run_workload(st, w); });
    b->ArgNames({"backend", "encrypted", w.workers_arg});
    for (int backend : {0, 1}) {
#ifndef PARLEY_WITH_POSTGRES
      if (backend == 1) continue;
#endif
      if (backend == 1 && w.sqlite_only) continue;
      for (int n : w.workers) {
        for (int enc : {1, 0}) b->Args({backend, enc, n});
      }
    }
    b->UseRealTime()->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  core::logger("store")->set_level(spdlog::level::warn);
  register_workloads();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(bench_dir(), ec);
  return 0;
}
