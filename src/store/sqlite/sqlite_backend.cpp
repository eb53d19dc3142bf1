#include "sqlite_schema.hpp"
#include "sqlite_session.hpp"

#include <parley/core/log.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <vector>

namespace parley::store::sqlite {
namespace {

using detail::connection;
using detail::connection_pair;

class sqlite_backend final : public store::backend {
 public:
  sqlite_backend(options o, std::shared_ptr<spdlog::logger> log) : o_(std::move(o)), log_(std::move(log)) {
    if (o_.keys_path.empty()) o_.keys_path = keys_path_for(o_.path);
    if (o_.synchronous == synchronous_mode::normal) {
      log_->warn("sqlite: synchronous = \"normal\": acknowledged writes survive a crash of the process, "
                 "not a power loss");
    }
  }

  ~sqlite_backend() override {
    // Read-only connections cannot checkpoint: close them first, then let a writable connection
    // be the last to close, so that the WAL is folded into the files and removed.
    idle_.clear();
    if (auto pair = open_pair(false)) {
      (void)(*pair)->data->exec("PRAGMA wal_checkpoint(TRUNCATE)");
      (void)(*pair)->keys->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  }

  std::string_view name() const noexcept override { return "sqlite"; }
  int latest_schema_version() const noexcept override {
    return std::min(detail::data_migrations().back().version, detail::key_migrations().back().version);
  }
  unsigned max_writers() const noexcept override { return 1; }

  result<void> create_files() {
    auto pair = open_pair(false);
    if (!pair) return pair.error();
    return {};
  }

  result<int> schema_version() override {
    auto pair = open_pair(true);
    if (!pair) return pair.error();
    auto d = user_version(*(*pair)->data);
    auto k = user_version(*(*pair)->keys);
    if (!d) return d.error();
    if (!k) return k.error();
    return std::min(*d, *k);
  }

  result<int> migrate() override {
    auto pair = open_pair(false);
    if (!pair) return pair.error();
    if (auto r = migrate_file(*(*pair)->keys, detail::key_migrations(), "key file"); !r) return r.error();
    if (auto r = migrate_file(*(*pair)->data, detail::data_migrations(), "data file"); !r) return r.error();
    return latest_schema_version();
  }

  result<std::unique_ptr<store::session>> read_session() override {
    std::unique_ptr<connection_pair> pair;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        pair = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!pair) {
      auto opened = open_pair(true);
      if (!opened) return opened.error();
      pair = std::move(*opened);
    }
    return std::unique_ptr<store::session>(std::make_unique<detail::sqlite_session>(
        std::move(pair), [this](std::unique_ptr<connection_pair> p) { give_back(std::move(p)); }, log_));
  }

  result<std::unique_ptr<store::session>> write_session() override {
    auto pair = open_pair(false);
    if (!pair) return pair.error();
    return std::unique_ptr<store::session>(
        std::make_unique<detail::sqlite_session>(std::move(*pair), nullptr, log_));
  }

 private:
  result<std::unique_ptr<connection_pair>> open_pair(bool read_only) {
    detail::connection_options co;
    co.read_only = read_only;
    co.busy_timeout = o_.busy_timeout;
    co.wal_autocheckpoint = o_.wal_autocheckpoint;
    co.synchronous_full = o_.synchronous == synchronous_mode::full;
    auto pair = std::make_unique<connection_pair>();
    auto data = connection::open(o_.path, co, log_);
    if (!data) return data.error();
    auto keys = connection::open(o_.keys_path, co, log_);
    if (!keys) return keys.error();
    pair->data = std::move(*data);
    pair->keys = std::move(*keys);
    return pair;
  }

  void give_back(std::unique_ptr<connection_pair> p) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < o_.readers) idle_.push_back(std::move(p));
  }

  result<int> user_version(connection& c) {
    auto st = c.prepare("PRAGMA user_version");
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    return *row ? static_cast<int>(st->int64(0)) : 0;
  }

  result<int> migrate_file(connection& c, std::span<const detail::migration> steps, std::string_view what) {
    auto current = user_version(c);
    if (!current) return current.error();
    if (*current > steps.back().version) {
      log_->error("sqlite: {} has schema version {}, newer than this build ({})", what, *current,
                  steps.back().version);
      return make_error_code(errc::invalid_argument);
    }
    for (const auto& m : steps) {
      if (m.version <= *current) continue;
      // One transaction per version: a failed migration leaves the previous version intact.
      if (auto r = c.exec("BEGIN IMMEDIATE"); !r) return r.error();
      const std::string bump = "PRAGMA user_version=" + std::to_string(m.version);
      auto r = c.exec(m.sql);
      if (r && sqlite3_exec(c.handle(), bump.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        r = c.fail(sqlite3_errcode(c.handle()), "user_version");
      }
      if (r) r = c.exec("COMMIT");
      if (!r) {
        (void)c.exec("ROLLBACK");
        return r.error();
      }
      log_->info("sqlite: {} migrated to schema version {}", what, m.version);
    }
    return steps.back().version;
  }

  options o_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<connection_pair>> idle_;
};

}  // namespace

std::string keys_path_for(const std::string& path) {
  std::filesystem::path p(path);
  auto stem = p.stem().string();
  auto ext = p.extension().string();
  if (ext.empty()) ext = ".db";
  return (p.parent_path() / (stem + "-keys" + ext)).string();
}

options parse_options(core::config_section s) {
  options o;
  o.path = s.string("path", o.path);
  o.keys_path = s.string("keys_path", o.keys_path);
  o.busy_timeout = s.duration("busy_timeout", o.busy_timeout);
  o.readers = static_cast<unsigned>(s.integer("readers", o.readers, 1, 64));
  const auto sync = s.string("synchronous", "full");
  if (sync == "normal") {
    o.synchronous = synchronous_mode::normal;
  } else if (sync != "full") {
    s.error("synchronous", "must be \"full\" or \"normal\"");
  }
  if (o.path.empty()) s.error("path", "must not be empty");
  if (!o.keys_path.empty() && o.keys_path == o.path) s.error("keys_path", "must differ from path");
  s.finish();
  return o;
}

result<std::unique_ptr<store::backend>> open(const options& opts, std::shared_ptr<spdlog::logger> log) {
  auto b = std::make_unique<sqlite_backend>(opts, log ? std::move(log) : core::logger("store"));
  // Creates both files (and switches them to WAL) so that read-only connections can open them.
  if (auto r = b->create_files(); !r) return r.error();
  return std::unique_ptr<store::backend>(std::move(b));
}

}  // namespace parley::store::sqlite
