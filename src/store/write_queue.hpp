// Private: the store's writer threads and group commit. Callers submit write operations from any
// thread; each writer thread takes everything queued (up to max_batch), runs it in one
// transaction through the `process` function (encrypted_store decides how: savepoints, bulk
// appends) and commits once, so N concurrent writes cost one commit (one fsync on SQLite). Then
// every operation learns whether its transaction committed and delivers its result.
//
// Thread-safety: submit() may be called concurrently; stop() once, from one thread.
#pragma once

#include <parley/store/backend.hpp>
#include <parley/store/writer_stats.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

namespace parley::store::detail {

class append_op;

/// One queued write. The writer calls run() (or batches appends), then finish() exactly once.
class write_op {
 public:
  virtual ~write_op() = default;
  /// Runs inside the batch transaction; records its own outcome.
  virtual void run(session& s) = 0;
  /// True if the outcome is an error (its savepoint is then rolled back).
  [[nodiscard]] virtual bool failed() const = 0;
  /// Overrides the outcome: its writes were undone after all.
  virtual void fail(error_code e) = 0;
  /// After the transaction, with how far its commit got (none: rolled back or never began).
  virtual void finish(commit_outcome outcome) = 0;
  /// Appends are run together, in bulk; everything else one by one.
  virtual append_op* as_append() noexcept { return nullptr; }
  /// The tenant whose audit-chain head the op locks (audit appends and checkpoints), else empty.
  /// The batch runs those first, in tenant order, so that every writer of every process takes
  /// head locks in one global order (ADR 0014: no deadlock between them).
  [[nodiscard]] virtual std::string_view audit_tenant() const noexcept { return {}; }
};

using write_counters = writer_stats;

class write_queue {
 public:
  using process_fn = std::function<void(session&, std::span<const std::unique_ptr<write_op>>)>;

  write_queue(backend& db, unsigned threads, std::size_t max_batch, process_fn process,
              std::shared_ptr<spdlog::logger> log);
  ~write_queue();
  write_queue(const write_queue&) = delete;
  write_queue& operator=(const write_queue&) = delete;

  /// Queues `op`; after stop() it is finished at once as not committed (commit_outcome::none).
  void submit(std::unique_ptr<write_op> op);
  /// Lets the writers finish their current batch, fails what is still queued, joins them.
  void stop();
  /// A snapshot of the counters.
  [[nodiscard]] write_counters counters() const;

 private:
  using clock = std::chrono::steady_clock;
  void writer_loop(unsigned index);
  void count(std::size_t ops, clock::time_point started, clock::time_point committing);
  std::vector<std::unique_ptr<write_op>> take();

  backend& db_;
  std::size_t max_batch_;
  process_fn process_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  write_counters counters_;
  std::deque<std::unique_ptr<write_op>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace parley::store::detail
