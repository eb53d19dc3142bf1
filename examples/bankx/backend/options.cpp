#include <bankx/options.hpp>

#include <bankx/customers.hpp>

#include <parley/crypto/primitives.hpp>

#include <algorithm>

namespace bankx {
namespace {

std::chrono::seconds read_seconds(parley::core::config_section& s, std::string_view key, std::chrono::seconds fallback,
                                  std::chrono::seconds min, std::chrono::seconds max) {
  const auto value = s.duration(key, fallback);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(value);
  if (secs < min || secs > max || value != secs) {
    s.error(key, "must be whole seconds between " + std::to_string(min.count()) + "s and " +
                     std::to_string(max.count()) + "s");
    return fallback;
  }
  return secs;
}

int read_int(parley::core::config_section& s, std::string_view key, int fallback, int min, int max) {
  return static_cast<int>(s.integer(key, fallback, min, max));
}

bool parse_hex_digest(std::string_view hex, std::array<std::uint8_t, 32>& out) {
  if (hex.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

void set_client_secret(options& o, std::string_view secret) { o.client_secret_sha256 = parley::crypto::sha256(secret); }

options parse_options(parley::core::config_section s) {
  options o;
  o.client_id = s.string("client_id", o.client_id);
  if (o.client_id.empty() || o.client_id.size() > 128 || o.client_id.find(':') != std::string::npos) {
    s.error("client_id", "must be 1..128 characters without ':'");
  }
  const bool has_secret = s.has("client_secret");
  const bool has_hash = s.has("client_secret_sha256");
  if (has_secret && has_hash) s.error("client_secret", "set client_secret or client_secret_sha256, not both");
  if (has_secret) {
    if (auto secret = s.secret("client_secret")) {
      if (secret->size() < 16) s.error("client_secret", "must be at least 16 characters (use 32 random bytes)");
      set_client_secret(o, secret->reveal());
    }
  }
  if (has_hash && !parse_hex_digest(s.string("client_secret_sha256"), o.client_secret_sha256)) {
    s.error("client_secret_sha256", "must be 64 hexadecimal digits (SHA-256 of the secret)");
  }
  o.polling_interval = read_seconds(s, "polling_interval", o.polling_interval, 1s, 60s);
  o.slow_down_step = read_seconds(s, "slow_down_step", o.slow_down_step, 1s, 60s);
  o.max_polling_interval = read_seconds(s, "max_polling_interval", o.max_polling_interval, 1s, 600s);
  const auto jitter = s.duration("polling_jitter", o.polling_jitter);
  if (jitter < 0ms || jitter > 5000ms) {
    s.error("polling_jitter", "must be between 0 and 5s");
  } else {
    o.polling_jitter = jitter;
  }
  o.login_lifetime = read_seconds(s, "login_lifetime", o.login_lifetime, 30s, 900s);
  o.access_token_lifetime = read_seconds(s, "access_token_lifetime", o.access_token_lifetime, 30s, 86400s);
  o.phone_session_lifetime = read_seconds(s, "phone_session_lifetime", o.phone_session_lifetime, 60s, 86400s);
  o.otp_length = read_int(s, "otp_length", o.otp_length, 6, 8);
  o.otp_attempts_per_login = read_int(s, "otp_attempts_per_login", o.otp_attempts_per_login, 1, 10);
  o.otp_attempts_per_customer = read_int(s, "otp_attempts_per_customer", o.otp_attempts_per_customer, 1, 1000);
  o.otp_attempt_window = read_seconds(s, "otp_attempt_window", o.otp_attempt_window, 60s, 86400s);
  o.logins_per_customer = read_int(s, "logins_per_customer", o.logins_per_customer, 1, 1000);
  o.login_start_window = read_seconds(s, "login_start_window", o.login_start_window, 60s, 86400s);
  o.max_pending_logins = static_cast<std::size_t>(s.integer("max_pending_logins", 10'000, 1, 10'000'000));
  o.max_access_tokens = static_cast<std::size_t>(s.integer("max_access_tokens", 100'000, 1, 10'000'000));
  o.outbox_size = static_cast<std::size_t>(s.integer("outbox_size", 20, 1, 1000));
  o.customers_file = s.string("customers_file");
  if (!o.customers_file.empty()) {
    // Read it now so that a broken file fails `parley check-config` and start-up, not a request.
    std::string problem;
    if (!load_customers(o.customers_file, std::chrono::system_clock::now(), &problem)) {
      s.error("customers_file", problem.empty() ? "cannot be loaded" : problem);
    }
  }
  o.phone_app = s.boolean("phone_app", o.phone_app);
  if (o.max_polling_interval < o.polling_interval) {
    s.error("max_polling_interval", "must not be below polling_interval");
  }
  s.finish();
  return o;
}

}  // namespace bankx
