// The shape of each log line (`[log] format`), beside log.hpp's sink: the same redaction and
// budget apply to every format.
//   text      "2026-12-07T19:00:00.123 info  channel: message" (the default on a terminal)
//   journal   "<6>channel: message": the syslog priority prefix journald reads, no timestamp
//             (journald adds its own); chosen by "auto" when stderr is the journal (JOURNAL_STREAM)
//   json      one JSON object per line: {"ts","level","component","msg"} (RFC 3339 UTC timestamp
//             with milliseconds; the message redacted like every other line)
// Thread-safety: set_log_format() is for start-up, before the worker threads run.
#pragma once

#include <boost/system/error_code.hpp>

#include <optional>
#include <string_view>

namespace parley::core {

enum class log_format { automatic, text, journal, json };

/// "auto", "text", "journal" or "json"; nullopt for anything else.
[[nodiscard]] std::optional<log_format> parse_log_format(std::string_view name);

/// Applies `format` to the shared sink (after init_logging, which resets it to text). automatic
/// picks journal when this process's stderr is the journal stream named by JOURNAL_STREAM.
[[nodiscard]] boost::system::error_code set_log_format(log_format format);

}  // namespace parley::core
