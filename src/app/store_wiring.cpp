#include "store_wiring.hpp"

#include "integrity_relay.hpp"
#include "store_timing.hpp"
#include "startup_checks.hpp"

#include <parley/crypto/error.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#ifdef PARLEY_WITH_POSTGRES
#include <parley/store/postgres/postgres_backend.hpp>
#endif

#include <sys/stat.h>

#include <cstdio>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

void print_open_error(error_code e, const settings& s) {
  const char* what = "cannot open the store";
  if (e == store::errc::key_retired) {
    std::fprintf(stderr,
                 "parley: store: the root key matches, but no tenant key of this database opens: their erasure "
                 "secrets are not in %s. This database is a copy older than a tenant-key rotation (or than the "
                 "upgrade to erasure subjects), or that file is not this installation's; nothing was changed\n",
                 s.crypto.erasure_secrets_file.c_str());
    return;
  }
  if (e == store::errc::stale_erasure_secrets) {
    std::fprintf(stderr,
                 "parley: store: the erasure secrets file %s does not fit this database: it belongs to another "
                 "installation, or it is older than the database (restored from a backup?) and would make erased "
                 "conversations readable again; use the current file (details in the log above); nothing was "
                 "changed\n",
                 s.crypto.erasure_secrets_file.c_str());
    return;
  }
  if (e == store::errc::corrupt) {
    std::fprintf(stderr,
                 "parley: store: the tenant keys fail their integrity check (tampered with?); details in the "
                 "log above; nothing was changed\n");
    return;
  }
  if (e == store::errc::wrong_root_key) {
    std::fprintf(stderr,
                 "parley: store: the root key does not match this database (another key, or a rotated one: check "
                 "[crypto] root_key_file/root_key_env and root_key_version = %u); nothing was changed\n",
                 s.crypto.root_key_version);
    return;
  }
  if (e == store::errc::unavailable) what = "the database cannot be opened or reached (details in the log above)";
  if (e == store::errc::invalid_argument) {
    what = "the database does not fit this build or this key database (details in the log above); nothing was changed";
  }
  if (e.category() == crypto::crypto_category()) {
    std::fprintf(stderr, "parley: store: erasure secrets file %s: %s\n", s.crypto.erasure_secrets_file.c_str(),
                 e.message().c_str());
    return;
  }
  std::fprintf(stderr, "parley: store: %s\n", what);
}

}  // namespace

std::optional<settings> load_settings(const std::string& config_file) {
  auto cfg = core::config::load_file(config_file, core::process_environment());
  auto s = read_settings(*cfg);
  if (!cfg->ok()) {
    for (const auto& e : cfg->errors()) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "parley: %s: %zu problem(s)\n", config_file.c_str(), cfg->errors().size());
    return std::nullopt;
  }
  resolve_paths(s, cfg->base_dir());
  return s;
}

fs::path default_erasure_dir(const fs::path& data_dir) {
  auto dir = data_dir.lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "data/" -> "data"
  return dir.parent_path() / (dir.filename().string() + "-erasure");
}

namespace {

bool private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  return !ec && ::chmod(dir.c_str(), 0700) == 0;
}

// An erasure-secrets file that an earlier build kept beside the database goes to its own place.
bool move_old_erasure_secrets(const fs::path& data_dir, const fs::path& to) {
  const auto old_file = data_dir / "erasure.secrets";
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(old_file, ec)) || fs::exists(fs::symlink_status(to, ec))) return true;
  fs::rename(old_file, to, ec);
  if (ec) {  // another filesystem: copy, then remove
    fs::copy_file(old_file, to, ec);
    if (ec) return false;
    fs::remove(old_file, ec);
  }
  fs::remove(data_dir / "erasure.secrets.lock", ec);
  std::fprintf(stderr, "parley: moved the erasure secrets out of the data directory, to %s\n", to.c_str());
  return true;
}

}  // namespace

std::optional<settings> demo_settings(const fs::path& data_dir, const fs::path& erasure_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec || ::chmod(data_dir.c_str(), 0700) != 0) {
    std::fprintf(stderr, "parley: cannot create the data directory %s\n", data_dir.c_str());
    return std::nullopt;
  }
  const fs::path erasure = erasure_dir.empty() ? default_erasure_dir(data_dir) : erasure_dir;
  if (!private_dir(erasure)) {
    std::fprintf(stderr, "parley: cannot create the erasure-secrets directory %s\n", erasure.c_str());
    return std::nullopt;
  }
  settings s;
  s.crypto.root_key_file = (data_dir / "root.key").string();
  s.crypto.erasure_secrets_file = (erasure / "erasure.secrets").string();
  s.store_sqlite.path = (data_dir / "parley.db").string();
  s.store_sqlite.keys_path = (data_dir / "parley-keys.db").string();
  if (!move_old_erasure_secrets(data_dir, s.crypto.erasure_secrets_file)) {
    std::fprintf(stderr, "parley: cannot move %s to %s\n", (data_dir / "erasure.secrets").c_str(),
                 s.crypto.erasure_secrets_file.c_str());
    return std::nullopt;
  }
  s.audit.key_file = (data_dir / "audit-keys.json").string();
  if (!fs::exists(fs::symlink_status(s.crypto.root_key_file))) {
    // First start of the demo: a root key of its own, beside the data (fine for a demo only).
    auto created = crypto::root_key::create_file(s.crypto.root_key_file);
    if (!created) {
      std::fprintf(stderr, "parley: cannot create the root key %s: %s\n", s.crypto.root_key_file.c_str(),
                   created.error().message().c_str());
      return std::nullopt;
    }
    std::fprintf(stderr, "parley: created root key %s (mode 0600)\n", s.crypto.root_key_file.c_str());
  }
  return s;
}

std::string erasure_secrets_placement_problem(const settings& s) {
  if (s.crypto.erasure_secrets_file.empty() || s.store.backend != store::backend_kind::sqlite) return {};
  auto absolute = [](const std::string& p) {
    std::error_code ec;
    auto a = fs::weakly_canonical(fs::absolute(p, ec), ec);
    return ec ? fs::path(p).lexically_normal() : a;
  };
  const auto secrets_dir = absolute(s.crypto.erasure_secrets_file).parent_path();
  for (const auto& db : {s.store_sqlite.path, s.store_sqlite.keys_path}) {
    if (db.empty()) continue;
    const auto db_dir = absolute(db).parent_path();
    // The deepest directory holding both (by path components).
    fs::path common;
    auto a = secrets_dir.begin();
    auto b = db_dir.begin();
    for (; a != secrets_dir.end() && b != db_dir.end() && *a == *b; ++a, ++b) common /= *a;
    if (common.empty() || common == common.root_path()) continue;
    if (common == db_dir) {
      return "the erasure secrets file " + s.crypto.erasure_secrets_file + " is inside the database's directory " +
             db_dir.string() + ": a backup of that directory takes both, and erasure no longer reaches it";
    }
    return "the erasure secrets file " + s.crypto.erasure_secrets_file + " and the database " + db +
           " share the directory tree " + common.string() +
           ": a backup of that tree would take both (erasure would not reach it); keep the erasure secrets apart";
  }
  return {};
}

std::unique_ptr<store::encrypted_store> open_store(const settings& s, bool migrate) {
  if (s.crypto.erasure_secrets_file.empty()) {
    std::fprintf(stderr, "parley: [crypto] erasure_secrets_file is required by the store\n");
    return nullptr;
  }
  auto root = crypto::load_root_key(s.crypto, core::process_environment());
  if (!root) {
    std::fprintf(
        stderr, "parley: cannot load the root key (%s): %s\n",
        s.crypto.root_key_file.empty() ? ("$" + s.crypto.root_key_env).c_str() : s.crypto.root_key_file.c_str(),
        root.error() == crypto::errc::invalid_argument ? "set [crypto] root_key_file or root_key_env"
                                                       : root.error().message().c_str());
    return nullptr;
  }
  result<std::unique_ptr<store::backend>> backend = make_error_code(store::errc::unavailable);
  if (s.store.backend == store::backend_kind::sqlite) {
    backend = store::sqlite::open(s.store_sqlite);
  } else {
#ifdef PARLEY_WITH_POSTGRES
    backend = store::postgres::open(s.store_postgres);
#endif
  }
  if (!backend) {
    print_open_error(backend.error(), s);
    return nullptr;
  }
  auto opts = s.store;
  opts.migrate_on_open = opts.migrate_on_open || migrate;
  store::store_dependencies deps;
  deps.on_integrity_failure = [](const store::integrity_failure& f) { integrity_relay::process().report(f); };
  deps.on_operation = [](std::string_view op, std::chrono::steady_clock::duration d) {
    store_timing::process().observe(op, d);
  };
  auto opened = store::encrypted_store::open(std::move(*backend), std::move(*root), s.crypto.erasure_secrets_file, opts,
                                             std::move(deps));
  if (!opened) {
    print_open_error(opened.error(), s);
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace parley::app
