// The load generator's command line: parsed into settings (settings.hpp) and checked, without
// running anything, so that tests cover it. See main.cpp for the run itself.
#pragma once

#include "http_client.hpp"
#include "settings.hpp"

#include <optional>
#include <string>

namespace loadgen {

struct command_line {
  std::optional<settings> cfg;  ///< set when the run should go ahead
  int exit_code = 0;            ///< otherwise: 0 after --help, 2 (or CLI11's code) on a bad option
  std::string message;          ///< what to print (help on stdout when exit_code is 0, else stderr)
};

/// Parses argv (CLI11). Durations are whole milliseconds or seconds as in `--help`; every one must
/// be non-negative, the timeout and the keep-alive positive; --source must be IP addresses; the
/// peer has no stream and no handshake.
[[nodiscard]] command_line parse_command_line(int argc, const char* const* argv);

/// The endpoints of --directline and (Parley) --token-url; nullopt with `message` set when one is
/// not http://ADDRESS:PORT/path (no DNS: the benchmarks run on loopback).
[[nodiscard]] std::optional<endpoints> resolve_endpoints(const settings& cfg, std::string& message);

[[nodiscard]] const char* to_string(target_kind t) noexcept;
[[nodiscard]] const char* to_string(transport t) noexcept;
[[nodiscard]] const char* to_string(scenario_kind s) noexcept;

}  // namespace loadgen
