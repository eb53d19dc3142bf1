// Counters of the encrypted store's writer threads (encrypted_store::write_stats()): how well
// group commit batches, and where a transaction's time goes. Plain values, no thread-safety concern.
#pragma once

#include <cstdint>

namespace parley::store {

/// What the writer threads have done since the store opened (group commit at work): the mean
/// batch is operations / transactions. For benchmarks and operators' metrics.
struct writer_stats {
  std::uint64_t transactions = 0;  ///< batches that began a transaction
  std::uint64_t operations = 0;    ///< operations in those batches (an append is one)
  std::uint64_t largest = 0;       ///< operations in the largest batch
  std::uint64_t busy_ns = 0;       ///< time in begin() and the batches' statements and sealing
  std::uint64_t commit_ns = 0;     ///< time in commit() (SQLite: fsync of the WAL)
};

}  // namespace parley::store
