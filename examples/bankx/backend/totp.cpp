#include <bankx/totp.hpp>

#include <parley/core/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstdio>

namespace bankx {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_value(char c) noexcept {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  const auto pos = alphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

std::string percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : data) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >> (bits - 5)) & 31U];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31U];
  return out;
}

std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ') continue;
    const int v = base32_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xFFU));
      bits -= 8;
    }
  }
  // Leftover bits must be padding zeros, so that one secret has one accepted spelling.
  if ((buffer & ((1U << bits) - 1U)) != 0) return std::nullopt;
  return out;
}

std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits) {
  PARLEY_CHECK(digits >= 6 && digits <= 8, "hotp digits must be 6..8");
  std::array<std::uint8_t, 8> msg{};
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter & 0xFFU);
    counter >>= 8;
  }
  std::array<std::uint8_t, 20> mac{};
  std::size_t mac_len = 0;
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t empty = 0;
  const void* key_ptr = key.empty() ? &empty : key.data();
  const auto* done = EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, key_ptr, key.size(), msg.data(), msg.size(),
                               mac.data(), mac.size(), &mac_len);
  PARLEY_CHECK(done != nullptr && mac_len == mac.size(), "HMAC-SHA1 failed");
  // Dynamic truncation (RFC 4226 §5.3).
  const unsigned offset = mac[19] & 0x0FU;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7FU) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*u", digits, binary % modulus);
  parley::crypto::secure_wipe(mac);
  return buf;
}

std::int64_t totp_step(std::chrono::system_clock::time_point t, std::chrono::seconds step) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  // floor division, so that times before 1970 (never used, but well defined) do not round up.
  const auto x = step.count();
  return secs >= 0 ? secs / x : -((-secs + x - 1) / x);
}

std::string totp(std::span<const std::uint8_t> key, std::chrono::system_clock::time_point t, const totp_params& params) {
  return hotp(key, static_cast<std::uint64_t>(totp_step(t, params.step)), params.digits);
}

std::optional<std::int64_t> totp_verify(std::span<const std::uint8_t> key, std::string_view code,
                                        std::chrono::system_clock::time_point t, std::int64_t last_used_step,
                                        const totp_params& params) {
  if (code.size() != static_cast<std::size_t>(params.digits)) return std::nullopt;
  const std::int64_t now_step = totp_step(t, params.step);
  std::optional<std::int64_t> matched;
  for (std::int64_t s = now_step - params.window; s <= now_step + params.window; ++s) {
    if (s < 0 || s <= last_used_step) continue;
    const std::string candidate = hotp(key, static_cast<std::uint64_t>(s), params.digits);
    // Keep comparing after a match: the time taken must not tell which step matched.
    if (parley::crypto::constant_time_equal(candidate, code) && !matched) matched = s;
  }
  return matched;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32,
                        const totp_params& params) {
  std::string uri = "otpauth://totp/";
  uri += percent_encode(issuer);
  uri += ':';
  uri += percent_encode(account);
  uri += "?secret=";
  uri += secret_base32;
  uri += "&issuer=";
  uri += percent_encode(issuer);
  uri += "&algorithm=SHA1&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.step.count());
  return uri;
}

}  // namespace bankx
