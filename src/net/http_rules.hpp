// Private: the server's pure decisions about requests, kept apart from the session's I/O so that
// they read (and test) on their own.
#pragma once

#include <parley/net/error.hpp>
#include <parley/net/http.hpp>
#include <parley/net/options.hpp>

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net::detail {

/// "GET, HEAD, OPTIONS" for an Allow header.
[[nodiscard]] std::string allow_header(const std::vector<method>& methods);

/// application/json, with or without parameters (charset).
[[nodiscard]] bool is_json_type(std::string_view content_type) noexcept;

/// The path and query of a request target: origin-form as is, absolute-form ("http://h/p?q",
/// RFC 9112 §3.2.2) reduced to its path and query. Other forms are returned unchanged.
[[nodiscard]] std::string_view origin_form(std::string_view target) noexcept;

/// How to answer a request that failed while being read: nullopt when there is nobody to answer
/// (the peer went away, or the server is shutting down).
struct read_refusal {
  errc code;
  std::string message;
};
[[nodiscard]] std::optional<read_refusal> refusal_for(const boost::system::error_code& ec, bool timed_out,
                                                      const server_options& options);

}  // namespace parley::net::detail
