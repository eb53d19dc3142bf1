// The libFuzzer targets of Parley's parsers, linked into one binary (tests/fuzz/README.md).
//
// A harness beside its component (src/<component>/fuzz/<name>.cpp) registers itself with
//   PARLEY_FUZZ_TARGET(name, "what it feeds the input to") { ...; return 0; }
// and is run as `parley_fuzz <name> [libFuzzer options] [corpus dirs]` (or with
// PARLEY_FUZZ_TARGET=<name> in the environment). A harness returns 0, never throws, and calls
// std::abort() when an invariant of the parser breaks; crashes, sanitizer reports, timeouts and
// memory blow-ups are libFuzzer's findings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace parley::fuzz {

using entry = int (*)(const std::uint8_t* data, std::size_t size);

/// Adds a target to the binary's table (static initialisation; the harness sources are compiled
/// into the executable itself, so every registration runs).
struct registrar {
  registrar(std::string_view name, std::string_view what, entry run);
};

/// Aborts (a libFuzzer finding) with a one-line reason on stderr.
[[noreturn]] void violated(std::string_view invariant);

}  // namespace parley::fuzz

#define PARLEY_FUZZ_TARGET(name, what)                                                                   \
  static int parley_fuzz_##name(const std::uint8_t* data, std::size_t size);                             \
  static const ::parley::fuzz::registrar parley_fuzz_registrar_##name(#name, what, &parley_fuzz_##name); \
  static int parley_fuzz_##name(const std::uint8_t* data, std::size_t size)
