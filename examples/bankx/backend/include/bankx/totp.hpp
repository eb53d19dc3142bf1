// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1, base32 secrets
// (RFC 4648 §6) and otpauth:// enrolment URIs (the Google Authenticator key-URI format that
// authenticator apps read from QR codes).
//
// BankX uses 30-second steps, 6 digits and a window of one step either side; a matched step is
// remembered by the caller so that the same code (and any older one) is never accepted twice.
// Thread-safety: pure functions. Secrets are never logged by this file or its callers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

struct totp_params {
  std::chrono::seconds step{30};  ///< time step X (RFC 6238 §4.1)
  int digits = 6;                 ///< 6..8
  int window = 1;                 ///< steps accepted before and after the current one (clock drift)
};

/// Base32 (RFC 4648 §6), upper case, without padding.
[[nodiscard]] std::string base32_encode(std::span<const std::uint8_t> data);
/// Decodes base32 ignoring case, spaces and trailing '=' padding; nullopt on any other character
/// or on non-zero trailing bits.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text);

/// HOTP(K, C) = Truncate(HMAC-SHA1(K, C)) mod 10^digits (RFC 4226 §5.3), as a zero-padded string.
/// `digits` must be 6..8 (PARLEY_CHECK).
[[nodiscard]] std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits = 6);

/// The TOTP time step T = floor(unix time / step) (RFC 6238 §4.2, T0 = 0).
[[nodiscard]] std::int64_t totp_step(std::chrono::system_clock::time_point t, std::chrono::seconds step);

/// The TOTP value at time `t`.
[[nodiscard]] std::string totp(std::span<const std::uint8_t> key, std::chrono::system_clock::time_point t,
                               const totp_params& params = {});

/// Checks `code` against the steps within params.window of `t`, skipping steps <= `last_used_step`
/// (a used code, or one older than it, cannot be replayed). Returns the matched step, which the
/// caller stores as its new last_used_step; nullopt when nothing matches. Every candidate is
/// compared in constant time.
[[nodiscard]] std::optional<std::int64_t> totp_verify(std::span<const std::uint8_t> key, std::string_view code,
                                                      std::chrono::system_clock::time_point t,
                                                      std::int64_t last_used_step, const totp_params& params = {});

/// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
/// with issuer and account percent-encoded.
[[nodiscard]] std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32,
                                      const totp_params& params = {});

}  // namespace bankx
