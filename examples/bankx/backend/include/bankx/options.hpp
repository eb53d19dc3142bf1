// Options of the BankX back end and their parser for the `[bankx]` section.
//
//   [bankx]
//   client_id = "parley"                       # the bot's client id at the Login API
//   client_secret = { file = "/etc/parley/bankx-client-secret" }   # a secret: by reference only
//   # or: client_secret_sha256 = "<64 hex digits>"  (SHA-256 of the secret; nothing secret in the file)
//   polling_interval = "5s"
//   login_lifetime = "3m"
//   access_token_lifetime = "10m"
//   customers_file = ""                        # empty: the built-in demo customers
//
// The listener (address, port, TLS) is `[[net.listeners]] name = "bankx"`, like every service's:
// one place for every socket. Durations take "250ms", "15s", "3m", "1h" or seconds.
#pragma once

#include <parley/core/config.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace bankx {

using namespace std::chrono_literals;

struct options {
  /// The client id the bot presents (HTTP Basic user name) at the Login API.
  std::string client_id = "parley";
  /// SHA-256 of the client secret. All zero means "not configured": every Login API call is then
  /// refused with 401 (a bank without credentials is closed, not open). The secret itself is high
  /// entropy (≥ 128 bits), so an unsalted hash is enough; it is compared in constant time.
  std::array<std::uint8_t, 32> client_secret_sha256{};

  std::chrono::seconds polling_interval = 5s;       ///< `interval` of a new login (RFC 8628 default)
  std::chrono::seconds slow_down_step = 5s;         ///< added to the interval on each slow_down
  std::chrono::seconds max_polling_interval = 60s;  ///< the interval never grows beyond this
  std::chrono::milliseconds polling_jitter = 500ms; ///< a poll this much early is still on time
  std::chrono::seconds login_lifetime = 180s;       ///< `expiresIn` of a polling token (2..5 min advised)
  std::chrono::seconds access_token_lifetime = 600s;  ///< `expiresIn` of an access token
  std::chrono::seconds phone_session_lifetime = 8h;   ///< phone app session tokens

  int otp_length = 6;                    ///< digits of SMS/e-mail codes (TOTP is always 6)
  int otp_attempts_per_login = 3;        ///< wrong codes before the login is denied
  int otp_attempts_per_customer = 10;    ///< code attempts per customer identifier per window
  std::chrono::seconds otp_attempt_window = 3600s;
  int logins_per_customer = 5;           ///< startLogin calls per customer identifier per window
  std::chrono::seconds login_start_window = 600s;

  std::size_t max_pending_logins = 10'000;  ///< logins held at once (memory bound); more → 503
  std::size_t max_access_tokens = 100'000;  ///< live access tokens; more → 503
  std::size_t outbox_size = 20;             ///< SMS and e-mails kept per customer (newest)

  std::filesystem::path customers_file;  ///< JSON customers (README.md); empty: the demo customers
  bool phone_app = true;                 ///< serve the phone page and its JSON API (/app/)
};

/// Reads the `[bankx]` section. Problems are recorded in the config (finish() is called), so the
/// caller checks cfg.ok() once for every component. A customers_file is read and checked here.
[[nodiscard]] options parse_options(parley::core::config_section section);

/// Sets options::client_secret_sha256 from a secret.
void set_client_secret(options& o, std::string_view secret);

}  // namespace bankx
