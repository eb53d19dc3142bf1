// The options every store command shares: which store to open, from a configuration file or
// from the embedded demo's data directory.
#pragma once

#include "store_wiring.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace parley::app {

struct store_target {
  std::string config;       ///< TOML configuration ([crypto], [store])
  std::string data_dir;     ///< or: the demo's data directory
  std::string erasure_dir;  ///< with data_dir: where the demo keeps its erasure secrets
};

inline void add_store_target(CLI::App* sub, store_target& t) {
  // The same two ways of naming the root key as every subcommand (root_key_cli.hpp).
  auto* c = sub->add_option("--config", t.config, "TOML configuration file: the root key of its [crypto], and [store]");
  auto* d = sub->add_option("--data-dir", t.data_dir,
                            "The embedded demo's data directory (its root.key), instead of --config");
  auto* e = sub->add_option("--erasure-dir", t.erasure_dir,
                            "With --data-dir: the demo's erasure-secrets directory (default: DATA_DIR-erasure)");
  c->excludes(d);
  e->needs(d);
}

inline std::optional<settings> target_settings(const store_target& t) {
  if (!t.config.empty()) return load_settings(t.config);
  if (!t.data_dir.empty()) return demo_settings(t.data_dir, t.erasure_dir);
  std::fprintf(stderr, "parley: give --config FILE or --data-dir DIR\n");
  return std::nullopt;
}

// Runs `body(settings, store)` on the store that `t` names (migrate: apply pending migrations first) and
// returns its exit code; 2 when the configuration is wrong, 1 when the store cannot be opened (both
// already reported on stderr).
template <class Body>
int with_store(const store_target& t, bool migrate, Body&& body) {
  auto s = target_settings(t);
  if (!s) return 2;
  auto st = open_store(*s, migrate);
  if (!st) return 1;
  return body(*s, *st);
}

}  // namespace parley::app
