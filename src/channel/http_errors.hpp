// The one place where channel errors become HTTP responses: status (through net's mapping) and
// the Direct Line body {"error":{"code","message"}}.
#pragma once

#include <parley/channel/error.hpp>
#include <parley/core/error.hpp>
#include <parley/net/http.hpp>

#include <string_view>

namespace parley::channel {

/// The response for `e`; `message` (never a secret, token or user text) replaces the default one.
[[nodiscard]] net::response error_response(errc e, std::string_view message = {});
/// A channel error code as its response (with `message` if given); any other category is a 500.
[[nodiscard]] net::response error_response(const error_code& ec, std::string_view message = {});

}  // namespace parley::channel
