#include "secrets.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

#include <array>

namespace parley::desk::detail {

std::string random_token(core::random_source& rng) {
  std::array<std::uint8_t, 32> raw{};
  rng.fill(raw);
  auto out = core::base64url_encode(raw);
  crypto::secure_wipe(raw);
  return out;
}

bool well_formed_token(std::string_view s) noexcept {
  if (s.size() != 43) return false;
  for (const unsigned char c : s) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string hash_ref(std::string_view label, std::string_view value) {
  std::string input = "parley/desk/";
  input.append(label);
  input.push_back('\0');
  input.append(value);
  auto out = core::base64url_encode(crypto::sha256(input));
  crypto::secure_wipe(input);
  return out;
}

std::string derive(std::string_view browser_secret, std::string_view purpose, std::string_view state) {
  std::string message = "parley/desk/";
  message.append(purpose);
  message.push_back('\0');
  message.append(state);
  auto mac = crypto::hmac_sha256(crypto::as_bytes(browser_secret), crypto::as_bytes(message));
  auto out = core::base64url_encode(mac);
  crypto::secure_wipe(mac);
  return out;
}

std::string pkce_challenge(std::string_view verifier) {
  return core::base64url_encode(crypto::sha256(verifier));
}

std::string actor_id(std::string_view issuer, std::string_view subject) {
  // Length-prefixed, so that no (issuer, subject) pair can spell another one.
  std::string input = "parley/desk/actor";
  input.push_back('\0');
  input.append(std::to_string(issuer.size()));
  input.push_back(':');
  input.append(issuer);
  input.append(subject);
  const auto digest = crypto::sha256(input);
  return "c_" + core::base64url_encode(std::span<const std::uint8_t>(digest.data(), 16));
}

}  // namespace parley::desk::detail
