// The entry points libFuzzer calls: LLVMFuzzerInitialize picks the target (first argument, or
// PARLEY_FUZZ_TARGET) and quiets the logs; LLVMFuzzerTestOneInput runs it.
#include "fuzz_target.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
parley::fuzz::entry selected = nullptr;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  using namespace parley::fuzz;
  std::string name;
  if (*argc > 1 && (*argv)[1][0] != '-' && find_target((*argv)[1]) != nullptr) {
    name = (*argv)[1];
    for (int i = 1; i + 1 < *argc; ++i) (*argv)[i] = (*argv)[i + 1];
    --*argc;
    (*argv)[*argc] = nullptr;
  } else if (const char* env = std::getenv("PARLEY_FUZZ_TARGET")) {
    name = env;
  }
  selected = find_target(name);
  if (selected == nullptr) {
    std::fprintf(stderr, "usage: parley_fuzz <target> [libFuzzer options] [corpus dirs]\ntargets:\n");
    print_targets();
    std::exit(2);
  }
  // libFuzzer's child processes (-fork, -jobs, -merge) get the target through the environment.
  setenv("PARLEY_FUZZ_TARGET", name.c_str(), 1);
  quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return selected(data, size);
}
