// libFuzzer target "config": a configuration file as `parley check-config` and `parley serve`
// read it: core::config (toml++, PARLEY_<SECTION>__<KEY> overrides, secret references) and every
// component's options parser (app::read_settings). Leading lines "@NAME=VALUE" are the
// environment. Secret references to files (`{ file = ... }`) are not followed: the fuzzer would
// read this machine's files (or block on a FIFO); such inputs are skipped, `{ env = ... }` ones are
// fuzzed. Invariant: reading never throws, and a configuration without errors names known services.
#include "../settings.hpp"
#include "fuzz_target.hpp"

#include <parley/core/toml_text.hpp>

#include <toml++/toml.h>

namespace {

// True when a table anywhere has a `file` member (a secret file reference).
bool has_file_reference(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    for (auto&& [k, v] : *t) {
      if (k.str() == "file" || has_file_reference(v)) return true;
    }
  } else if (const auto* a = n.as_array()) {
    for (const auto& v : *a) {
      if (has_file_reference(v)) return true;
    }
  }
  return false;
}

}  // namespace

PARLEY_FUZZ_TARGET(config, "the configuration (TOML, overrides, every component's options) as check-config reads it") {
  namespace core = parley::core;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::env_map env{{"PARLEY_FUZZ_SECRET", "a-secret-from-the-environment-0123456789"}};
  while (text.starts_with('@') && env.size() < 6) {
    const auto nl = text.find('\n');
    const auto line = text.substr(1, nl == std::string_view::npos ? text.size() - 1 : nl - 1);
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) env.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  for (const auto& [k, v] : env) {
    if (v.find("file") != std::string::npos) return 0;  // an override could hold a file reference
  }
  try {
    // toml++ asserts on characters TOML forbids; config::parse refuses them before it parses (its
    // check must be this harness's too, or the harness crashes where Parley does not).
    if (!core::toml_character_error(text) && has_file_reference(toml::parse(text))) return 0;
  } catch (const toml::parse_error&) {
    // config::parse reports it; nothing to follow.
  }
  auto cfg = core::config::parse(text, env, "fuzz.toml");
  (void)parley::app::read_settings(*cfg);
  return 0;
}
