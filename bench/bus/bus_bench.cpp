// The bus under load, for bench/results/bus.md (run.sh): node A publishes activity-sized events,
// node B's fan-out subscription receives them (the channel's path between two nodes).
//   throughput: as many as max_outgoing lets wait, back to back: confirmed publishes/s and
//               delivered/s (the ceiling), with the CPU of this process and of the broker's VM;
//   latency:    a steady rate (default 1000/s): publish → broker confirmation, and publish →
//               handler start on the other node (same clock), p50/p90/p99/max.
// Prints one JSON object per measurement. Usage: parley_bus_bench in-process|rabbitmq [body bytes]
// [count] [rate]; rabbitmq uses $PARLEY_TEST_BROKER or starts a test broker of its own.
#include <parley/bus/amqp/testing/test_broker.hpp>
#include <parley/bus/in_process.hpp>
#include <parley/core/async.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace bus = parley::bus;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

double cpu_seconds_self() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a process, from /proc.
double cpu_seconds_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; rest >> x;) f.push_back(x);
  if (f.size() < 13) return 0;
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The broker's VM: the child of the server script whose pid the test broker recorded.
int broker_vm_pid() {
  const char* dir = std::getenv("PARLEY_TEST_BROKER");
  if (!dir) return 0;
  std::ifstream in(std::string(dir) + "/broker.pid");
  int script = 0;
  in >> script;
  DIR* d = ::opendir("/proc");
  int found = 0;
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream s("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(s, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == script) found = pid;
  }
  if (d) ::closedir(d);
  return found;
}

struct node_pair {
  std::unique_ptr<bus::bus> a;
  std::unique_ptr<bus::bus> b;
};

node_pair make(const std::string& backend, std::size_t max_outgoing) {
  bus::options o;
  o.max_outgoing = max_outgoing;
  o.publish_timeout = 60s;
  o.max_in_flight = 256;
  node_pair p;
  if (backend == "in-process") {
    auto broker = std::make_shared<bus::in_process_broker>();
    o.node_id = "bench-a";
    p.a = std::make_unique<bus::in_process_bus>(o, broker);
    o.node_id = "bench-b";
    p.b = std::make_unique<bus::in_process_bus>(o, broker);
    return p;
  }
  auto& broker = bus::amqp::testing::test_broker::shared();
  o.node_id = "bench-a";
  p.a = std::move(*bus::amqp::open(o, broker.plain()));
  o.node_id = "bench-b";
  p.b = std::move(*bus::amqp::open(o, broker.plain()));
  return p;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

bus::message event(const std::string& body, std::uint64_t seq) {
  bus::message m;
  m.topic = "bench.activity";
  m.tenant = "bankx";
  m.key = "conv-bench";
  m.seq = seq;
  m.type = "message";
  m.body = body;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string backend = argc > 1 ? argv[1] : "in-process";
  const std::size_t body_bytes = argc > 2 ? std::stoul(argv[2]) : 700;
  const std::size_t count = argc > 3 ? std::stoul(argv[3]) : (backend == "in-process" ? 200000 : 20000);
  const double rate = argc > 4 ? std::stod(argv[4]) : 1000;
  // An activity as the channel publishes it: JSON text of about body_bytes.
  std::string body = R"({"type":"message","id":"c_bench|0000001","timestamp":"2026-12-07T09:00:00.000Z","text":")";
  body.append(body_bytes > body.size() + 2 ? body_bytes - body.size() - 2 : 0, 'x');
  body += "\"}";

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  parley::core::thread_group threads(io, 2, "bench");
  const int vm = backend == "rabbitmq" ? (bus::amqp::testing::test_broker::shared(), broker_vm_pid()) : 0;

  {  // Throughput: back to back, the window bounded by max_outgoing.
    auto nodes = make(backend, 2000);
    std::atomic<std::size_t> received{0};
    std::promise<void> all_in;
    auto sub = nodes.b->subscribe({.topic = "bench.activity"}, io.get_executor(),
                                  [&](bus::message) -> asio::awaitable<parley::error_code> {
                                    if (++received == count) all_in.set_value();
                                    co_return parley::error_code{};
                                  });
    while (!(*sub)->attached()) std::this_thread::sleep_for(10ms);
    std::atomic<std::size_t> confirmed{0};
    std::atomic<std::size_t> refused{0};
    std::promise<void> all_confirmed;
    const double cpu0 = cpu_seconds_self();
    const double vm0 = vm ? cpu_seconds_of(vm) : 0;
    const auto t0 = clock_type::now();
    for (std::size_t i = 1; i <= count;) {
      nodes.a->publish(event(body, i), [&, i](parley::error_code ec) {
        if (ec) {
          ++refused;
          return;
        }
        if (++confirmed == count) all_confirmed.set_value();
      });
      // Back-pressure: overloaded publishes are counted; wait for room instead of spinning on them.
      if (refused.load() > 0) {
        refused = 0;
        std::this_thread::sleep_for(200us);
        continue;  // publish i again
      }
      ++i;
    }
    all_confirmed.get_future().wait();
    const auto t1 = clock_type::now();
    all_in.get_future().wait();
    const auto t2 = clock_type::now();
    const double cpu = cpu_seconds_self() - cpu0;
    const double vm_cpu = vm ? cpu_seconds_of(vm) - vm0 : 0;
    std::printf(R"({"measure":"throughput","backend":"%s","body_bytes":%zu,"count":%zu,"confirmed_per_s":%.0f,)"
                R"("delivered_per_s":%.0f,"client_cpu_us_per_msg":%.1f,"broker_cpu_us_per_msg":%.1f})"
                "\n",
                backend.c_str(), body_bytes, count, count / std::chrono::duration<double>(t1 - t0).count(),
                count / std::chrono::duration<double>(t2 - t0).count(), cpu * 1e6 / count, vm_cpu * 1e6 / count);
    std::fflush(stdout);
    (*sub)->close();
    nodes.a->stop();
    nodes.b->stop();
  }

  {  // Latency at a steady rate.
    auto nodes = make(backend, 10000);
    const std::size_t n = static_cast<std::size_t>(rate * 5);
    std::mutex m;
    std::vector<double> deliver_ms;
    std::vector<double> confirm_ms;
    deliver_ms.reserve(n);
    confirm_ms.reserve(n);
    std::atomic<std::size_t> received{0};
    auto sub = nodes.b->subscribe(
        {.topic = "bench.activity"}, io.get_executor(), [&](bus::message msg) -> asio::awaitable<parley::error_code> {
          const auto d =
              std::chrono::duration<double, std::milli>(std::chrono::system_clock::now() - msg.published_at).count();
          {
            std::lock_guard lock(m);
            deliver_ms.push_back(d);
          }
          ++received;
          co_return parley::error_code{};
        });
    while (!(*sub)->attached()) std::this_thread::sleep_for(10ms);
    const auto period = std::chrono::duration<double>(1.0 / rate);
    const auto start = clock_type::now();
    for (std::size_t i = 1; i <= n; ++i) {
      std::this_thread::sleep_until(start +
                                    std::chrono::duration_cast<clock_type::duration>(period * static_cast<double>(i)));
      const auto sent = clock_type::now();
      nodes.a->publish(event(body, i), [&, sent](parley::error_code ec) {
        if (ec) return;
        std::lock_guard lock(m);
        confirm_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
      });
    }
    while (received.load() < n) std::this_thread::sleep_for(5ms);
    std::lock_guard lock(m);
    std::printf(R"({"measure":"latency","backend":"%s","body_bytes":%zu,"rate":%.0f,"count":%zu,)"
                R"("confirm_p50_ms":%.3f,"confirm_p99_ms":%.3f,"deliver_p50_ms":%.3f,"deliver_p90_ms":%.3f,)"
                R"("deliver_p99_ms":%.3f,"deliver_max_ms":%.3f})"
                "\n",
                backend.c_str(), body_bytes, rate, n, percentile(confirm_ms, 0.5), percentile(confirm_ms, 0.99),
                percentile(deliver_ms, 0.5), percentile(deliver_ms, 0.9), percentile(deliver_ms, 0.99),
                percentile(deliver_ms, 1.0));
    std::fflush(stdout);
    (*sub)->close();
    nodes.a->stop();
    nodes.b->stop();
  }
  work.reset();
  io.stop();
  threads.join();
  return 0;
}
