// parley_loadgen: simulates N chat users against a Direct Line server (Parley's channel and bot,
// or the offline-directline peer) and prints a JSON summary: latency percentiles per step, round
// trips per second, errors, the servers' CPU time and memory, and its own CPU use (to show that
// it is not the bottleneck). See bench/loadgen/README.md; bench/chat/run.sh drives it.
#include "metrics.hpp"
#include "settings.hpp"
#include "worker.hpp"

#include <parley/core/log.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <CLI/CLI.hpp>

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
namespace json = boost::json;

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

bool resolve(const settings& cfg, endpoints& ep) {
  if (!parse_url(cfg.directline, ep.channel, ep.channel_host, ep.directline_path)) {
    std::fprintf(stderr, "loadgen: --directline must be http://ADDRESS:PORT/path, got '%s'\n", cfg.directline.c_str());
    return false;
  }
  if (cfg.target == target_kind::peer) {
    ep.bot = ep.channel;
    ep.bot_host = ep.channel_host;
    return true;
  }
  if (!parse_url(cfg.token_url, ep.bot, ep.bot_host, ep.token_path)) {
    std::fprintf(stderr, "loadgen: --token-url must be http://ADDRESS:PORT/api/token for Parley\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  settings cfg;
  CLI::App app{"parley_loadgen: simulated chat users against a Direct Line server"};
  std::string target = "parley", mode = "stream", scenario = "chat";
  long think_ms = 1000, poll_ms = 200, ramp_ms = 2000, keepalive_ms = 20000, timeout_ms = 30000;
  long hold_s = 10, duration_s = 10;
  std::vector<std::string> sources;
  app.add_option("--target", target, "parley | peer (offline-directline: no tokens, polling only)")
      ->check(CLI::IsMember({"parley", "peer"}));
  app.add_option("--mode", mode, "stream (WebSocket) | polling")->check(CLI::IsMember({"stream", "polling"}));
  app.add_option("--scenario", scenario, "chat | idle | handshake")->check(CLI::IsMember({"chat", "idle", "handshake"}));
  app.add_option("--token-url", cfg.token_url, "Parley: the bot's POST /api/token URL");
  app.add_option("--directline", cfg.directline, "Direct Line base URL (http://127.0.0.1:P/v3/directline)")->required();
  app.add_option("--origin", cfg.origin, "Origin header of /api/token and the stream");
  app.add_option("--users", cfg.users, "concurrent conversations (handshake: concurrent callers)")->check(CLI::PositiveNumber);
  app.add_option("--messages", cfg.messages, "messages per user (chat)")->check(CLI::NonNegativeNumber);
  app.add_option("--think-ms", think_ms, "mean think time before each message (0: closed loop)");
  app.add_option("--poll-ms", poll_ms, "polling interval while a reply is awaited (directlinejs minimum: 200)");
  app.add_option("--ramp-ms", ramp_ms, "users connect spread over this time");
  app.add_option("--keepalive-ms", keepalive_ms, "empty frame on each stream this often");
  app.add_option("--timeout-ms", timeout_ms, "HTTP exchange and reply timeout");
  app.add_option("--hold-s", hold_s, "idle: seconds the streams stay open once all are");
  app.add_option("--duration-s", duration_s, "handshake: measured seconds");
  app.add_option("--threads", cfg.threads, "worker threads")->check(CLI::Range(1u, 64u));
  app.add_option("--http-connections", cfg.http_connections, "keep-alive connections per worker and server (0: auto)");
  app.add_option("--source", sources, "local address(es) for connections, e.g. 127.0.0.2 (repeat)");
  app.add_option("--server-pid", cfg.server_pids, "process(es) to report CPU and memory of (repeat)");
  app.add_option("--json", cfg.json_out, "also write the summary here");
  app.add_option("--label", cfg.label, "free text copied into the summary");
  CLI11_PARSE(app, argc, argv);
  cfg.target = target == "peer" ? target_kind::peer : target_kind::parley;
  cfg.mode = mode == "polling" ? transport::polling : transport::stream;
  cfg.scenario = scenario == "idle" ? scenario_kind::idle : scenario == "handshake" ? scenario_kind::handshake : scenario_kind::chat;
  cfg.think = std::chrono::milliseconds(think_ms);
  cfg.poll_interval = std::chrono::milliseconds(poll_ms);
  cfg.ramp = std::chrono::milliseconds(ramp_ms);
  cfg.keepalive = std::chrono::milliseconds(keepalive_ms);
  cfg.timeout = std::chrono::milliseconds(timeout_ms);
  cfg.hold = std::chrono::seconds(hold_s);
  cfg.duration = std::chrono::seconds(duration_s);
  for (const auto& s : sources) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(s, ec);
    if (ec) {
      std::fprintf(stderr, "loadgen: --source %s is not an address\n", s.c_str());
      return 2;
    }
    cfg.sources.push_back(a);
  }
  if (cfg.target == target_kind::peer && (cfg.mode == transport::stream || cfg.scenario == scenario_kind::handshake)) {
    std::fprintf(stderr, "loadgen: the peer has no stream and no handshake: use --mode polling --scenario chat\n");
    return 2;
  }
  endpoints ep;
  if (!resolve(cfg, ep)) return 2;
  // Every user may hold a WebSocket and share HTTP connections: raise the descriptor limit.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);

  shared_state shared;
  source_addresses src(cfg.sources);
  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < cfg.threads; ++i) {
    const int here = (cfg.users + static_cast<int>(cfg.threads - 1 - i)) / static_cast<int>(cfg.threads);
    workers.push_back(std::make_unique<worker>(i, cfg, ep, shared, src, here));
    workers.back()->spawn(static_cast<int>(i), static_cast<int>(cfg.threads));
  }

  const auto t_begin = clock::now();
  const double self_begin = self_cpu_seconds();
  const auto server_begin = sample_processes(cfg.server_pids);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

  json::object out{{"label", cfg.label}, {"target", target}, {"mode", mode}, {"scenario", scenario},
                   {"users", cfg.users}, {"threads", cfg.threads}};
  process_sample server_go, server_end, server_open;
  clock::time_point t_go, t_end;
  double self_go = 0, self_end = 0;
  bool timed_out = false;
  if (cfg.scenario == scenario_kind::handshake) {
    std::this_thread::sleep_for(1s);  // warm-up: connections, allocator pools
    t_go = clock::now();
    self_go = self_cpu_seconds();
    server_go = sample_processes(cfg.server_pids);
    shared.measuring = true;
    std::this_thread::sleep_for(cfg.duration);
    shared.measuring = false;
    t_end = clock::now();
    self_end = self_cpu_seconds();
    server_end = sample_processes(cfg.server_pids);
    const double window = seconds_between(t_go, t_end);
    out["window_s"] = window;
    out["handshakes"] = shared.handshakes.load();
    out["handshakes_per_s"] = static_cast<double>(shared.handshakes.load()) / window;
  } else {
    const auto connect_deadline = clock::now() + cfg.ramp + 2 * cfg.timeout + 10s;
    timed_out = !wait_until([&] { return shared.settled.load() >= cfg.users; }, connect_deadline);
    out["connected"] = shared.connected.load();
    out["connect_s"] = seconds_between(t_begin, clock::now());
    if (cfg.scenario == scenario_kind::idle) {
      std::this_thread::sleep_for(2s);  // let the server settle (lazy allocations, timers)
      server_open = sample_processes(cfg.server_pids);
      for (auto& w : workers) w->release_go();
      t_go = clock::now();
      self_go = self_cpu_seconds();
      server_go = server_open;
      std::this_thread::sleep_for(cfg.hold);
      t_end = clock::now();
      self_end = self_cpu_seconds();
      server_end = sample_processes(cfg.server_pids);
      const auto n = shared.connected.load();
      out["hold_s"] = seconds_between(t_go, t_end);
      if (n > 0 && server_open.ok) {
        out["server_bytes_per_stream"] = static_cast<double>(server_open.rss_kib - server_begin.rss_kib) * 1024.0 / n;
        out["server_bytes_per_stream_after_hold"] =
            static_cast<double>(server_end.rss_kib - server_begin.rss_kib) * 1024.0 / n;
      }
    } else {
      t_go = clock::now();
      self_go = self_cpu_seconds();
      server_go = sample_processes(cfg.server_pids);
      for (auto& w : workers) w->release_go();
      const auto chat_deadline =
          t_go + (cfg.think * 3 / 2 + cfg.timeout) * std::max(cfg.messages, 1) + 30s;
      timed_out = !wait_until([&] { return shared.finished.load() >= cfg.users; }, chat_deadline) || timed_out;
      t_end = clock::now();
      self_end = self_cpu_seconds();
      server_end = sample_processes(cfg.server_pids);
      out["messages_per_user"] = cfg.messages;
      out["think_ms"] = think_ms;
      out["window_s"] = seconds_between(t_go, t_end);
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
  const double window = seconds_between(t_go, t_end);
  const auto round_trips = all.count(step::reply);
  if (cfg.scenario == scenario_kind::chat) {
    out["round_trips"] = round_trips;
    out["throughput_per_s"] = window > 0 ? static_cast<double>(round_trips) / window : 0.0;
  }
  out["timed_out"] = timed_out;
  out["steps"] = all.steps_json();
  out["error_count"] = all.errors();
  out["errors"] = all.errors_json();
  if (!cfg.server_pids.empty()) {
    const double cpu_window = server_end.cpu_seconds - server_go.cpu_seconds;
    json::object server{{"pids", json::value_from(cfg.server_pids)},
                        {"cpu_s_window", cpu_window},
                        {"cpu_percent_window", window > 0 ? 100.0 * cpu_window / window : 0.0},
                        {"cpu_s_connect", server_go.cpu_seconds - server_begin.cpu_seconds},
                        {"rss_before_kib", server_begin.rss_kib},
                        {"rss_end_kib", server_end.rss_kib},
                        {"peak_rss_kib", server_end.peak_kib}};
    if (cfg.scenario == scenario_kind::chat && round_trips > 0)
      server["cpu_us_per_round_trip"] = cpu_window * 1e6 / static_cast<double>(round_trips);
    if (cfg.scenario == scenario_kind::handshake && shared.handshakes.load() > 0)
      server["cpu_us_per_handshake"] = cpu_window * 1e6 / static_cast<double>(shared.handshakes.load());
    if (cfg.scenario == scenario_kind::idle) server["rss_open_kib"] = server_open.rss_kib;
    out["server"] = std::move(server);
  }
  const double self_window = self_end - self_go;
  const auto self = sample_process(static_cast<int>(::getpid()));
  out["loadgen"] = {{"cpu_s_window", self_window},
                    {"cpu_percent_window", window > 0 ? 100.0 * self_window / window : 0.0},
                    {"cpu_s_total", self_cpu_seconds() - self_begin},
                    {"threads", cfg.threads},
                    {"peak_rss_kib", self.peak_kib}};
  const std::string text = json::serialize(out);
  std::cout << text << std::endl;
  if (!cfg.json_out.empty()) std::ofstream(cfg.json_out) << text << "\n";
  return timed_out ? 1 : 0;
}
