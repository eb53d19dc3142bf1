// The HTTP edge of BankX: the one mapping from bankx::errc to status and code string, the error
// body, strict JSON bodies, credentials from the Authorization header, and the adapter that turns
// BankX's synchronous handlers into net's coroutine handlers.
#pragma once

#include <bankx/error.hpp>
#include <bankx/login.hpp>

#include <parley/core/error.hpp>
#include <parley/net/router.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace bankx::detail {

namespace net = parley::net;
namespace json = boost::json;

/// The HTTP status of a BankX error (400, 401, 404, 409, 415, 422, 429, 503).
[[nodiscard]] int http_status(errc e) noexcept;
/// The stable snake_case code of the error body ("invalid_otp").
[[nodiscard]] std::string_view error_code_name(errc e) noexcept;

/// {"error":{"code":..., "message":..., "attemptsLeft"?: n, "retryAfter"?: s}} with the status of
/// `e`; Retry-After on 429, WWW-Authenticate on 401. `message` goes to the client: never a token,
/// a code or customer data.
[[nodiscard]] net::response error(errc e, std::string_view message, const refusal* details = nullptr);
/// Same for any error code: bankx errors as above, anything else as 500 server_error.
[[nodiscard]] net::response error(const parley::error_code& ec, std::string_view message,
                                  const refusal* details = nullptr);

/// The body as a JSON object: Content-Type must be application/json (errc::unsupported_media_type),
/// the document strict JSON (core::parse_json: no duplicate members, depth ≤ 8) and an object
/// whose members are all in `allowed` (errc::invalid_request; `problem` says which member).
[[nodiscard]] parley::result<json::object> json_body(const net::request& req,
                                                     std::initializer_list<std::string_view> allowed,
                                                     std::string& problem);

/// A string member of 1..max_length characters; nullopt when absent, empty, too long or not a string.
[[nodiscard]] std::optional<std::string_view> text_member(const json::object& o, std::string_view key,
                                                          std::size_t max_length);

struct basic_credentials {
  std::string id;
  std::string secret;  ///< wiped on destruction
  ~basic_credentials();
};
/// `Authorization: Basic base64(id ":" secret)` (RFC 7617); nullopt when absent or malformed.
[[nodiscard]] std::optional<basic_credentials> basic_auth(const net::request& req);
/// `Authorization: Bearer <token>` (RFC 6750 §2.1); nullopt when absent or another scheme.
[[nodiscard]] std::optional<std::string_view> bearer_token(const net::request& req);

/// RFC 3339 UTC with seconds: "2026-11-28T09:15:00Z".
[[nodiscard]] std::string rfc3339(std::chrono::system_clock::time_point t);

/// A BankX handler: synchronous (BankX's work is a few map lookups under a mutex, never I/O).
using sync_handler = std::function<net::response(const net::request&)>;
/// Wraps a synchronous handler into net's coroutine handler type.
[[nodiscard]] net::handler adapt(sync_handler fn);

}  // namespace bankx::detail
