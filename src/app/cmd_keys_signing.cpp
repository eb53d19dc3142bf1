#include "cmd_keys_signing.hpp"

#include "root_key_cli.hpp"
#include "settings.hpp"
#include "startup_checks.hpp"

#include <parley/core/clock.hpp>
#include <parley/core/config.hpp>

#include <cstdio>
#include <ctime>
#include <set>
#include <string>

namespace parley::app {
namespace {

struct keys_args {
  root_key_args root;    // --config (its [jose] and [crypto]) or --data-dir; --root-key-file
  std::string key_file;  // overrides jose.key_file
  std::string purpose;   // rotate only this purpose
};

std::string iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Reads [jose] from --config (if any) and resolves the key file: --key-file wins; a relative
// jose.key_file is taken relative to the configuration file's directory; the demo keeps its keys
// in its data directory (channel_wiring.cpp).
std::optional<jose::key_store_options> store_options(const keys_args& a) {
  jose::options o;
  std::filesystem::path base = ".";
  if (!a.root.data_dir.empty()) {
    base = a.root.data_dir;
    o.key_file = "signing-keys.json";
  }
  if (!a.root.config.empty()) {
    auto cfg = core::config::load_file(a.root.config, core::process_environment());
    o = read_settings(*cfg).jose;
    if (!cfg->ok()) {
      for (const auto& e : cfg->errors()) std::fprintf(stderr, "%s\n", e.c_str());
      return std::nullopt;
    }
    base = cfg->base_dir();
  }
  jose::key_store_options s;
  s.file = a.key_file.empty() ? resolve_path(base, o.key_file) : a.key_file;
  s.overlap = o.key_overlap;
  s.activation_delay = o.key_activation_delay;
  s.rsa_bits = o.rsa_bits;
  return s;
}

void print_keys(const std::vector<jose::key_info>& keys) {
  std::printf("%-44s %-16s %-6s %-21s %-21s %-21s %s\n", "KID", "PURPOSE", "ALG", "CREATED", "ACTIVATES", "RETIRED",
              "STATE");
  for (const auto& k : keys) {
    std::printf("%-44s %-16s %-6s %-21s %-21s %-21s %s\n", k.kid.c_str(), k.purpose.c_str(),
                std::string(jose::to_string(k.alg)).c_str(), iso8601(k.created).c_str(), iso8601(k.activates).c_str(),
                k.retired ? iso8601(*k.retired).c_str() : "-", std::string(jose::to_string(k.state)).c_str());
  }
}

int run_list(const keys_args& a) {
  auto opts = store_options(a);
  if (!opts) return 2;
  auto keys = jose::signing_key_store::list_file(*opts, core::system_clock());
  if (!keys) {
    std::fprintf(stderr, "parley: %s: %s\n", opts->file.c_str(), keys.error().message().c_str());
    return 1;
  }
  print_keys(*keys);
  return 0;
}

int run_rotate(const keys_args& a, const signing_key_wrapper_source& source) {
  auto opts = store_options(a);
  if (!opts) return 2;
  // Without --config, --data-dir or --root-key-file: parley-root.key in the working directory,
  // as before.
  const auto where = root_key_location(a.root, "parley-root.key");
  if (!where) return 2;
  auto wrapper = source(*where);
  if (!wrapper) {
    std::fprintf(stderr, "parley: root key: %s\n", wrapper.error().message().c_str());
    return 1;
  }
  auto store = jose::signing_key_store::open(*opts, {}, **wrapper, core::system_clock());
  if (!store) {
    std::fprintf(stderr, "parley: %s: %s\n", opts->file.c_str(), store.error().message().c_str());
    return 1;
  }
  std::set<std::string> purposes;
  if (!a.purpose.empty()) {
    purposes.insert(a.purpose);
  } else {
    for (const auto& k : (*store)->list()) purposes.insert(k.purpose);
  }
  if (purposes.empty()) {
    std::fprintf(stderr, "parley: %s holds no signing keys yet (the services create them on first start)\n",
                 opts->file.c_str());
    return 1;
  }
  std::vector<jose::key_info> rotated;
  for (const auto& p : purposes) {
    auto info = (*store)->rotate(p);
    if (!info) {
      std::fprintf(stderr, "parley: rotate %s: %s\n", p.c_str(), info.error().message().c_str());
      return 1;
    }
    rotated.push_back(*info);
  }
  print_keys(rotated);
  std::printf("Running services pick the new keys up when they reload the key file.\n");
  return 0;
}

void add_common(CLI::App* sub, keys_args& a, bool needs_root_key) {
  add_root_key_options(sub, a.root, needs_root_key,
                       needs_root_key ? "TOML configuration file: its [jose] key_file and the root key of its [crypto]"
                                      : "TOML configuration file: its [jose] key_file");
  sub->add_option("--key-file", a.key_file, "signing key file (default: jose.key_file)");
}

}  // namespace

std::function<std::optional<int>()> add_keys_signing(CLI::App& keys, signing_key_wrapper_source wrapper) {
  auto args = std::make_shared<keys_args>();
  auto* list = keys.add_subcommand("list", "List token-signing keys: kid, purpose, alg, created, state (no key material)");
  add_common(list, *args, false);
  auto* rotate = keys.add_subcommand("rotate", "Add a new token-signing key; the current one stays published for the overlap");
  add_common(rotate, *args, true);
  // The older place of the root key options, before the subcommand: `keys --root-key-file F rotate`.
  keys.add_option("--root-key-file", args->root.file, "Root key file for rotate (older spelling; see rotate --help)");
  keys.add_option("--root-key-version", args->root.version, "Version of that root key");
  rotate->add_option("--purpose", args->purpose, "rotate only this purpose (default: every purpose in the file)");
  return [args, list, rotate, wrapper = std::move(wrapper)]() -> std::optional<int> {
    if (list->parsed()) return run_list(*args);
    if (rotate->parsed()) return run_rotate(*args, wrapper);
    return std::nullopt;
  };
}

}  // namespace parley::app
