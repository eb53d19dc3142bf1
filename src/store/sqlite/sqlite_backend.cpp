#include "sqlite_schema.hpp"
#include "sqlite_session.hpp"

#include <parley/core/log.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace parley::store::sqlite {
namespace {

using detail::connection;
using detail::connection_pair;

// Checkpoints the data file's WAL on a thread of its own. SQLite's automatic checkpoint runs in
// the committing connection, so one group commit in a few also copied the WAL into the data file
// and fsynced it while every appender waited; here the writer's commit only signals when the WAL
// has grown past the threshold. PASSIVE: never blocks the writer or readers; what it cannot copy
// yet (a reader still needs it) is copied next time.
class checkpointer {
 public:
  checkpointer(std::unique_ptr<connection> c, int threshold_pages)
      : conn_(std::move(c)), threshold_(threshold_pages), thread_([this] { loop(); }) {}
  ~checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  /// Makes `writer` signal this checkpointer after its commits (replaces its automatic checkpoint).
  void watch(connection& writer) { sqlite3_wal_hook(writer.handle(), &checkpointer::on_commit, this); }

 private:
  static int on_commit(void* self, sqlite3*, const char*, int wal_pages) {
    auto* c = static_cast<checkpointer*>(self);
    if (wal_pages >= c->threshold_) {
      {
        std::lock_guard lock(c->mutex_);
        c->pending_ = true;
      }
      c->wake_.notify_one();
    }
    return SQLITE_OK;
  }

  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return pending_ || stopping_; });
      if (stopping_) return;
      pending_ = false;
      lock.unlock();
      const int rc = sqlite3_wal_checkpoint_v2(conn_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) (void)conn_->fail(rc, "wal_checkpoint(PASSIVE)");
      lock.lock();
    }
  }

  std::unique_ptr<connection> conn_;
  int threshold_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

class sqlite_backend final : public store::backend {
 public:
  sqlite_backend(options o, std::shared_ptr<spdlog::logger> log) : o_(std::move(o)), log_(std::move(log)) {
    if (o_.keys_path.empty()) o_.keys_path = keys_path_for(o_.path);
    if (o_.synchronous == synchronous_mode::normal) {
      log_->warn(
          "sqlite: synchronous = \"normal\": acknowledged writes survive a crash of the process, "
          "not a power loss");
    }
  }

  ~sqlite_backend() override {
    // Read-only connections cannot checkpoint: close them first, then let a writable connection
    // be the last to close, so that the WAL is folded into the files and removed.
    checkpointer_.reset();
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
    // Owner-only, like the keys (the files hold ciphertext and the metadata in clear): created
    // 0600 before SQLite opens them; the write-ahead log and its index inherit the mode. Files
    // from earlier builds are tightened.
    for (const auto& base : {o_.path, o_.keys_path}) {
      if (auto r = private_file(base); !r) return r;
      for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        const std::string extra = base + suffix;
        struct stat st {};
        if (::lstat(extra.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0) {
          if (::chmod(extra.c_str(), 0600) != 0) return fail_file(extra);
        }
      }
    }
    auto pair = open_pair(false);
    if (!pair) return pair.error();
    if (o_.wal_autocheckpoint > 0) {
      detail::connection_options co;
      co.busy_timeout = o_.busy_timeout;
      co.synchronous_full = o_.synchronous == synchronous_mode::full;
      auto c = connection::open(o_.path, co, log_);
      if (!c) return c.error();
      checkpointer_ = std::make_unique<checkpointer>(std::move(*c), o_.wal_autocheckpoint);
    }
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

  result<int> migrate(int up_to) override {
    auto pair = open_pair(false);
    if (!pair) return pair.error();
    const int target = up_to == 0 ? latest_schema_version() : up_to;
    if (auto r = migrate_file(*(*pair)->keys, detail::key_migrations(), "key file", target); !r) return r.error();
    if (auto r = migrate_file(*(*pair)->data, detail::data_migrations(), "data file", target); !r) return r.error();
    return target;
  }

  int upgrade_barrier() const noexcept override { return detail::upgrade_barrier(); }

  result<void> reclaim() override {
    // secure_delete has zeroed the erased cells in the pages; the write-ahead log still holds
    // the pages as they were before. A TRUNCATE checkpoint copies the log into the files and
    // empties it. It waits for readers (busy timeout); another checkpoint running at the same
    // moment (the checkpointer thread) makes it fail at once with SQLITE_BUSY: tried again.
    std::lock_guard serial(reclaim_mutex_);
    auto pair = open_pair(false);
    if (!pair) return pair.error();
    for (auto* c : {(*pair)->data.get(), (*pair)->keys.get()}) {
      const auto deadline = std::chrono::steady_clock::now() + o_.busy_timeout;
      for (;;) {
        int log_frames = 0;
        int done = 0;
        const int rc = sqlite3_wal_checkpoint_v2(c->handle(), "main", SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &done);
        if (rc == SQLITE_OK) break;
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return c->fail(rc, "wal_checkpoint(TRUNCATE)");
        if (std::chrono::steady_clock::now() >= deadline) return c->fail(rc, "wal_checkpoint(TRUNCATE)");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return {};
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
    if (checkpointer_) checkpointer_->watch(*(*pair)->data);
    return std::unique_ptr<store::session>(std::make_unique<detail::sqlite_session>(std::move(*pair), nullptr, log_));
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

  result<void> private_file(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) return fail_file(path);
      if ((st.st_mode & 0077) != 0 && ::chmod(path.c_str(), 0600) != 0) return fail_file(path);
      return {};
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return errno == EEXIST ? private_file(path) : fail_file(path);
    const bool ok = ::fchmod(fd, 0600) == 0;
    ::close(fd);
    if (!ok) return fail_file(path);
    return {};
  }

  error_code fail_file(const std::string& path) {
    log_->error("sqlite: {} must be a regular file this process can make private (mode 0600)", path);
    return errc::unavailable;
  }

  result<int> migrate_file(connection& c, std::span<const detail::migration> steps, std::string_view what, int target) {
    auto current = user_version(c);
    if (!current) return current.error();
    if (*current > steps.back().version) {
      log_->error("sqlite: {} has schema version {}, newer than this build ({})", what, *current, steps.back().version);
      return make_error_code(errc::invalid_argument);
    }
    for (const auto& m : steps) {
      if (m.version <= *current) continue;
      if (m.version > target) break;
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
    return std::min(target, steps.back().version);
  }

  options o_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<connection_pair>> idle_;
  std::unique_ptr<checkpointer> checkpointer_;  // null when automatic checkpoints are off
  std::mutex reclaim_mutex_;
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
