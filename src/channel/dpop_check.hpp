// Sender-constrained tokens at the channel (private; RFC 9449, docs/adr/0013): the proof a
// request carries for a bound token, the nonces the channel issues, and the replay cache.
//
// check() takes the request's `DPoP` header and verifies it for the request's method and URI (the
// channel's public URL + the request path; ws(s):// for the stream), the presented token (`ath`),
// the token's key (`cnf.jkt`), a nonce this channel issued (when the tenant requires one) and the
// replay cache. Nonces are stateless: base64url(window || HMAC-SHA256(key, window)), the key
// random per process; a nonce is valid in its window and the next (1 to 2 minutes).
//
// Errors: errc::dpop_required (no or several DPoP headers), errc::invalid_dpop_proof (any check
// failed, replay included), errc::use_dpop_nonce (no nonce, or a stale or foreign one).
// Thread-safety: every member may be called from any thread.
#pragma once

#include <parley/channel/options.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/net/http.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::channel {

/// The protocol a WebSocket client offers with its proof: `parley-dpop` (echoed by the channel)
/// and `parley-dpop-proof.<proof>` (browsers cannot set a DPoP header on an upgrade).
inline constexpr std::string_view dpop_subprotocol = "parley-dpop";
inline constexpr std::string_view dpop_proof_subprotocol_prefix = "parley-dpop-proof.";

class dpop_check {
 public:
  /// `clock` must outlive this; `rng` gives the nonce key.
  dpop_check(const options& opts, const core::clock& clock, core::random_source& rng);

  /// Verifies the proof of a request that presents bound token `token` (grant `g`). `htu` is the
  /// request's URI as the client addressed it, without query. `proof` is the DPoP header's value
  /// (or the proof from the WebSocket subprotocol).
  [[nodiscard]] error_code check(std::string_view proof, std::string_view method, std::string_view htu,
                                 std::string_view token, const conversation_grant& g, bool require_nonce);

  /// The nonce to give clients now (the DPoP-Nonce header).
  [[nodiscard]] std::string nonce() const;
  /// Whether `n` is a nonce of this window or the one before.
  [[nodiscard]] bool valid_nonce(std::string_view n) const;

  /// The single DPoP header of `req`: nullopt when absent or repeated.
  [[nodiscard]] static std::optional<std::string_view> proof_header(const net::request& req);
  /// The proof a WebSocket upgrade offers in Sec-WebSocket-Protocol, if it offers the DPoP pair.
  [[nodiscard]] static std::optional<std::string_view> proof_subprotocol(const net::request& req);

 private:
  [[nodiscard]] std::string nonce_for(std::uint64_t window) const;

  const core::clock& clock_;
  jose::dpop_verifier verifier_;
  jose::dpop_replay_cache replay_;
  std::array<std::uint8_t, 32> nonce_key_{};
};

}  // namespace parley::channel
