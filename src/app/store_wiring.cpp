#include "store_wiring.hpp"

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

std::string resolve(const fs::path& base, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (base / p).lexically_normal().string();
}

void print_open_error(error_code e, const settings& s) {
  const char* what = "cannot open the store";
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
  const auto base = cfg->base_dir();
  s.crypto.root_key_file = resolve(base, s.crypto.root_key_file);
  s.crypto.erasure_secrets_file = resolve(base, s.crypto.erasure_secrets_file);
  s.store_sqlite.path = resolve(base, s.store_sqlite.path);
  s.store_sqlite.keys_path = resolve(base, s.store_sqlite.keys_path);
  s.audit.key_file = resolve(base, s.audit.key_file);
  return s;
}

std::optional<settings> demo_settings(const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec || ::chmod(data_dir.c_str(), 0700) != 0) {
    std::fprintf(stderr, "parley: cannot create the data directory %s\n", data_dir.c_str());
    return std::nullopt;
  }
  settings s;
  s.crypto.root_key_file = (data_dir / "root.key").string();
  s.crypto.erasure_secrets_file = (data_dir / "erasure.secrets").string();
  s.store_sqlite.path = (data_dir / "parley.db").string();
  s.store_sqlite.keys_path = (data_dir / "parley-keys.db").string();
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

std::unique_ptr<store::encrypted_store> open_store(const settings& s, bool migrate) {
  if (s.crypto.erasure_secrets_file.empty()) {
    std::fprintf(stderr, "parley: [crypto] erasure_secrets_file is required by the store\n");
    return nullptr;
  }
  auto root = crypto::load_root_key(s.crypto, core::process_environment());
  if (!root) {
    std::fprintf(stderr, "parley: cannot load the root key (%s): %s\n",
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
  auto opened = store::encrypted_store::open(std::move(*backend), std::move(*root), s.crypto.erasure_secrets_file, opts);
  if (!opened) {
    print_open_error(opened.error(), s);
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace parley::app
