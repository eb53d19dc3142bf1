// Options of the login component and their parser for the `[login]` section.
//
//   [login]
//   idle_timeout = "15m"        # a bank token unused this long is wiped (the user logs in again)
//   sweep_interval = "30s"      # how often expired and idle tokens are wiped
//   max_logins = 1000           # logins polling at once (memory bound)
//   [[login.tenants]]
//   tenant = "bankx"
//   base_url = "https://bank.example/api/v1"   # the Login API (http:// only on loopback)
//   api_base_url = ""                           # the bank's customer APIs; empty: base_url
//   client_id = "parley"
//   client_secret = { file = "/etc/parley/bankx-login-secret" }   # by reference only
//   # start_path, poll_path, verify_path, logout_path: default /startLogin ... /logout
//   # ca_file, client_cert_file, client_key = { file = ... } (mTLS), connect_timeout, request_timeout
//   # methods = ["push", "otp_sms", ...]: what the user may choose; default_method = "push"
//
// Problems are recorded in the config (finish() is called on every table), so the composition
// root checks cfg.ok() once. Thread-safety: plain values.
#pragma once

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/login/method.hpp>
#include <parley/net/options.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace parley::login {

using namespace std::chrono_literals;

/// One tenant's Login API (docs/login-api.yaml) and customer API.
struct tenant_options {
  std::string tenant;                   ///< the tenant id conversations carry
  std::string base_url;                 ///< Login API base, no trailing slash
  std::string api_base_url;             ///< base of the bank's own APIs (accounts...); empty: base_url
  std::string start_path = "/startLogin";
  std::string poll_path = "/pollLogin";
  std::string verify_path = "/verifyOtp";
  std::string logout_path = "/logout";
  std::string client_id;                ///< HTTP Basic user name at the Login API
  core::secret_string client_secret;    ///< HTTP Basic password (≥ 128 random bits at a real bank)
  std::vector<method> methods{method::push};  ///< methods offered to the user, first = default
  std::chrono::seconds max_login_time = 300s;  ///< polling stops here even if expiresIn is longer
  /// Outbound HTTP for this tenant: CA file, mTLS certificate and key, timeouts (net's client).
  net::client_options http;
};

struct options {
  std::chrono::milliseconds idle_timeout = 15min;   ///< vault entry unused this long is wiped
  std::chrono::milliseconds sweep_interval = 30s;   ///< period of the expiry/idle sweep
  std::size_t max_logins = 1000;                    ///< logins polling at once; more → rate_limited
  std::vector<tenant_options> tenants;
};

/// Reads `[login]`. A base URL must be https://, or http:// on a loopback host; a tenant needs a
/// client id and secret. Errors are recorded in the section's config.
[[nodiscard]] options parse_options(core::config_section section);

}  // namespace parley::login
