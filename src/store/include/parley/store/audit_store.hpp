// The store's side of the audit log (src/audit, docs/audit.md): one append-only chain of sealed
// entries per tenant, its signed checkpoints and its head. The store numbers, stamps, seals and
// persists; what an entry says, how its hash is computed and how checkpoints are signed is the
// audit log's business, handed in as functions that run inside the store's write transaction.
//
// An entry is sealed with AES-256-GCM under the tenant's audit key (data key "~audit" of the key
// hierarchy, so it follows tenant and root rotation and survives conversation erasure), with
// associated data binding it to its tenant, sequence number and time. Tables (schema: SQLite v3,
// PostgreSQL v2): audit_entries (tenant, seq, time, prev hash, hash, sealed), audit_checkpoints
// (tenant, seq, time, signature) and audit_heads (one row per tenant, the newest entry and
// checkpoint). Entries and checkpoints are append-only in the database too (triggers refuse
// UPDATE and DELETE), so only someone who bypasses the store can change them.
//
// Concurrency: an append locks its tenant's head row for the rest of its transaction (PostgreSQL:
// SELECT ... FOR UPDATE; SQLite: its single writer), so appends of several threads, stores or
// processes form one gap-free chain per tenant, in commit order.
//
// Errors: errc::invalid_argument (a tenant id that is not a store id, an empty entry),
// errc::limit_exceeded (2^32 entries sealed under one audit key), errc::unavailable (backend
// failure: nothing was appended), and whatever error a chain function returns (nothing appended).
// Thread-safety: every member function may be called concurrently from any thread.
#pragma once

#include <parley/core/error.hpp>
#include <parley/store/conversation_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

using bytes = std::vector<std::uint8_t>;
using nanos = std::int64_t;

inline constexpr std::size_t audit_hash_size = 32;
inline constexpr std::size_t max_audit_plaintext = 16 * 1024;
inline constexpr std::size_t max_audit_signature = 4096;

/// One stored entry: clear columns, its links and the sealed entry.
struct audit_row {
  std::string tenant_id;
  std::uint64_t seq = 0;  ///< from 1, gap-free per tenant
  nanos time = 0;         ///< ns since the epoch; never earlier than the entry before it
  bytes prev_hash;        ///< the previous entry's hash (32 zero bytes before entry 1)
  bytes hash;             ///< this entry's hash, as the chain function computed it
  bytes sealed;           ///< the entry, sealed under the tenant's audit key
};

/// A read entry: the row, and the entry opened (nullopt when it did not authenticate: modified,
/// moved to another seq or time, or its key is gone).
struct audit_record {
  audit_row row;
  std::optional<std::string> plaintext;
};

struct audit_checkpoint_row {
  std::string tenant_id;
  std::uint64_t seq = 0;  ///< the entry it covers
  nanos time = 0;         ///< when it was signed
  std::string signature;  ///< what the checkpoint function returned (a JWS)
};

/// The head of a tenant's chain: the newest entry and the newest checkpoint.
struct audit_head_row {
  std::string tenant_id;
  std::uint64_t seq = 0;  ///< 0: no entry yet
  bytes hash;             ///< the newest entry's hash (32 zero bytes when none)
  nanos time = 0;
  std::uint64_t key_uses = 0;  ///< entries sealed under the audit key (the GCM bound)
  std::uint64_t checkpoint_seq = 0;
  nanos checkpoint_time = 0;
};

/// What the chain function sees of a new entry, inside the append transaction.
struct audit_link {
  std::string_view tenant_id;
  std::uint64_t seq = 0;
  nanos time = 0;
  std::span<const std::uint8_t> prev_hash;
  std::span<const std::uint8_t> sealed;
  std::uint64_t checkpoint_seq = 0;  ///< the newest checkpoint so far (0: none)
  nanos checkpoint_time = 0;
};

/// The chain function's answer: the entry's hash (32 bytes) and, when one is due, a signed
/// checkpoint of this entry, stored in the same transaction.
struct audit_chained {
  bytes hash;
  std::optional<std::string> checkpoint;
};

using audit_chain_fn = std::function<result<audit_chained>(const audit_link&)>;
/// Decides whether the head (newer than its last checkpoint) gets a checkpoint now, and signs it:
/// nullopt for "not now".
using audit_checkpoint_fn = std::function<result<std::optional<std::string>>(const audit_head_row& head, nanos now)>;

/// What the store knows of a tenant's log.
struct audit_state {
  std::optional<audit_head_row> head;  ///< nullopt: no head row
  bool key_exists = false;             ///< the tenant's audit key exists (made by its first append)
};

class audit_store {
 public:
  virtual ~audit_store() = default;

  /// Appends one entry (`plaintext`, 1..max_audit_plaintext bytes) to the tenant's chain,
  /// creating the tenant, its audit key and its chain on first use. In one write transaction:
  /// locks the head, numbers the entry head + 1, stamps it with the store's clock (never earlier
  /// than the head's time), seals it, calls `chain` for its hash and checkpoint, inserts both and
  /// advances the head. Returns the stored row. Nothing is appended when anything fails.
  virtual boost::asio::awaitable<result<audit_row>> append_audit(std::string tenant_id, std::string plaintext,
                                                                 audit_chain_fn chain) = 0;

  /// Checkpoints the head when it is newer than its last checkpoint and `sign` returns a
  /// signature. Returns the checkpointed seq, or 0 when nothing was written. errc::not_found
  /// when the tenant has no chain.
  virtual boost::asio::awaitable<result<std::uint64_t>> checkpoint_audit(std::string tenant_id,
                                                                         audit_checkpoint_fn sign) = 0;

  /// Entries with seq > `after` and time >= `since`, ascending, at most `limit` (<= 10000), each
  /// opened. An empty page means the end.
  virtual boost::asio::awaitable<result<std::vector<audit_record>>> read_audit(std::string tenant_id,
                                                                               std::uint64_t after, nanos since,
                                                                               std::size_t limit) = 0;

  /// Checkpoints with seq > `after`, ascending, at most `limit` (<= 10000).
  virtual boost::asio::awaitable<result<std::vector<audit_checkpoint_row>>> read_audit_checkpoints(
      std::string tenant_id, std::uint64_t after, std::size_t limit) = 0;

  virtual boost::asio::awaitable<result<audit_state>> audit_status(std::string tenant_id) = 0;

  /// Tenants that have an audit chain.
  virtual boost::asio::awaitable<result<std::vector<std::string>>> audit_tenants() = 0;
};

}  // namespace parley::store
