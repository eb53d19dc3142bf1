#include "root_key_cli.hpp"

#include "startup_checks.hpp"

#include <parley/core/config.hpp>

#include <cstdio>

namespace parley::app {

void add_root_key_options(CLI::App* sub, root_key_args& a, bool older_spelling, const std::string& config_help) {
  auto* c = sub->add_option("--config", a.config, config_help);
  auto* d = sub->add_option("--data-dir", a.data_dir,
                            "The embedded demo's data directory (its root.key), instead of --config");
  c->excludes(d);
  if (!older_spelling) return;
  auto* f = sub->add_option("--root-key-file", a.file, "The root key file itself (older spelling; wins over [crypto])");
  f->excludes(d);
  sub->add_option("--root-key-version", a.version, "Version of that root key (default 1)");
}

std::optional<crypto::options> root_key_location(const root_key_args& a, const std::string& fallback_file) {
  crypto::options o;
  if (!a.config.empty()) {
    auto cfg = core::config::load_file(a.config, core::process_environment());
    o = crypto::parse_options(cfg->section("crypto"));
    if (!cfg->ok()) {
      for (const auto& e : cfg->errors()) std::fprintf(stderr, "%s\n", e.c_str());
      std::fprintf(stderr, "parley: %s: %zu problem(s)\n", a.config.c_str(), cfg->errors().size());
      return std::nullopt;
    }
    o.root_key_file = resolve_path(cfg->base_dir(), o.root_key_file);
  } else if (!a.data_dir.empty()) {
    o.root_key_file = demo_root_key(a.data_dir).string();
  } else {
    o.root_key_file = fallback_file;
  }
  if (!a.file.empty()) {
    o.root_key_file = a.file;
    o.root_key_env.clear();
    o.root_key_version = 1;
  }
  if (a.version != 0) o.root_key_version = a.version;
  return o;
}

}  // namespace parley::app
