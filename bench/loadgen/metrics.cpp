#include "metrics.hpp"

#include <boost/json/value.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace loadgen {

const char* step_name(step s) noexcept {
  switch (s) {
    case step::handshake: return "handshake";
    case step::start: return "start";
    case step::stream: return "stream";
    case step::send: return "send";
    case step::poll: return "poll";
    case step::reply: return "round_trip";
    case step::count_: break;
  }
  return "?";
}

void recorder::sample(step s, clock::duration d) {
  samples_[static_cast<std::size_t>(s)].push_back(
      static_cast<float>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) / 1000.0f);
}

void recorder::error(step s, const std::string& kind) {
  ++errors_[static_cast<std::size_t>(s)];
  ++kinds_[std::string(step_name(s)) + ": " + kind];
}

void recorder::merge(const recorder& other) {
  for (std::size_t i = 0; i < step_count; ++i) {
    samples_[i].insert(samples_[i].end(), other.samples_[i].begin(), other.samples_[i].end());
    errors_[i] += other.errors_[i];
  }
  for (const auto& [k, n] : other.kinds_) kinds_[k] += n;
}

std::uint64_t recorder::errors() const {
  std::uint64_t n = 0;
  for (auto e : errors_) n += e;
  return n;
}

double percentile_ms(const std::vector<float>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return std::round(static_cast<double>(sorted[rank - 1])) / 1000.0;
}

boost::json::object recorder::steps_json() {
  boost::json::object out;
  for (std::size_t i = 0; i < step_count; ++i) {
    auto& v = samples_[i];
    if (v.empty() && errors_[i] == 0) continue;
    std::sort(v.begin(), v.end());
    out[step_name(static_cast<step>(i))] = {
        {"count", v.size()},          {"p50_ms", percentile_ms(v, 50)}, {"p90_ms", percentile_ms(v, 90)},
        {"p99_ms", percentile_ms(v, 99)}, {"max_ms", percentile_ms(v, 100)}, {"errors", errors_[i]}};
  }
  return out;
}

boost::json::object recorder::errors_json() const {
  boost::json::object out;
  for (const auto& [k, n] : kinds_) out[k] = n;
  return out;
}

process_sample sample_process(int pid) {
  process_sample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) {
      stime = std::stoul(field);
      break;
    }
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) s.peak_kib = std::atol(line.c_str() + 6);
  }
  s.ok = true;
  return s;
}

process_sample sample_processes(const std::vector<int>& pids) {
  process_sample total;
  total.ok = !pids.empty();
  for (int pid : pids) {
    auto s = sample_process(pid);
    total.ok = total.ok && s.ok;
    total.cpu_seconds += s.cpu_seconds;
    total.rss_kib += s.rss_kib;
    total.peak_kib += s.peak_kib;
  }
  return total;
}

double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace loadgen
