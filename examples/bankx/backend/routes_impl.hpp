// The three route groups of BankX (routes.hpp) and what they share.
#pragma once

#include "http_support.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>

#include <parley/core/json.hpp>

#include <memory>

namespace bankx::detail {

void add_login_routes(net::router& r, const std::shared_ptr<bank>& b);
void add_account_routes(net::router& r, const std::shared_ptr<bank>& b);
void add_phone_routes(net::router& r, const std::shared_ptr<bank>& b);

/// Route options of every BankX route: 8 KiB bodies, no CORS, BankX parses JSON itself.
[[nodiscard]] inline net::route_options api_route_options() {
  net::route_options o;
  o.max_body_bytes = max_request_bytes;
  return o;
}

/// The embedded phone page files: the content and its Content-Type, or nullptr for unknown names.
struct asset {
  std::string_view content;
  std::string_view content_type;
};
[[nodiscard]] const asset* phone_asset(std::string_view name) noexcept;

}  // namespace bankx::detail
