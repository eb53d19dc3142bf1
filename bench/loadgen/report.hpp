// The JSON summary the load generator prints (bench/chat/report.sh reads it): what was measured
// in each phase, turned into rates, percentages and per-operation costs. Pure (report_test.cpp).
#pragma once

#include "metrics.hpp"
#include "settings.hpp"

#include <boost/json/object.hpp>

#include <cstdint>

namespace loadgen {

/// What main() measured around the run.
struct run_figures {
  double window_s = 0;           ///< the measured window: chat messaging, idle hold, handshake duration
  double connect_s = 0;          ///< chat, idle: start until every user settled
  int connected = 0;             ///< chat, idle: users whose connect phase succeeded
  std::uint64_t handshakes = 0;  ///< handshake: completed in the window
  bool timed_out = false;
  process_sample server_begin;   ///< the servers before anything
  process_sample server_go;      ///< ... at the start of the window
  process_sample server_open;    ///< idle: once every stream is open
  process_sample server_end;     ///< ... at its end
  double self_cpu_window_s = 0;  ///< the load generator's CPU time in the window
  double self_cpu_total_s = 0;
  long self_peak_kib = 0;
};

/// The summary: settings, figures, the recorder's steps (sorts its samples) and errors.
[[nodiscard]] boost::json::object summarize(const settings& cfg, const run_figures& f, recorder& rec);

}  // namespace loadgen
