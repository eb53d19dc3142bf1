// The libFuzzer targets of Parley's parsers, linked into one binary (tests/fuzz/README.md).
//
// A harness beside its component (src/<component>/fuzz/<name>.cpp) registers itself with
//   PARLEY_FUZZ_TARGET(name, "what it feeds the input to") { ...; return 0; }
// and is run as `parley_fuzz <name> [libFuzzer options] [corpus dirs]` (or with
// PARLEY_FUZZ_TARGET=<name> in the environment). A harness returns 0, never throws, and calls
// std::abort() when an invariant of the parser breaks; crashes, sanitizer reports, timeouts and
// memory blow-ups are libFuzzer's findings. The ci build replays every seed and regression input
// through the same harnesses (replay.cpp, ctest fuzz_replay), without libFuzzer or clang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::fuzz {

using entry = int (*)(const std::uint8_t* data, std::size_t size);

/// Adds a target to the binary's table (static initialisation; the harness sources are compiled
/// into the executable itself, so every registration runs).
struct registrar {
  registrar(std::string_view name, std::string_view what, entry run);
};

/// Aborts (a libFuzzer finding) with a one-line reason on stderr.
[[noreturn]] void violated(std::string_view invariant);

/// The runners' side (targets.cpp): the target registered under `name` (nullptr if none), every
/// registered name (sorted), the table on stderr, and the logs set to errors only with a sink that
/// calls violated() on a "... threw" line.
entry find_target(std::string_view name);
std::vector<std::string> target_names();
void print_targets();
void quiet_logs();

}  // namespace parley::fuzz

#define PARLEY_FUZZ_TARGET(name, what)                                                                   \
  static int parley_fuzz_##name(const std::uint8_t* data, std::size_t size);                             \
  static const ::parley::fuzz::registrar parley_fuzz_registrar_##name(#name, what, &parley_fuzz_##name); \
  static int parley_fuzz_##name(const std::uint8_t* data, std::size_t size)
