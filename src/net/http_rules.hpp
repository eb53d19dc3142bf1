// Private: the server's pure decisions about requests, kept apart from the session's I/O so that
// they read (and test) on their own.
#pragma once

#include <parley/net/error.hpp>
#include <parley/net/http.hpp>
#include <parley/net/options.hpp>
#include <parley/net/router.hpp>

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

/// Requests whose framing or host two servers could read differently (request smuggling), for a
/// request of HTTP/1.`minor` (version 10 or 11) with these fields:
///  - RFC 9112 §3.2: HTTP/1.1 without Host, any request with two Host fields or an invalid one → 400;
///  - §6.1: Transfer-Encoding in HTTP/1.0, with Content-Length, empty, or whose final coding is
///    not exactly `chunked` (or that names chunked twice) → 400; a coding before the final chunked
///    (gzip, identity...: none is implemented) → 501.
/// The connection is closed after the answer. nullopt: the request may be served.
[[nodiscard]] std::optional<read_refusal> framing_refusal(const header_view& headers, unsigned version);

/// The answer to OPTIONS on a known path: a CORS preflight when it is one and a route of the
/// path has CORS (204 with the policy's headers, or 403), otherwise 204 with Allow.
[[nodiscard]] response options_answer(const request& req, const router::match_result& m);

/// The message of the 400 for a JSON body core::parse_json refused with `ec`.
[[nodiscard]] std::string json_refusal(const boost::system::error_code& ec, std::size_t max_depth);

}  // namespace parley::net::detail
