// The ids a log line is about, as separate fields of JSON log lines (log_format.hpp):
// "conversation", "tenant", "request_id" and "trace_id" (W3C trace id, net/trace_context.hpp).
// Set for the lines written on this thread while a log_fields_scope lives, e.g.
//   core::log_fields ids{.tenant = key.tenant, .request_id = span, .trace_id = trace};
//   { core::log_fields_scope scope(ids); log->info("login {}: approved", ref); }
// Ids only: never a token, secret or message body (the values are not redacted). Empty fields
// are left out. Text and journal lines do not show them (the message names what it needs).
// A scope must not span a co_await (the coroutine may resume on another thread): open it around
// the log call, or write the line through with_log_fields(), whose callable cannot co_await:
//   core::with_log_fields({.conversation = id, .tenant = t}, [&] { log->info("conversation {} ended", id); });
// Thread-safety: per thread; scopes nest (the innermost wins as a whole).
#pragma once

#include <string_view>

namespace parley::core {

struct log_fields {
  std::string_view conversation;
  std::string_view tenant;
  std::string_view request_id;
  std::string_view trace_id;
};

class log_fields_scope {
 public:
  /// `fields` (and the strings it views) must outlive the scope.
  explicit log_fields_scope(const log_fields& fields) noexcept;
  ~log_fields_scope();
  log_fields_scope(const log_fields_scope&) = delete;
  log_fields_scope& operator=(const log_fields_scope&) = delete;

  /// The fields of this thread's innermost scope, or nullptr.
  [[nodiscard]] static const log_fields* current() noexcept;

 private:
  const log_fields* previous_;
};

/// Calls `write()` (which logs, synchronously) with `fields` in scope; the temporary `fields` and
/// the strings it views live until the call returns.
template <class Write>
void with_log_fields(const log_fields& fields, Write&& write) {
  const log_fields_scope scope(fields);
  static_cast<Write&&>(write)();
}

}  // namespace parley::core
