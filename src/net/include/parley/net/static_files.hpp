// Serves files from one directory (the widget bundle, demo pages), safely.
//
// Register it on a pattern ending in a tail parameter, e.g. get("/widget/{*path}", static_files(dir)).
// The decoded tail is resolved under the directory: "..", ".", empty and hidden ("."-prefixed)
// segments, backslashes and NULs are refused (404, never 403, so that probing learns nothing),
// and the canonical result must still lie inside the canonical directory (no symlink escapes).
// A directory serves its index.html. Files are read per request (they are small and in the page
// cache), up to max_file_bytes.
// Thread-safety: the returned handler is immutable and may run concurrently.
#pragma once

#include <parley/core/error.hpp>
#include <parley/net/router.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace parley::net {

struct static_options {
  std::size_t max_file_bytes = 16 * 1024 * 1024;
  /// Cache-Control for the files; "no-cache" makes browsers revalidate (ETag) every time.
  std::string cache_control = "no-cache";
  /// Content-Security-Policy for HTML pages; empty: the server's strict default (html_csp).
  std::string html_csp;
  std::string index = "index.html";
};

/// The handler. The tail parameter is the last path parameter of the route.
/// Errors: core::errc::io_error when `root` is not a readable directory.
[[nodiscard]] result<handler> static_files(const std::filesystem::path& root, static_options options = {});

/// The Content-Type for a file name ("application/javascript; charset=utf-8"...);
/// application/octet-stream when unknown.
[[nodiscard]] std::string_view content_type_for(std::string_view file_name) noexcept;

}  // namespace parley::net
