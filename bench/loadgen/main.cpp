// parley_loadgen: simulates N chat users against a Direct Line server (Parley's channel and bot,
// or the offline-directline peer) and prints a JSON summary: latency percentiles per step, round
// trips per second, errors, the servers' CPU time and memory, and its own CPU use (to show that
// it is not the bottleneck). See bench/loadgen/README.md; bench/chat/run.sh drives it.
// The pure parts (command line, schedule, activities, percentiles, summary) are in their own
// files with unit tests; this file runs the phases and takes the measurements.
#include "cli.hpp"
#include "metrics.hpp"
#include "report.hpp"
#include "schedule.hpp"
#include "settings.hpp"
#include "worker.hpp"

#include <boost/json/serialize.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace {

using namespace loadgen;
using namespace std::chrono_literals;

double seconds_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Waits until `done()` or the deadline; false on timeout.
template <class Pred>
bool wait_until(Pred done, clock::time_point deadline) {
  while (!done()) {
    if (clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The start of the measured window: time, own CPU, the servers.
struct window_mark {
  clock::time_point at;
  double self_cpu = 0;
  process_sample server;
};

window_mark mark(const settings& cfg) { return {clock::now(), self_cpu_seconds(), sample_processes(cfg.server_pids)}; }

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_command_line(argc, argv);
  if (!parsed.cfg) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  const settings& cfg = *parsed.cfg;
  std::string problem;
  const auto ep = resolve_endpoints(cfg, problem);
  if (!ep) {
    std::fputs(problem.c_str(), stderr);
    return 2;
  }
  // Every user may hold a WebSocket and share HTTP connections: raise the descriptor limit.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);

  shared_state shared;
  source_addresses src(cfg.sources);
  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < cfg.threads; ++i) {
    workers.push_back(std::make_unique<worker>(i, cfg, *ep, shared, src, users_on_worker(cfg.users, cfg.threads, i)));
    workers.back()->spawn(static_cast<int>(i), static_cast<int>(cfg.threads));
  }

  const auto begin = mark(cfg);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

  run_figures f;
  f.server_begin = begin.server;
  window_mark go, end;
  if (cfg.scenario == scenario_kind::handshake) {
    std::this_thread::sleep_for(1s);  // warm-up: connections, allocator pools
    go = mark(cfg);
    shared.measuring = true;
    std::this_thread::sleep_for(cfg.duration);
    shared.measuring = false;
    end = mark(cfg);
    f.handshakes = shared.handshakes.load();
  } else {
    const auto connect_deadline = clock::now() + cfg.ramp + 2 * cfg.timeout + 10s;
    f.timed_out = !wait_until([&] { return shared.settled.load() >= cfg.users; }, connect_deadline);
    f.connected = shared.connected.load();
    f.connect_s = seconds_between(begin.at, clock::now());
    if (cfg.scenario == scenario_kind::idle) {
      std::this_thread::sleep_for(2s);  // let the server settle (lazy allocations, timers)
      f.server_open = sample_processes(cfg.server_pids);
      for (auto& w : workers) w->release_go();
      go = {clock::now(), self_cpu_seconds(), f.server_open};
      std::this_thread::sleep_for(cfg.hold);
      end = mark(cfg);
    } else {
      go = mark(cfg);
      for (auto& w : workers) w->release_go();
      const auto chat_deadline = go.at + (cfg.think * 3 / 2 + cfg.timeout) * std::max(cfg.messages, 1) + 30s;
      f.timed_out = !wait_until([&] { return shared.finished.load() >= cfg.users; }, chat_deadline) || f.timed_out;
      end = mark(cfg);
    }
  }
  for (auto& w : workers) w->release_stop();
  const auto join_deadline = clock::now() + cfg.timeout + 5s;
  for (auto& w : workers) {
    // Closing streams takes one round trip each; a server that stopped answering is not waited for.
    if (!wait_until([&] { return w->io().stopped(); }, join_deadline)) w->io().stop();
  }
  for (auto& t : threads) t.join();

  recorder all;
  for (auto& w : workers) all.merge(w->rec());
  f.window_s = seconds_between(go.at, end.at);
  f.server_go = go.server;
  f.server_end = end.server;
  f.self_cpu_window_s = end.self_cpu - go.self_cpu;
  f.self_cpu_total_s = self_cpu_seconds() - begin.self_cpu;
  f.self_peak_kib = sample_process(static_cast<int>(::getpid())).peak_kib;
  const std::string text = boost::json::serialize(summarize(cfg, f, all));
  std::cout << text << std::endl;
  if (!cfg.json_out.empty()) std::ofstream(cfg.json_out) << text << "\n";
  return f.timed_out ? 1 : 0;
}
