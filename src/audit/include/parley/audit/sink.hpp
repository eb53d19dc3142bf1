// The audit seam (SECURITY.md promise 10): what the service desk (and later the store, on an
// integrity failure) records about every access a person makes to conversations. The log behind
// it (audit::log, this component) keeps one append-only, hash-chained, encrypted chain per tenant
// with signed checkpoints; `parley audit verify` and `parley audit export` read it.
//
// Callers that must not act unaudited (a consultant opening a transcript, taking over, exporting)
// append first and act only when append() succeeded: the desk fails closed (503) rather than
// letting an access go unrecorded.
//
// Never put a secret, a token, a message text or an e-mail address in an entry: `actor` is a
// stable pseudonymous id (the desk derives it from the IdP's (iss, sub)), `details` holds ids,
// roles, counts, outcomes and reasons only. The log seals every entry at rest anyway.
//
// Errors: errc::invalid_argument for an entry that breaks the rules below, errc::unavailable when
// the log cannot be written (the entry was not appended; retry or refuse the action).
// Thread-safety: append() may be called concurrently from any thread; entries of one tenant are
// chained in the order the log commits them.
#pragma once

#include <parley/core/error.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace parley::audit {

enum class errc {
  invalid_argument = 1,  ///< an empty or over-long field, or details that are not a JSON object
  unavailable,           ///< the log could not be written (store down, disk full)
  not_found,             ///< no such tenant or entry (readers)
  tampered,              ///< verification found a modified, removed or reordered entry (readers)
};
const boost::system::error_category& audit_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), audit_category()}; }

/// One event, as the caller describes it. The log adds the sequence number, the time and the
/// chain hashes.
struct entry {
  std::string tenant_id;   ///< required; each tenant has its own chain
  std::string event;       ///< required, a stable dotted name from docs/audit.md, e.g. "desk.sign_in"
  std::string actor;       ///< required: a consultant's pseudonymous id, or "system"
  std::string actor_role;  ///< "consultant", "supervisor", "admin", "system"... (may be empty)
  std::string subject;     ///< what was acted on: a conversation id, a setting's name (may be empty)
  std::string source;      ///< the client address the action came from (may be empty)
  std::string details;     ///< a JSON object with non-secret details, or empty
};

/// Limits an entry must keep (the log refuses the rest with errc::invalid_argument).
inline constexpr std::size_t max_field_size = 256;     ///< every field but details
inline constexpr std::size_t max_details_size = 4096;  ///< details, serialised

class sink {
 public:
  virtual ~sink() = default;
  /// Appends durably; returns the entry's sequence number in its tenant's chain (from 1).
  virtual boost::asio::awaitable<result<std::uint64_t>> append(entry e) = 0;
};

}  // namespace parley::audit

template <>
struct boost::system::is_error_code_enum<parley::audit::errc> : std::true_type {};
