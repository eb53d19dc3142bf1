// The audit log's formats (docs/audit.md): the hash that chains a tenant's entries, and the time
// format of exports and messages. The hash covers the entry as stored - sealed - so that anyone
// can check the chain without the key; AES-256-GCM authenticates the content under the key.
//
//   hash(n) = SHA-256( "parley/v1/audit-entry" 0x00 | u16 len | tenant id | u64 seq | i64 time
//                      (ns since the epoch) | hash(n-1) (32 bytes; 32 zero bytes for entry 1) |
//                      u32 len | sealed entry )          integers big-endian
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace parley::audit {

using chain_hash = std::array<std::uint8_t, 32>;

/// The hash of one entry (see the file comment).
[[nodiscard]] chain_hash entry_hash(std::string_view tenant_id, std::uint64_t seq, std::int64_t time_ns,
                                    std::span<const std::uint8_t> prev_hash, std::span<const std::uint8_t> sealed);

/// RFC 3339 in UTC with nanoseconds: "2026-12-07T08:59:53.123456789Z".
[[nodiscard]] std::string format_time(std::int64_t time_ns);

/// Parses RFC 3339 ("2026-12-07T08:59:53Z", fractional seconds, "+01:00" offsets) or a date
/// ("2026-12-07", midnight UTC) into ns since the epoch; nullopt for anything else, and for
/// times before 1970 or from 2262 on (beyond 64-bit nanoseconds).
[[nodiscard]] std::optional<std::int64_t> parse_time(std::string_view text);

}  // namespace parley::audit
