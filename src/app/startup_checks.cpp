#include "startup_checks.hpp"

#include <parley/assistant/definition.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/error.hpp>
#include <parley/net/tls_check.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

// A file start-up reads and never writes: it must exist, be a regular file and be readable.
std::string file_problem(const fs::path& p) {
  std::error_code ec;
  const auto st = fs::status(p, ec);
  if (ec || !fs::exists(st)) return p.string() + " does not exist";
  if (!fs::is_regular_file(st)) return p.string() + " is not a regular file";
  if (::access(p.c_str(), R_OK) != 0) return p.string() + " is not readable by this user";
  return {};
}

// A directory start-up reads.
std::string dir_problem(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_directory(p, ec)) return p.string() + " is not a directory";
  return {};
}

// A file start-up creates when absent and may rewrite (the store, key files, the log): when it
// exists it must be a readable and writable regular file; else its directory must exist and be
// writable (nothing creates missing directories, so a typo in a path fails here, not later).
std::string writable_file_problem(const fs::path& p) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(p, ec))) {
    if (auto problem = file_problem(p); !problem.empty()) return problem;
    if (::access(p.c_str(), W_OK) != 0) return p.string() + " is not writable by this user";
    return {};
  }
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) return "the directory of " + p.string() + " does not exist";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return "cannot create " + p.string() + ": its directory is not writable";
  return {};
}

void check(core::config_section section, std::string_view key, const std::string& problem) {
  if (!problem.empty()) section.error(key, problem);
}

void check_log(core::config& cfg, const settings& s) {
  if (!s.log.file.empty()) check(cfg.section("log"), "file", writable_file_problem(s.log.file));
}

void check_net(core::config& cfg, const settings& s) {
  auto section = cfg.section("net");
  for (std::size_t i = 0; i < s.net.listeners.size(); ++i) {
    check(section, "listeners[" + std::to_string(i) + "].tls_cert_file", net::check_server_tls(s.net.listeners[i]));
  }
  const auto& c = s.net.client;
  if (!c.ca_file.empty() || !c.client_cert_file.empty()) {
    check(section.section("client"), "ca_file", net::check_client_tls(c));
  }
}

// The root key and the erasure secrets: what the store and the channel's signing keys need.
void check_crypto(core::config& cfg, const settings& s) {
  if (!needs_store(s)) return;
  auto section = cfg.section("crypto");
  if (auto root = crypto::load_root_key(s.crypto, core::process_environment()); !root) {
    if (root.error() == crypto::errc::invalid_argument) {
      section.error("root_key_file", "the store needs a root key: set root_key_file or root_key_env");
    } else if (!s.crypto.root_key_file.empty()) {
      section.error("root_key_file", s.crypto.root_key_file + ": " + root.error().message());
    } else {
      section.error("root_key_env", "$" + s.crypto.root_key_env + ": " + root.error().message());
    }
  }
  if (s.crypto.erasure_secrets_file.empty()) {
    section.error("erasure_secrets_file", "is required by the store (a file outside the database)");
    return;
  }
  std::error_code ec;
  if (fs::exists(fs::symlink_status(s.crypto.erasure_secrets_file, ec))) {
    if (auto loaded = crypto::erasure_secrets::load_file(s.crypto.erasure_secrets_file); !loaded) {
      section.error("erasure_secrets_file", s.crypto.erasure_secrets_file + ": " + loaded.error().message());
    }
  } else {
    check(section, "erasure_secrets_file", writable_file_problem(s.crypto.erasure_secrets_file));
  }
}

void check_store(core::config& cfg, const settings& s) {
  if (!needs_store(s) || s.store.backend != store::backend_kind::sqlite) return;
  auto section = cfg.section("store").section("sqlite");
  check(section, "path", writable_file_problem(s.store_sqlite.path));
  const auto keys =
      s.store_sqlite.keys_path.empty() ? store::sqlite::keys_path_for(s.store_sqlite.path) : s.store_sqlite.keys_path;
  check(section, "keys_path", writable_file_problem(keys));
}

void check_channel(core::config& cfg, const settings& s) {
  if (s.channel.bots.empty()) return;
  check(cfg.section("jose"), "key_file", writable_file_problem(s.jose.key_file));
  auto section = cfg.section("channel");
  for (std::size_t i = 0; i < s.channel.bots.size(); ++i) {
    const auto& b = s.channel.bots[i];
    if (b.endpoint != channel::in_process_endpoint) continue;
    if (!s.bot || s.bot->id != b.id || s.bot->tenant != b.tenant) {
      section.error("bots[" + std::to_string(i) + "].endpoint",
                    "\"in-process\" needs a \"bot\" listener and a [bot] with id " + b.id + " and tenant " + b.tenant);
    }
  }
}

void check_bot(core::config& cfg, const settings& s) {
  if (!s.bot) return;
  auto section = cfg.section("bot");
  if (auto problem = file_problem(s.bot->assistant); !problem.empty()) {
    section.error("assistant", problem);
    return;
  }
  const auto loaded = assistant::load_definition_file(s.bot->assistant);
  for (const auto& e : loaded.errors) section.error("assistant", e);
}

void check_login(core::config& cfg, const settings& s) {
  for (std::size_t i = 0; i < s.login.tenants.size(); ++i) {
    const auto& c = s.login.tenants[i].http;
    if (c.ca_file.empty() && c.client_cert_file.empty()) continue;
    check(cfg.section("login"), "tenants[" + std::to_string(i) + "].ca_file", net::check_client_tls(c));
  }
}

void check_desk(core::config& cfg, const settings& s) {
  if (!has_listener(s.net, "desk")) return;
  auto section = cfg.section("desk");
  if (!s.desk.app_dir.empty()) check(section, "app_dir", dir_problem(s.desk.app_dir));
  if (!s.desk.ca_file.empty()) check(section, "ca_file", file_problem(s.desk.ca_file));
}

void check_audit(core::config& cfg, const settings& s) {
  if (needs_store(s)) check(cfg.section("audit"), "key_file", writable_file_problem(s.audit.key_file));
}

void resolve(const fs::path& base, std::string& p) {
  p = resolve_path(base, p);
}

void resolve_client(const fs::path& base, net::client_options& c) {
  resolve(base, c.ca_file);
  resolve(base, c.client_cert_file);
}

}  // namespace

std::string resolve_path(const fs::path& config_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (config_dir / path).lexically_normal().string();
}

void resolve_paths(settings& s, const fs::path& base) {
  resolve(base, s.log.file);
  for (auto& l : s.net.listeners) resolve(base, l.tls_cert_file);
  resolve_client(base, s.net.client);
  resolve(base, s.crypto.root_key_file);
  resolve(base, s.crypto.erasure_secrets_file);
  resolve(base, s.jose.key_file);
  resolve(base, s.store_sqlite.path);
  resolve(base, s.store_sqlite.keys_path);
  for (auto& t : s.login.tenants) resolve_client(base, t.http);
  if (s.bot) resolve(base, s.bot->assistant);
  resolve(base, s.desk.app_dir);
  resolve(base, s.desk.ca_file);
  resolve(base, s.audit.key_file);
}

bool needs_store(const settings& s) {
  return !s.channel.bots.empty() || s.bot.has_value() || has_listener(s.net, "desk");
}

void check_startup(core::config& cfg, const settings& s) {
  check_log(cfg, s);
  check_net(cfg, s);
  check_crypto(cfg, s);
  check_store(cfg, s);
  check_channel(cfg, s);
  check_bot(cfg, s);
  check_login(cfg, s);
  check_desk(cfg, s);
  check_audit(cfg, s);
}

std::optional<checked_settings> load_checked_settings(const std::string& config_file) {
  checked_settings out;
  out.cfg = core::config::load_file(config_file, core::process_environment());
  out.s = read_settings(*out.cfg);
  // Files are checked on a configuration that parsed: a bad value would give a misleading second error.
  if (out.cfg->ok()) {
    resolve_paths(out.s, out.cfg->base_dir());
    check_startup(*out.cfg, out.s);
  }
  if (!out.cfg->ok()) {
    for (const auto& e : out.cfg->errors()) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "parley: %s: %zu problem(s)\n", config_file.c_str(), out.cfg->errors().size());
    return std::nullopt;
  }
  return out;
}

}  // namespace parley::app
