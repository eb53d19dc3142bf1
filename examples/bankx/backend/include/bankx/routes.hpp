// BankX over HTTP: adds its routes to a net router. One listener serves three separate surfaces,
// each with its own credential, none accepting another's:
//
//   /api/v1/startLogin, /pollLogin, /verifyOtp, /logout   the Login API (docs/login-api.yaml):
//                                                          HTTP Basic client credentials (the bot)
//   /api/v1/accounts, /transactions, /transfers, /cards/block
//                                                          the accounts API (accounts-api.md):
//                                                          Bearer access token from the Login API
//   /app/ (page, app.js, app.css), /app/api/...            the phone app and its JSON API: Bearer
//                                                          phone session ("bxd_"), demo only
//   /                                                      redirects to /app/
//
// Request bodies are at most 8 KiB (413 from the server before reading), JSON only, parsed
// strictly; no CORS (same origin only). The handlers keep `b` alive.
// Thread-safety: the routes may run concurrently on any I/O thread.
#pragma once

#include <bankx/bank.hpp>

#include <parley/net/router.hpp>

#include <memory>
#include <string_view>

namespace bankx {

/// Base path of the Login API and the accounts API (the `bankx_api` URL of `parley demo`).
inline constexpr std::string_view api_base_path = "/api/v1";
/// The phone page (the `bankx_phone` URL of `parley demo`).
inline constexpr std::string_view phone_page_path = "/app/";
/// Largest request body any BankX route accepts.
inline constexpr std::size_t max_request_bytes = 8 * 1024;

/// Adds every BankX route to `routes` (the phone page and its API only if opts().phone_app).
void add_routes(parley::net::router& routes, std::shared_ptr<bank> b);

}  // namespace bankx
