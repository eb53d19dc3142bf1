// The entry points libFuzzer calls: LLVMFuzzerInitialize picks the target (first argument, or
// PARLEY_FUZZ_TARGET) and quiets the logs; LLVMFuzzerTestOneInput runs it.
#include "fuzz_target.hpp"

#include <parley/core/log.hpp>

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace parley::fuzz {
namespace {

struct target_info {
  std::string what;
  entry run = nullptr;
};

std::map<std::string, target_info, std::less<>>& table() {
  static std::map<std::string, target_info, std::less<>> t;
  return t;
}

entry selected = nullptr;

// An exception that escaped a handler is a bug even when the server survives it: the net layer
// logs "... threw ..." at error level (never the exception's text). Such a line ends the run.
class abort_on_throw_sink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (msg.level >= spdlog::level::err && text.find(" threw") != std::string_view::npos) {
      violated("a handler threw: " + std::string(text));
    }
  }
  void flush_() override {}
};

void usage() {
  std::fprintf(stderr, "usage: parley_fuzz <target> [libFuzzer options] [corpus dirs]\ntargets:\n");
  for (const auto& [name, t] : table()) std::fprintf(stderr, "  %-12s %s\n", name.c_str(), t.what.c_str());
}

}  // namespace

registrar::registrar(std::string_view name, std::string_view what, entry run) {
  table().emplace(std::string(name), target_info{std::string(what), run});
}

void violated(std::string_view invariant) {
  std::fprintf(stderr, "parley_fuzz: invariant violated: %.*s\n", static_cast<int>(invariant.size()), invariant.data());
  std::abort();
}

}  // namespace parley::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  using namespace parley::fuzz;
  std::string name;
  if (*argc > 1 && (*argv)[1][0] != '-' && table().count(std::string((*argv)[1])) != 0) {
    name = (*argv)[1];
    for (int i = 1; i + 1 < *argc; ++i) (*argv)[i] = (*argv)[i + 1];
    --*argc;
    (*argv)[*argc] = nullptr;
  } else if (const char* env = std::getenv("PARLEY_FUZZ_TARGET")) {
    name = env;
  }
  const auto it = table().find(name);
  if (it == table().end()) {
    usage();
    std::exit(2);
  }
  selected = it->second.run;
  // libFuzzer's child processes (-fork, -jobs, -merge) get the target through the environment.
  setenv("PARLEY_FUZZ_TARGET", name.c_str(), 1);
  parley::core::log_options quiet;
  quiet.level = "error";
  quiet.file = "/dev/null";  // error lines still reach the sink below
  (void)parley::core::init_logging(quiet);
  parley::core::add_log_sink(std::make_shared<abort_on_throw_sink>());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return parley::fuzz::selected(data, size);
}
