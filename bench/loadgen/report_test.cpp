#include "report.hpp"

#include <gtest/gtest.h>

namespace loadgen {
namespace {

using namespace std::chrono_literals;

process_sample at(double cpu, long rss, long peak = 0) {
  process_sample s;
  s.cpu_seconds = cpu;
  s.rss_kib = rss;
  s.peak_kib = peak;
  s.ok = true;
  return s;
}

TEST(report, chat_gives_throughput_and_cpu_per_round_trip) {
  settings cfg;
  cfg.users = 2;
  cfg.messages = 5;
  cfg.think = 250ms;
  cfg.server_pids = {100};
  cfg.label = "run 1";
  run_figures f;
  f.window_s = 2.0;
  f.connected = 2;
  f.connect_s = 0.5;
  f.server_begin = at(1.0, 1000);
  f.server_go = at(1.5, 2000);
  f.server_end = at(2.5, 3000, 4000);
  f.self_cpu_window_s = 0.1;
  f.self_cpu_total_s = 0.3;
  recorder rec;
  for (int i = 0; i < 10; ++i) rec.sample(step::reply, 3ms);
  rec.error(step::send, "http 502");
  auto out = summarize(cfg, f, rec);
  EXPECT_EQ(out.at("label"), "run 1");
  EXPECT_EQ(out.at("target"), "parley");
  EXPECT_EQ(out.at("mode"), "stream");
  EXPECT_EQ(out.at("scenario"), "chat");
  EXPECT_EQ(out.at("round_trips").as_uint64(), 10u);
  EXPECT_DOUBLE_EQ(out.at("throughput_per_s").as_double(), 5.0);
  EXPECT_EQ(out.at("think_ms").as_int64(), 250);
  EXPECT_EQ(out.at("messages_per_user").as_int64(), 5);
  EXPECT_EQ(out.at("connected").as_int64(), 2);
  EXPECT_EQ(out.at("error_count").as_uint64(), 1u);
  EXPECT_EQ(out.at("errors").as_object().at("send: http 502").as_uint64(), 1u);
  EXPECT_DOUBLE_EQ(out.at("steps").as_object().at("round_trip").as_object().at("p99_ms").as_double(), 3.0);
  const auto& server = out.at("server").as_object();
  EXPECT_DOUBLE_EQ(server.at("cpu_s_window").as_double(), 1.0);
  EXPECT_DOUBLE_EQ(server.at("cpu_percent_window").as_double(), 50.0);
  EXPECT_DOUBLE_EQ(server.at("cpu_s_connect").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(server.at("cpu_us_per_round_trip").as_double(), 100000.0);
  EXPECT_EQ(server.at("peak_rss_kib").as_int64(), 4000);
  const auto& self = out.at("loadgen").as_object();
  EXPECT_DOUBLE_EQ(self.at("cpu_percent_window").as_double(), 5.0);
  EXPECT_DOUBLE_EQ(self.at("cpu_s_total").as_double(), 0.3);
  EXPECT_FALSE(out.contains("handshakes_per_s"));
  EXPECT_FALSE(out.contains("hold_s"));
}

TEST(report, handshake_gives_its_rate_and_no_server_without_pids) {
  settings cfg;
  cfg.scenario = scenario_kind::handshake;
  run_figures f;
  f.window_s = 4.0;
  f.handshakes = 1000;
  recorder rec;
  auto out = summarize(cfg, f, rec);
  EXPECT_DOUBLE_EQ(out.at("handshakes_per_s").as_double(), 250.0);
  EXPECT_FALSE(out.contains("server"));
  EXPECT_FALSE(out.contains("round_trips"));
  EXPECT_FALSE(out.contains("connected"));
}

TEST(report, idle_gives_bytes_per_stream_from_the_servers_memory) {
  settings cfg;
  cfg.scenario = scenario_kind::idle;
  cfg.server_pids = {1};
  run_figures f;
  f.window_s = 10.0;
  f.connected = 1000;
  f.server_begin = at(0, 10'000);
  f.server_open = at(0, 30'000);
  f.server_go = f.server_open;
  f.server_end = at(0, 31'000);
  recorder rec;
  auto out = summarize(cfg, f, rec);
  EXPECT_DOUBLE_EQ(out.at("hold_s").as_double(), 10.0);
  EXPECT_DOUBLE_EQ(out.at("server_bytes_per_stream").as_double(), 20'000.0 * 1024 / 1000);
  EXPECT_DOUBLE_EQ(out.at("server_bytes_per_stream_after_hold").as_double(), 21'000.0 * 1024 / 1000);
  EXPECT_EQ(out.at("server").as_object().at("rss_open_kib").as_int64(), 30'000);
  // Nobody connected: no division by zero, no per-stream figure.
  f.connected = 0;
  EXPECT_FALSE(summarize(cfg, f, rec).contains("server_bytes_per_stream"));
}

TEST(report, an_empty_window_gives_zero_rates_not_infinity) {
  settings cfg;
  cfg.server_pids = {1};
  run_figures f;  // window 0: every worker failed at once
  recorder rec;
  rec.sample(step::reply, 1ms);
  auto out = summarize(cfg, f, rec);
  EXPECT_DOUBLE_EQ(out.at("throughput_per_s").as_double(), 0.0);
  EXPECT_DOUBLE_EQ(out.at("server").as_object().at("cpu_percent_window").as_double(), 0.0);
  EXPECT_DOUBLE_EQ(out.at("loadgen").as_object().at("cpu_percent_window").as_double(), 0.0);
}

}  // namespace
}  // namespace loadgen
