// Private: the desk's random values and the hashes that stand in for them in the store.
//
// A session cookie's value is "<tenant>.<secret>" (43 base64url characters, 256 random bits);
// the store keeps only ref = H("session", secret), so a copy of the database opens no session.
// A sign-in's `state` is stored as H("state", state); the browser's sign-in cookie secret B as
// H("browser", B). The PKCE verifier and the nonce are derived from B and the state
// (HMAC-SHA256), so that the pending sign-in in the store holds no secret at all and a callback
// in another browser (without B) cannot redeem a code (docs/adr/0011-desk-bff.md).
// Thread-safety: pure functions (random_token uses the thread-safe random source).
#pragma once

#include <parley/core/random.hpp>

#include <string>
#include <string_view>

namespace parley::desk::detail {

/// 256 random bits, base64url (43 characters).
[[nodiscard]] std::string random_token(core::random_source& rng);
/// True for exactly 43 base64url characters (what random_token makes).
[[nodiscard]] bool well_formed_token(std::string_view s) noexcept;
/// base64url(SHA-256("parley/desk/" label "\0" value)), 43 characters.
[[nodiscard]] std::string hash_ref(std::string_view label, std::string_view value);
/// base64url(HMAC-SHA256(key = browser secret, "parley/desk/" purpose "\0" state)), 43 characters.
[[nodiscard]] std::string derive(std::string_view browser_secret, std::string_view purpose, std::string_view state);
/// The S256 code challenge of a verifier (RFC 7636 §4.2).
[[nodiscard]] std::string pkce_challenge(std::string_view verifier);
/// The consultant's stable pseudonymous id: "c_" + 128 bits of SHA-256 over (iss, sub).
[[nodiscard]] std::string actor_id(std::string_view issuer, std::string_view subject);

}  // namespace parley::desk::detail
