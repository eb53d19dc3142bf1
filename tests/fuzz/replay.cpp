// parley_fuzz_replay <source dir> [target...]: runs every seed and regression input of every fuzz
// target (src/<component>/fuzz/corpus/<target>/*) through its harness once, in the ordinary build
// (gcc, no libFuzzer): a regression input that crashes again, trips an invariant or makes a handler
// throw fails ctest's fuzz_replay. A corpus directory without a target, or a target without a
// corpus, is an error too. Prints one line per target (inputs, milliseconds).
#include "fuzz_target.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// A crash or an invariant's abort ends the process in the harness: the handler names the input.
std::string current_input;  // NOLINT: read by the signal handler only

extern "C" void name_the_input(int sig) {
  constexpr char prefix[] = "\nparley_fuzz_replay: this input crashed its target: ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, current_input.data(), current_input.size());
  (void)!write(2, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parley::fuzz;
  if (argc < 2) {
    std::fprintf(stderr, "usage: parley_fuzz_replay <source dir> [target...]\n");
    return 2;
  }
  const std::set<std::string> wanted(argv + 2, argv + argc);
  std::map<std::string, std::vector<fs::path>> corpora;  // target -> its inputs, sorted
  std::error_code ec;
  for (const auto& component : fs::directory_iterator(fs::path(argv[1]) / "src", ec)) {
    const fs::path dir = component.path() / "fuzz" / "corpus";
    if (!fs::is_directory(dir)) continue;
    for (const auto& target : fs::directory_iterator(dir)) {
      auto& inputs = corpora[target.path().filename().string()];
      for (const auto& file : fs::directory_iterator(target.path())) {
        if (file.is_regular_file()) inputs.push_back(file.path());
      }
      std::sort(inputs.begin(), inputs.end());
    }
  }
  if (ec) {
    std::fprintf(stderr, "parley_fuzz_replay: cannot read %s/src: %s\n", argv[1], ec.message().c_str());
    return 2;
  }
  int status = 0;
  for (const auto& name : target_names()) {
    if (!corpora.contains(name) || corpora[name].empty()) {
      std::fprintf(stderr, "parley_fuzz_replay: target %s has no seeds\n", name.c_str());
      status = 1;
    }
  }
  quiet_logs();
  for (const int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, name_the_input);
  for (const auto& [name, inputs] : corpora) {
    if (!wanted.empty() && !wanted.contains(name)) continue;
    const entry run = find_target(name);
    if (run == nullptr) {
      std::fprintf(stderr, "parley_fuzz_replay: corpus %s has no target\n", name.c_str());
      status = 1;
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    for (const auto& path : inputs) {
      std::ifstream in(path, std::ios::binary);
      const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "parley_fuzz_replay: cannot read %s\n", path.c_str());
        status = 1;
        continue;
      }
      current_input = path.string();
      (void)run(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    std::printf("fuzz_replay: %-12s %3zu inputs, %lld ms\n", name.c_str(), inputs.size(), static_cast<long long>(ms));
  }
  return status;
}
