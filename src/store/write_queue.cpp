#include "write_queue.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

namespace parley::store::detail {

write_queue::write_queue(backend& db, unsigned threads, std::size_t max_batch, process_fn process,
                         std::shared_ptr<spdlog::logger> log)
    : db_(db), max_batch_(max_batch == 0 ? 1 : max_batch), process_(std::move(process)), log_(std::move(log)) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, i] { writer_loop(i); });
}

write_queue::~write_queue() { stop(); }

void write_queue::submit(std::unique_ptr<write_op> op) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      ready_.notify_one();
      return;
    }
  }
  op->finish(commit_outcome::none);
}

void write_queue::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  std::deque<std::unique_ptr<write_op>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(queue_);
  }
  for (auto& op : left) op->finish(commit_outcome::none);
}

std::vector<std::unique_ptr<write_op>> write_queue::take() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  std::vector<std::unique_ptr<write_op>> batch;
  if (stopping_) return batch;
  const auto n = std::min(queue_.size(), max_batch_);
  batch.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  // More work than one batch: wake another writer (PostgreSQL has several).
  if (!queue_.empty()) ready_.notify_one();
  return batch;
}

void write_queue::writer_loop(unsigned index) {
  std::unique_ptr<session> s;
  for (;;) {
    auto batch = take();
    if (batch.empty()) return;
    auto outcome = commit_outcome::none;
    const auto started = clock::now();
    auto committing = started;
    bool began = false;
    try {
      if (!s) {
        auto opened = db_.write_session();
        if (opened) s = std::move(*opened);
      }
      if (s && s->begin()) {
        began = true;
        process_(*s, batch);
        committing = clock::now();
        outcome = s->commit();
      }
    } catch (const std::exception& e) {
      // Backends and operations return errors; an exception here is a bug. Fail the batch, keep going.
      log_->error("store writer {}: unexpected exception: {}", index, e.what());
      if (s) s->rollback();
    }
    if (outcome != commit_outcome::all) {
      log_->warn("store writer {}: batch of {} not committed ({})", index, batch.size(),
                 outcome == commit_outcome::none ? "rolled back" : "commit failed");
    }
    if (began) count(batch.size(), started, committing);
    for (auto& op : batch) op->finish(outcome);
  }
}

void write_queue::count(std::size_t ops, clock::time_point started, clock::time_point committing) {
  const auto now = clock::now();
  auto ns = [](clock::duration d) { return static_cast<std::uint64_t>(std::chrono::nanoseconds(d).count()); };
  std::lock_guard lock(mutex_);
  ++counters_.transactions;
  counters_.operations += ops;
  counters_.largest = std::max<std::uint64_t>(counters_.largest, ops);
  counters_.busy_ns += ns(committing - started);
  counters_.commit_ns += ns(now - committing);
}

write_counters write_queue::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace parley::store::detail
