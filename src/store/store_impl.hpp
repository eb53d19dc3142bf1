// Private: the state behind encrypted_store and the helpers its operations share. The operations
// themselves live in store_reads.cpp, store_writes.cpp, store_appends.cpp and store_erase.cpp;
// the one-time upgrade of rows written before erasure subjects in store_upgrade.cpp, and the
// start-up reconciliation with the erasure secrets file in store_reconcile.cpp.
#pragma once

#include "async_bridge.hpp"
#include "key_ring.hpp"
#include "record_format.hpp"
#include "state_cache.hpp"
#include "write_queue.hpp"

#include <parley/store/encrypted_store.hpp>

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string_view>

namespace parley::store {

namespace detail {

/// What became of an operation's changes to the key tables.
enum class key_fate {
  committed,  ///< durable: finish what depends on them (destroy a superseded erasure secret)
  undone,     ///< certainly not durable: undo what was prepared outside the database
  unknown,    ///< the commit failed midway: leave everything (the next start reconciles)
};

/// The fate of an operation that returned `ok` in a transaction that ended with `c`.
[[nodiscard]] inline key_fate fate_of(commit_outcome c, bool ok) noexcept {
  if (!ok || c == commit_outcome::none) return key_fate::undone;  // its savepoint or the batch rolled back
  if (c == commit_outcome::unknown) return key_fate::unknown;
  return key_fate::committed;
}

/// A write operation with a typed outcome. `body` runs in the batch transaction; `after` (may be
/// empty) runs once the transaction's fate is known, before the caller is resumed.
template <class T>
class basic_op final : public write_op {
 public:
  using body_fn = std::function<result<T>(session&)>;
  using after_fn = std::function<void(key_fate fate, const result<T>& outcome)>;

  basic_op(body_fn body, completion_ptr<T> done, after_fn after = {})
      : body_(std::move(body)), after_(std::move(after)), done_(std::move(done)) {}

  void run(session& s) override {
    try {
      outcome_ = body_(s);
    } catch (...) {
      outcome_ = make_error_code(errc::unavailable);
    }
  }
  [[nodiscard]] bool failed() const override { return !outcome_.has_value(); }
  void fail(error_code e) override { outcome_ = e; }
  void finish(commit_outcome c) override {
    if (after_) after_(fate_of(c, outcome_.has_value()), outcome_);
    if (c != commit_outcome::all && outcome_) outcome_ = make_error_code(errc::unavailable);
    done_->complete(std::move(outcome_));
  }

 private:
  body_fn body_;
  after_fn after_;
  completion_ptr<T> done_;
  result<T> outcome_{make_error_code(errc::unavailable)};
};

/// One queued append; the writer runs consecutive appends together (store_appends.cpp).
class append_op final : public write_op {
 public:
  append_op(std::string tenant, std::string conversation, new_activity activity, completion_ptr<append_result> done)
      : tenant_id(std::move(tenant)),
        conversation_id(std::move(conversation)),
        activity(std::move(activity)),
        done_(std::move(done)) {}

  void run(session&) override {}  // never called: appends run in bulk
  [[nodiscard]] bool failed() const override { return !outcome.has_value(); }
  void fail(error_code e) override { outcome = e; }
  void finish(commit_outcome c) override {
    if (c != commit_outcome::all && outcome) outcome = make_error_code(errc::unavailable);
    done_->complete(std::move(outcome));
  }
  append_op* as_append() noexcept override { return this; }

  std::string tenant_id;
  std::string conversation_id;
  new_activity activity;
  result<append_result> outcome{make_error_code(errc::unavailable)};

 private:
  completion_ptr<append_result> done_;
};

/// A write's completion that reports its time (dependencies::on_operation) before passing the
/// result on.
template <class T>
class timed_completion final : public completion<T> {
 public:
  using hook = std::function<void(std::string_view, std::chrono::steady_clock::duration)>;
  timed_completion(completion_ptr<T> inner, hook h, std::chrono::steady_clock::time_point start)
      : inner_(std::move(inner)), hook_(std::move(h)), start_(start) {}
  void complete(result<T> r) override {
    hook_("write", std::chrono::steady_clock::now() - start_);
    inner_->complete(std::move(r));
  }

 private:
  completion_ptr<T> inner_;
  hook hook_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace detail

struct encrypted_store::impl {
  impl(std::unique_ptr<backend> backend, crypto::root_key root, std::filesystem::path secrets_file, const options& o,
       dependencies deps);
  ~impl();

  options opts;
  std::unique_ptr<backend> db;
  const core::clock& clock;
  core::random_source& rng;
  std::shared_ptr<spdlog::logger> log;
  detail::key_ring keys;
  detail::state_cache states;
  /// Stamps bot-state writes in the order their conversation's row lock was taken (state_cache).
  std::atomic<std::uint64_t> state_stamps{0};
  boost::asio::thread_pool pool;
  std::unique_ptr<detail::write_queue> writer;
  reconcile_report report;

  // Integrity failures: counted, and reported to the hook once per record (bounded memory).
  std::function<void(const integrity_failure&)> on_integrity;
  mutable std::mutex integrity_mutex;
  mutable std::set<std::string, std::less<>> integrity_seen;
  mutable std::deque<std::string> integrity_order;
  mutable std::atomic<std::uint64_t> integrity_count{0};
  /// Records a failure: logs it (ids only), counts it and tells the hook, once per record.
  void integrity(const integrity_failure& f) const;

  // Background reclaim after erasures (backend::reclaim): at most one queued at a time.
  std::atomic<bool> reclaim_queued{false};
  void schedule_reclaim();

  /// Start-up checks and migrations (encrypted_store::open).
  result<void> start();
  /// Tenant keys that do not open, named by cause (start-up).
  result<void> check_tenant_keys(const std::vector<tenant_key_row>& current);
  /// Upgrades every row written before erasure subjects, then rotates the tenants' keys once so
  /// that older copies holding unbound data keys lose them (store_upgrade.cpp).
  result<void> upgrade_legacy();
  /// Finishes erasures the database has not seen and keeps new subjects above every erased one
  /// (store_reconcile.cpp).
  result<void> reconcile();

  /// Timing of every read and write (dependencies::on_operation); may be empty.
  std::function<void(std::string_view, std::chrono::steady_clock::duration)> on_operation;

  /// Runs `work(session&)` on the pool with a read session; resumes the caller.
  // Not coroutines (read, write): a coroutine taking the std::function a caller builds inside its
  // co_await expression would destroy it twice (GCC 12, PR 99576). The time is taken on the
  // store's threads instead: from the call to the end of the work (read) or of the transaction.
  template <class T>
  boost::asio::awaitable<result<T>> read(std::function<result<T>(session&)> work) {
    auto on_exception = [log = log](std::exception_ptr) -> result<T> {
      log->error("store: unexpected exception in a read");
      return make_error_code(errc::unavailable);
    };
    return detail::offload<T>(
        pool,
        [this, w = std::move(work), start = std::chrono::steady_clock::now()]() -> result<T> {
          auto r = [&]() -> result<T> {
            auto s = db->read_session();
            if (!s) return s.error();
            return w(**s);
          }();
          if (on_operation) on_operation("read", std::chrono::steady_clock::now() - start);
          return r;
        },
        on_exception);
  }

  /// Queues a write operation; resumes the caller when its transaction is done.
  template <class T>
  boost::asio::awaitable<result<T>> write(typename detail::basic_op<T>::body_fn body,
                                          typename detail::basic_op<T>::after_fn after = {}) {
    return detail::async_result_of<T>([this, b = std::move(body), a = std::move(after),
                                       start = std::chrono::steady_clock::now()](detail::completion_ptr<T> done) mutable {
      if (on_operation) done = std::make_unique<detail::timed_completion<T>>(std::move(done), on_operation, start);
      writer->submit(std::make_unique<detail::basic_op<T>>(std::move(b), std::move(done), std::move(a)));
    });
  }

  /// The group-commit body of a writer batch (store_appends.cpp).
  void process_batch(session& s, std::span<const std::unique_ptr<detail::write_op>> ops);
  /// Runs consecutive appends; an error means the database failed and the run must be undone.
  result<void> run_appends(session& s, std::span<detail::append_op* const> ops);

  // Helpers shared by the operations.
  struct opened_conversation {
    conversation_row row;
    std::shared_ptr<crypto::aead_key> key;
  };
  /// The conversation row of (tenant, id) and its data key: errc::not_found, errc::erased, errc::corrupt.
  result<opened_conversation> open_conversation(session& s, std::string_view tenant_id, std::string_view id);
  result<std::shared_ptr<crypto::aead_key>> key_of(session& s, const conversation_row& row);
  /// The contract's view of a row (opens the conversation record). errc::corrupt.
  result<conversation> to_conversation(const conversation_row& row, const crypto::aead_key& key) const;
  /// An activity as the contract returns it; `key` null: the conversation's key failed its check.
  activity_record to_record(const conversation_row& conv, const crypto::aead_key* key, const activity_row& row) const;
  [[nodiscard]] nanos now() const;
  /// The bot state from the cache if its entry and data key are there and it opens.
  std::optional<bot_state> cached_bot_state(std::string_view tenant_id, std::string_view conversation_id);

  /// Creates the tenant (row, key, pseudonymisation secret) in the session unless it exists
  /// (ensure_tenant's body; also the audit log's first append).
  result<void> ensure_tenant_row(session& s, std::string_view tenant_id);

  /// Erases the given conversations of one tenant: their subjects in the erasure secrets file
  /// first, then their keys and rows, and the tenant's erasure count (store_erase.cpp).
  result<std::size_t> erase_rows(session& s, std::string_view tenant_id, const std::vector<conversation_row>& rows);
  /// Deletes the keys and rows of conversations whose subjects are already erased.
  result<void> delete_rows(session& s, std::string_view tenant_id, const std::vector<std::string>& key_ids,
                           const std::vector<std::int64_t>& pks);
};

}  // namespace parley::store
