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
/// A channel error code as its response; any other category is a 500 ServiceError.
[[nodiscard]] net::response error_response(const error_code& ec);

}  // namespace parley::channel
