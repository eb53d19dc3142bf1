// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header that ties a
// request to the calls it causes. The server takes a valid one from each request or starts a new
// trace, gives every request its own span id (the request id of its log lines), hands the
// handler a `traceparent` naming that span as the parent (req.headers.get("traceparent"): always
// present and valid), and returns it on the response. Callers put it on their outbound calls
// (client_request headers) so that the callee's spans join the trace.
//
// Parsing is strict: version 00 only, exactly 55 characters, lower-case hex, a trace id and a
// parent id that are not all zeros; anything else (a future version, upper case, a second
// traceparent header) is replaced by a new trace, never repaired or half-trusted.
// Thread-safety: plain values; make_*() use a per-thread generator.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::net {

struct trace_context {
  std::string trace_id;      ///< 32 lower-case hex digits, not all zeros
  std::string span_id;       ///< 16 lower-case hex digits, not all zeros: this hop's id (the request id)
  std::string flags = "00";  ///< 2 hex digits (01: sampled), carried as received

  /// "00-<trace_id>-<span_id>-<flags>": the header a callee gets (this span is its parent).
  [[nodiscard]] std::string traceparent() const;
};

/// The context of a valid `traceparent` header value (its parent id in span_id), or nullopt.
[[nodiscard]] std::optional<trace_context> parse_traceparent(std::string_view value);

/// The trace id of a valid `traceparent` header value (a view into it, for log fields), or "".
[[nodiscard]] std::string_view trace_id_of(std::string_view traceparent);

/// A new span of `parent`'s trace (same trace id and flags, a fresh span id); a new trace when
/// `parent` is nullopt.
[[nodiscard]] trace_context child_span(const std::optional<trace_context>& parent);

}  // namespace parley::net
