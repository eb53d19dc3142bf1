// Export of a tenant's audit log for a SIEM (`parley audit export`, docs/audit.md): JSON lines,
// one object per entry in sequence order:
//   {"tenant":"bankx","seq":12,"time":"2026-12-07T08:59:53.123456789Z","event":"desk.view",
//    "actor":"c_3f...","role":"consultant","subject":"conv-1","source":"203.0.113.7",
//    "details":{...},"hash":"<64 hex digits>"}
// `hash` is the entry's chain hash (format.hpp): a SIEM that keeps the last line it received can
// later prove the log still holds it (`parley audit verify --expect SEQ:HASH`).
//
// Each entry is checked on its own before it is written (its hash, the link to the entry
// exported before it, no gap, its sealed content); the export stops before the first entry that
// fails and says which (export_summary::stopped): `parley audit verify` gives the whole picture.
//
// Errors: errc::not_found (no log), errc::unavailable (store, or `write` returned false).
// Lifetime: `store` is borrowed until the coroutine completes.
// Thread-safety: a free function.
#pragma once

#include <parley/audit/verify.hpp>
#include <parley/store/audit_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace parley::audit {

struct export_summary {
  std::uint64_t lines = 0;
  std::uint64_t first_seq = 0;  ///< 0 when nothing was written
  std::uint64_t last_seq = 0;
  std::optional<finding> stopped;  ///< the entry the export stopped at, and why
};

/// Writes the entries of `tenant_id` whose time is at or after `since_ns` (0: all) to `write`,
/// one line each without the newline.
[[nodiscard]] boost::asio::awaitable<result<export_summary>> export_entries(
    store::audit_store& store, std::string tenant_id, std::int64_t since_ns,
    std::function<bool(std::string_view line)> write);

}  // namespace parley::audit
