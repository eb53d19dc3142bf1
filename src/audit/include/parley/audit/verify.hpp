// Verification of a tenant's audit log (`parley audit verify`, docs/audit.md): reads the whole
// chain from the store and reports every entry that was modified, removed or moved, every
// checkpoint that does not verify or is missing, and a removed tail.
//
//   - each entry's hash is recomputed from its stored columns (format.hpp) and its sealed
//     content must open under the tenant's audit key (GCM, bound to tenant, seq and time);
//   - sequence numbers run from 1 without gaps, and each entry holds the previous one's hash;
//   - an entry whose hash fits another number (within 64 places) was moved: out of order;
//   - every checkpoint must verify (signature, tenant, its entry's hash) and name the one before
//     it; the newest checkpoint, the chain's head and `expected` anchors (seq and hash known from
//     outside, e.g. the checkpoint lines of the service log or a SIEM's last export) must all be
//     covered by the entries present, else the tail was removed.
//
// What it cannot reveal: a tail removed together with its checkpoints and the head's record of
// them when no copy exists outside the database, and any rewrite by someone who holds the root
// key (which opens the audit key and the checkpoint signing key).
//
// Errors: errc::not_found (the tenant has no log at all), errc::unavailable (store).
// Lifetime: `store`, `checkpoint_keys` and `clock` are borrowed until the coroutine completes.
// Thread-safety: a free function; the store's guarantees apply.
#pragma once

#include <parley/audit/format.hpp>
#include <parley/audit/sink.hpp>
#include <parley/core/clock.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/store/audit_store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::audit {

enum class problem {
  modified,            ///< an entry's content or columns changed
  removed,             ///< entries missing between others
  out_of_order,        ///< an entry stored under another number (moved, swapped)
  truncated,           ///< entries missing at the end
  broken_link,         ///< an entry that does not hold its predecessor's hash, or follows the head
  bad_checkpoint,      ///< a checkpoint that does not verify or does not match its entry
  checkpoint_removed,  ///< a checkpoint that another one (or the head) names is missing
};

struct finding {
  problem kind = problem::modified;
  std::uint64_t first = 0;  ///< the entry (or checkpoint) concerned, or the first of a range
  std::uint64_t last = 0;   ///< the last of the range (== first for one)
  std::string message;      ///< one line for people, naming the entries
};

/// A sequence number and hash known from outside the database.
struct anchor {
  std::uint64_t seq = 0;
  chain_hash hash{};
};

struct verify_report {
  std::string tenant_id;
  std::uint64_t entries = 0;    ///< entries read
  std::uint64_t first_seq = 0;  ///< 0 when none
  std::uint64_t last_seq = 0;
  std::uint64_t checkpoints = 0;  ///< checkpoints whose signature verified
  std::uint64_t covered_seq = 0;  ///< newest entry a verified checkpoint covers (0: none)
  std::int64_t covered_time = 0;  ///< when that checkpoint was signed (ns)
  std::vector<finding> findings;  ///< at most 200; the rest are counted
  std::size_t more_findings = 0;
  [[nodiscard]] bool ok() const noexcept { return findings.empty() && more_findings == 0; }
};

/// Verifies the tenant's log. `checkpoint_keys`: the public keys of the audit key file.
[[nodiscard]] boost::asio::awaitable<result<verify_report>> verify(store::audit_store& store,
                                                                   const jose::jwks& checkpoint_keys,
                                                                   std::string tenant_id,
                                                                   std::vector<anchor> expected = {},
                                                                   const core::clock& clock = core::system_clock());

}  // namespace parley::audit
