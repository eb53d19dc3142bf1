// application/x-www-form-urlencoded bodies (HTML forms, OAuth/OIDC back-channel requests), decoded
// with the same strict rules as query strings: a malformed escape or a decoded NUL refuses the
// whole body, '+' is a space, pairs keep their order and duplicates (callers decide about them).
// Thread-safety: plain functions.
#pragma once

#include <parley/core/error.hpp>
#include <parley/net/http.hpp>

#include <cstddef>
#include <string_view>

namespace parley::net {

/// True when the request's Content-Type is application/x-www-form-urlencoded (parameters ignored).
[[nodiscard]] bool is_form(const request& req) noexcept;

/// Decodes `body` into pairs. errc::bad_syntax for a malformed escape, errc::payload_too_large
/// for more than `max_fields` pairs.
[[nodiscard]] result<param_list> parse_form(std::string_view body, std::size_t max_fields = 64);

}  // namespace parley::net
