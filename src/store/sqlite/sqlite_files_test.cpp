// SQLite-specific tests: what is in the files and the WAL, older copies of the data file after an
// erasure, kill -9 during appends, and a full disk.
#include "sqlite_test_env.hpp"

#include <parley/store/encrypted_store.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>

extern char** environ;

namespace parley::store::sqlite {
namespace {

using store::testing::run;
namespace fs = std::filesystem;

time_point at(int s) {
  return time_point{} + std::chrono::seconds(1'800'000'000 + s);
}

class SqliteFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_file_ = env_.dir() / "root.key";
    ASSERT_TRUE(crypto::root_key::create_file(root_file_));
  }

  crypto::root_key root() { return std::move(*crypto::root_key::load_file(root_file_, 1)); }
  fs::path secrets() { return env_.dir() / "erasure.secrets"; }

  result<std::unique_ptr<encrypted_store>> open_on(const std::string& data, const std::string& keys,
                                                   const fs::path& secrets_file) {
    sqlite::options o = env_.options();
    o.path = data;
    o.keys_path = keys;
    auto b = sqlite::open(o);
    if (!b) return b.error();
    return encrypted_store::open(std::move(*b), root(), secrets_file, store::options{});
  }
  std::unique_ptr<encrypted_store> open_store() {
    auto s = open_on(env_.options().path, env_.options().keys_path, secrets());
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }

  static void add(encrypted_store& s, const std::string& tenant, const std::string& conv, const std::string& user,
                  const std::string& text) {
    ASSERT_TRUE(run(s.ensure_tenant(tenant)));
    ASSERT_TRUE(run(s.create_conversation(tenant, conv, "bot", user)));
    ASSERT_TRUE(run(s.append_activity(tenant, conv, {"a1", at(1), "message", "user", text, std::nullopt})));
  }

  sqlite::testing::sqlite_env env_;
  fs::path root_file_;
};

TEST_F(SqliteFiles, TheWalBeforeCheckpointHoldsOnlyCiphertext) {
  auto s = open_store();
  add(*s, "bankx", "c1", "dl_MARKER_WAL_USER", R"({"text":"MARKER_WAL_BODY"})");
  ASSERT_TRUE(run(s->put_bot_state("bankx", "c1", "MARKER_WAL_STATE", std::nullopt)));
  ASSERT_TRUE(run(s->put_attachment("bankx", "c1", {"text/plain", "MARKER_WAL_NAME", "MARKER_WAL_BYTES"})));
  // The store is open and has not checkpointed (wal_autocheckpoint = 0): the data is in the WAL.
  const auto wal = sqlite::testing::read_whole_file(env_.options().path + "-wal");
  ASSERT_GT(wal.size(), 0u);
  EXPECT_NE(wal.find("a1"), std::string::npos) << "positive control: clear columns are in the WAL";
  for (const char* marker :
       {"MARKER_WAL_USER", "MARKER_WAL_BODY", "MARKER_WAL_STATE", "MARKER_WAL_NAME", "MARKER_WAL_BYTES"}) {
    EXPECT_FALSE(env_.storage_contains(marker)) << marker;
  }
  // And after the checkpoint (closing the store folds the WAL into the files), neither.
  s.reset();
  EXPECT_FALSE(fs::exists(env_.options().path + "-wal"));
  EXPECT_FALSE(fs::exists(env_.options().keys_path + "-wal"));
  EXPECT_TRUE(env_.storage_contains("a1"));
  EXPECT_FALSE(env_.storage_contains("MARKER_WAL_BODY"));
}

TEST_F(SqliteFiles, AnOlderCopyReadsWithTodaysKeysExceptWhatWasErased) {
  {
    auto s = open_store();
    add(*s, "bankx", "erased-conv", "dl_a", "erase me");
    add(*s, "bankx", "kept-conv", "dl_b", "keep me");
    add(*s, "bankx", "erased-user-conv", "dl_c", "erase my user");
    add(*s, "insurey", "other-tenant", "dl_d", "other tenant");
  }  // closed: checkpointed into the main files
  const fs::path copies = env_.dir() / "copies";
  fs::create_directories(copies);
  for (const char* name : {"old.db", "old2.db", "old3.db"}) fs::copy_file(env_.options().path, copies / name);
  fs::copy_file(env_.options().keys_path, copies / "old-keys.db");
  fs::copy_file(env_.options().keys_path, copies / "old-keys2.db");
  fs::copy_file(secrets(), copies / "old.secrets");

  {
    auto s = open_store();
    ASSERT_TRUE(run(s->erase_conversation("bankx", "erased-conv")));
    ASSERT_EQ(*run(s->erase_user("bankx", "dl_c")), 1u);
  }
  fs::copy_file(env_.options().keys_path, copies / "current-keys.db");

  // The whole old copy (data and key file) with today's root key and erasure secrets: everyone
  // but the erased reads (the tenant key did not change), and opening it finished the erasures.
  {
    auto s = open_on((copies / "old.db").string(), (copies / "old-keys.db").string(), secrets());
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(run((*s)->read_activities("bankx", "erased-conv", 0, 10)).error(), errc::not_found);
    EXPECT_EQ(run((*s)->read_activities("bankx", "erased-user-conv", 0, 10)).error(), errc::not_found);
    EXPECT_EQ(run((*s)->read_activities("bankx", "kept-conv", 0, 10))->activities.at(0).body, "keep me");
    EXPECT_EQ(run((*s)->get_conversation("bankx", "kept-conv"))->user_id, "dl_b");
    EXPECT_EQ(run((*s)->read_activities("insurey", "other-tenant", 0, 10))->activities.at(0).body, "other tenant");
  }
  EXPECT_EQ(sqlite::testing::read_whole_file(copies / "old.db").find("erase me"), std::string::npos);
  // The old data file with the current key file reads the same way.
  {
    auto s = open_on((copies / "old2.db").string(), (copies / "current-keys.db").string(), secrets());
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(run((*s)->get_conversation("bankx", "erased-conv")).error(), errc::not_found);
    EXPECT_EQ(run((*s)->read_activities("bankx", "kept-conv", 0, 10))->activities.at(0).body, "keep me");
  }
  // Control: with the erasure secrets as they were before the erasure, the old copy does open the
  // erased conversation. Destroying what derives its subject's secret is what made the difference.
  {
    auto s = open_on((copies / "old3.db").string(), (copies / "old-keys2.db").string(), copies / "old.secrets");
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(run((*s)->read_activities("bankx", "erased-conv", 0, 10))->activities.at(0).body, "erase me");
  }
}

TEST_F(SqliteFiles, DatabaseFilesAreOwnerOnly) {
  ::umask(022);
  auto s = open_store();
  add(*s, "bankx", "c1", "u", "x");
  for (const auto& f : env_.files()) {
    EXPECT_EQ(fs::status(f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << f;
  }
  s.reset();
  // Files of an earlier build (0644) are tightened when the store opens them.
  fs::permissions(env_.options().path,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  s = open_store();
  EXPECT_EQ(fs::status(env_.options().path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(SqliteFiles, DeletedRowsAreZeroedAndTheLogEmptiedAfterAnErasure) {
  auto s = open_store();
  add(*s, "bankx", "cMARKERERASED", "dl_x", "x");
  add(*s, "bankx", "cMARKERKEPT", "dl_y", "y");
  ASSERT_TRUE(env_.storage_contains("cMARKERERASED"));
  ASSERT_TRUE(run(s->erase_conversation("bankx", "cMARKERERASED")));
  ASSERT_TRUE(run(s->reclaim()));
  EXPECT_FALSE(env_.storage_contains("cMARKERERASED"));
  EXPECT_TRUE(env_.storage_contains("cMARKERKEPT"));
  // Control: the same delete without secure_delete leaves the row's bytes in the file, which is
  // why the store sets it explicitly rather than relying on how SQLite was built.
  s.reset();
  env_.exec("PRAGMA secure_delete = OFF; INSERT INTO tenants (tenant_id, created) VALUES ('tMARKERLEFT', 0);");
  env_.exec("PRAGMA wal_checkpoint(TRUNCATE); DELETE FROM tenants WHERE tenant_id = 'tMARKERLEFT';");
  env_.exec("PRAGMA wal_checkpoint(TRUNCATE);");
  EXPECT_TRUE(env_.storage_contains("tMARKERLEFT"));
}

TEST_F(SqliteFiles, AKeyFileOfAnotherInstallationIsRefused) {
  {
    auto s = open_store();
    add(*s, "bankx", "c1", "u", "x");
  }
  sqlite::testing::sqlite_env other;
  {
    auto b = sqlite::open(other.options());
    auto s = encrypted_store::open(std::move(*b), root(), other.dir() / "erasure.secrets", store::options{});
    ASSERT_TRUE(s);
  }
  EXPECT_EQ(open_on(env_.options().path, other.options().keys_path, secrets()).error(), errc::invalid_argument);
  // A missing key file next to existing data is refused too, instead of starting afresh.
  EXPECT_EQ(open_on(env_.options().path, (env_.dir() / "new-keys.db").string(), secrets()).error(),
            errc::invalid_argument);
  EXPECT_TRUE(open_store());
}

// Reads "<conversation> <seq>" lines from `fd` into `acked` until EOF.
void read_acks(int fd, std::map<std::string, std::set<std::uint64_t>>& acked, std::size_t stop_after,
               const std::function<void()>& on_enough) {
  std::string buffer;
  char chunk[4096];
  std::size_t lines = 0;
  bool signalled = false;
  for (;;) {
    const auto n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t pos;
    while ((pos = buffer.find('\n')) != std::string::npos) {
      std::istringstream line(buffer.substr(0, pos));
      buffer.erase(0, pos + 1);
      std::string conv;
      std::uint64_t seq = 0;
      if (line >> conv >> seq) acked[conv].insert(seq);
      if (++lines >= stop_after && !signalled) {
        signalled = true;
        on_enough();
      }
    }
  }
}

TEST_F(SqliteFiles, KillDuringAppendsLosesNothingAcknowledgedAndLeavesNoGap) {
  const std::vector<std::string> convs{"k1", "k2", "k3"};
  {
    auto s = open_store();
    ASSERT_TRUE(run(s->ensure_tenant("bankx")));
    for (const auto& c : convs) ASSERT_TRUE(run(s->create_conversation("bankx", c, "bot", "u")));
  }
  env_.close_raw();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<std::string> args{PARLEY_STORE_CRASH_CHILD, env_.options().path, env_.options().keys_path,
                                root_file_.string(),      secrets().string(),  "bankx"};
  args.insert(args.end(), convs.begin(), convs.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, PARLEY_STORE_CRASH_CHILD, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);

  std::map<std::string, std::set<std::uint64_t>> acked;
  // Kill it in the middle of a burst: after 600 acknowledged appends, with 48 appenders in flight.
  read_acks(pipe_fds[0], acked, 600, [child] { ::kill(child, SIGKILL); });
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited on its own: " << status;

  auto s = open_store();
  std::size_t total_acked = 0;
  for (const auto& c : convs) {
    auto page = run(s->read_activities("bankx", c, 0, 1000));
    ASSERT_TRUE(page);
    for (std::size_t k = 0; k < page->activities.size(); ++k) {
      EXPECT_EQ(page->activities[k].seq, k + 1) << c << ": gap";
      EXPECT_FALSE(page->activities[k].corrupt);
    }
    const auto stored = page->activities.size();
    for (auto seq : acked[c]) EXPECT_LE(seq, stored) << c << ": acknowledged seq " << seq << " lost";
    total_acked += acked[c].size();
    // Appending goes on from where the stored sequence ends.
    auto next = run(s->append_activity("bankx", c, {"after", at(2), "message", "user", "{}", std::nullopt}));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->seq, stored + 1);
  }
  EXPECT_GE(total_acked, 600u);
}

// Limits this process's file size (RLIMIT_FSIZE: works as root and in containers, unlike a tmpfs
// mount) so that the next WAL growth fails with EFBIG, as a full disk would with ENOSPC.
class file_size_limit {
 public:
  explicit file_size_limit(rlim_t bytes) {
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails instead of killing us
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit l = saved_;
    l.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &l);
  }
  ~file_size_limit() { lift(); }
  void lift() { ::setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

TEST_F(SqliteFiles, AFullDiskGivesUnavailableThenTheStoreRecovers) {
  auto s = open_store();
  ASSERT_TRUE(run(s->ensure_tenant("bankx")));
  ASSERT_TRUE(run(s->create_conversation("bankx", "c1", "bot", "u")));
  std::set<std::uint64_t> acked;
  const std::string body(16 * 1024, 'x');
  auto append = [&](int i) {
    return run(
        s->append_activity("bankx", "c1", {"a" + std::to_string(i), at(i), "message", "user", body, std::nullopt}));
  };
  for (int i = 0; i < 5; ++i) acked.insert(append(i)->seq);
  env_.close_raw();

  std::uintmax_t largest = 0;
  for (const auto& f : env_.files()) largest = std::max(largest, fs::file_size(f));
  int failures = 0;
  {
    file_size_limit limit(largest + 128 * 1024);
    for (int i = 5; i < 200 && failures < 3; ++i) {
      auto r = append(i);
      if (r) {
        acked.insert(r->seq);
      } else {
        EXPECT_EQ(r.error(), errc::unavailable);
        ++failures;
      }
    }
    // Reads still work while writes fail.
    EXPECT_TRUE(run(s->read_activities("bankx", "c1", 0, 5)));
  }
  ASSERT_GT(failures, 0) << "the limit never bit";

  // Space is back: the same store writes again, with no gap and nothing acknowledged lost.
  result<append_result> again = make_error_code(errc::unavailable);
  for (int attempt = 0; attempt < 5 && !again; ++attempt) again = append(1000 + attempt);
  ASSERT_TRUE(again) << again.error().message();
  acked.insert(again->seq);
  auto page = run(s->read_activities("bankx", "c1", 0, 1000));
  ASSERT_TRUE(page);
  for (std::size_t k = 0; k < page->activities.size(); ++k) {
    EXPECT_EQ(page->activities[k].seq, k + 1);
    EXPECT_FALSE(page->activities[k].corrupt);
  }
  for (auto seq : acked) EXPECT_LE(seq, page->activities.size());
  s.reset();
  s = open_store();
  EXPECT_EQ(run(s->read_activities("bankx", "c1", 0, 1000))->activities.size(), page->activities.size());
}

}  // namespace
}  // namespace parley::store::sqlite
