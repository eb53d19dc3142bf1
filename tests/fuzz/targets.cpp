// The table of targets and what every runner of them shares (fuzz_target.hpp): registration,
// violated(), and the quiet logs whose "... threw" line is a finding.
#include "fuzz_target.hpp"

#include <parley/core/log.hpp>

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
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

}  // namespace

registrar::registrar(std::string_view name, std::string_view what, entry run) {
  table().emplace(std::string(name), target_info{std::string(what), run});
}

void violated(std::string_view invariant) {
  std::fprintf(stderr, "parley_fuzz: invariant violated: %.*s\n", static_cast<int>(invariant.size()), invariant.data());
  std::abort();
}

entry find_target(std::string_view name) {
  const auto it = table().find(name);
  return it == table().end() ? nullptr : it->second.run;
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  for (const auto& [name, t] : table()) names.push_back(name);
  return names;
}

void print_targets() {
  for (const auto& [name, t] : table()) std::fprintf(stderr, "  %-12s %s\n", name.c_str(), t.what.c_str());
}

void quiet_logs() {
  parley::core::log_options quiet;
  quiet.level = "error";
  quiet.file = "/dev/null";  // error lines still reach the sink below
  (void)parley::core::init_logging(quiet);
  parley::core::add_log_sink(std::make_shared<abort_on_throw_sink>());
}

}  // namespace parley::fuzz
