#include "report.hpp"

#include "cli.hpp"

#include <boost/json/value_from.hpp>

namespace loadgen {
namespace {

namespace json = boost::json;

double per_second(double n, double window_s) {
  return window_s > 0 ? n / window_s : 0.0;
}

json::object server_figures(const settings& cfg, const run_figures& f, std::uint64_t round_trips) {
  const double cpu_window = f.server_end.cpu_seconds - f.server_go.cpu_seconds;
  json::object server{{"pids", json::value_from(cfg.server_pids)},
                      {"cpu_s_window", cpu_window},
                      {"cpu_percent_window", 100.0 * per_second(cpu_window, f.window_s)},
                      {"cpu_s_connect", f.server_go.cpu_seconds - f.server_begin.cpu_seconds},
                      {"rss_before_kib", f.server_begin.rss_kib},
                      {"rss_end_kib", f.server_end.rss_kib},
                      {"peak_rss_kib", f.server_end.peak_kib}};
  if (cfg.scenario == scenario_kind::chat && round_trips > 0)
    server["cpu_us_per_round_trip"] = cpu_window * 1e6 / static_cast<double>(round_trips);
  if (cfg.scenario == scenario_kind::handshake && f.handshakes > 0)
    server["cpu_us_per_handshake"] = cpu_window * 1e6 / static_cast<double>(f.handshakes);
  if (cfg.scenario == scenario_kind::idle) server["rss_open_kib"] = f.server_open.rss_kib;
  return server;
}

}  // namespace

json::object summarize(const settings& cfg, const run_figures& f, recorder& rec) {
  json::object out{{"label", cfg.label},          {"target", to_string(cfg.target)},
                   {"mode", to_string(cfg.mode)}, {"scenario", to_string(cfg.scenario)},
                   {"users", cfg.users},          {"threads", cfg.threads}};
  const auto round_trips = static_cast<std::uint64_t>(rec.count(step::reply));
  if (cfg.scenario == scenario_kind::handshake) {
    out["window_s"] = f.window_s;
    out["handshakes"] = f.handshakes;
    out["handshakes_per_s"] = per_second(static_cast<double>(f.handshakes), f.window_s);
  } else {
    out["connected"] = f.connected;
    out["connect_s"] = f.connect_s;
  }
  if (cfg.scenario == scenario_kind::idle) {
    out["hold_s"] = f.window_s;
    if (f.connected > 0 && f.server_open.ok) {
      const double n = f.connected;
      out["server_bytes_per_stream"] = static_cast<double>(f.server_open.rss_kib - f.server_begin.rss_kib) * 1024.0 / n;
      out["server_bytes_per_stream_after_hold"] =
          static_cast<double>(f.server_end.rss_kib - f.server_begin.rss_kib) * 1024.0 / n;
    }
  }
  if (cfg.scenario == scenario_kind::chat) {
    out["messages_per_user"] = cfg.messages;
    out["think_ms"] = cfg.think.count();
    out["window_s"] = f.window_s;
    out["round_trips"] = round_trips;
    out["throughput_per_s"] = per_second(static_cast<double>(round_trips), f.window_s);
  }
  out["timed_out"] = f.timed_out;
  out["steps"] = rec.steps_json();
  out["error_count"] = rec.errors();
  out["errors"] = rec.errors_json();
  if (!cfg.server_pids.empty()) out["server"] = server_figures(cfg, f, round_trips);
  out["loadgen"] = {{"cpu_s_window", f.self_cpu_window_s},
                    {"cpu_percent_window", 100.0 * per_second(f.self_cpu_window_s, f.window_s)},
                    {"cpu_s_total", f.self_cpu_total_s},
                    {"threads", cfg.threads},
                    {"peak_rss_kib", f.self_peak_kib}};
  return out;
}

}  // namespace loadgen
