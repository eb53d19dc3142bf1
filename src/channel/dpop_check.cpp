#include "dpop_check.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/jose/error.hpp>

#include <openssl/crypto.h>

namespace parley::channel {
namespace {

constexpr std::int64_t nonce_window_seconds = 60;
constexpr std::size_t nonce_mac_bytes = 16;

jose::dpop_options verifier_options(const options& o) {
  jose::dpop_options d;
  d.max_age = o.dpop_max_age;
  d.max_future = std::chrono::seconds(5);
  return d;
}

jose::dpop_replay_options replay_options(const options& o) {
  jose::dpop_replay_options r;
  // Long enough to remember every proof the verifier could still accept.
  r.window = o.dpop_max_age + std::chrono::seconds(10);
  r.max_entries = o.dpop_replay_entries;
  return r;
}

std::array<std::uint8_t, 8> big_endian(std::uint64_t v) {
  std::array<std::uint8_t, 8> out{};
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

dpop_check::dpop_check(const options& opts, const core::clock& clock, core::random_source& rng)
    : clock_(clock), verifier_(verifier_options(opts), clock), replay_(replay_options(opts)) {
  rng.fill(nonce_key_);
}

std::string dpop_check::nonce_for(std::uint64_t window) const {
  const auto w = big_endian(window);
  const auto mac = crypto::hmac_sha256(nonce_key_, w);
  std::array<std::uint8_t, 8 + nonce_mac_bytes> raw{};
  std::copy(w.begin(), w.end(), raw.begin());
  std::copy(mac.begin(), mac.begin() + nonce_mac_bytes, raw.begin() + 8);
  return core::base64url_encode(raw);
}

std::string dpop_check::nonce() const {
  return nonce_for(static_cast<std::uint64_t>(core::unix_seconds(clock_.now()) / nonce_window_seconds));
}

bool dpop_check::valid_nonce(std::string_view n) const {
  auto raw = core::base64url_decode(n);
  if (!raw || raw->size() != 8 + nonce_mac_bytes) return false;
  std::uint64_t window = 0;
  for (std::size_t i = 0; i < 8; ++i) window = (window << 8) | (*raw)[i];
  const auto now = static_cast<std::uint64_t>(core::unix_seconds(clock_.now()) / nonce_window_seconds);
  if (window != now && window + 1 != now) return false;
  const auto expected = core::base64url_decode(nonce_for(window));
  return expected && CRYPTO_memcmp(expected->data(), raw->data(), raw->size()) == 0;
}

std::optional<std::string_view> dpop_check::proof_header(const net::request& req) {
  std::optional<std::string_view> found;
  for (const auto& [name, value] : req.headers) {
    if (!net::iequals(name, "dpop")) continue;
    if (found) return std::nullopt;  // RFC 9449 §4.3: exactly one
    found = trimmed(value);
  }
  return found;
}

std::optional<std::string_view> dpop_check::proof_subprotocol(const net::request& req) {
  std::optional<std::string_view> proof;
  bool offered = false;
  for (const auto& [name, value] : req.headers) {
    if (!net::iequals(name, "sec-websocket-protocol")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = trimmed(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (item == dpop_subprotocol) {
        offered = true;
      } else if (item.starts_with(dpop_proof_subprotocol_prefix)) {
        if (proof) return std::nullopt;
        proof = item.substr(dpop_proof_subprotocol_prefix.size());
      }
    }
  }
  if (!offered) return std::nullopt;
  return proof;
}

error_code dpop_check::check(std::string_view proof, std::string_view method, std::string_view htu,
                             std::string_view token, const conversation_grant& g, bool require_nonce) {
  if (proof.empty()) return make_error_code(errc::dpop_required);
  auto p = verifier_.verify(proof, {method, htu, token});
  if (!p) return make_error_code(errc::invalid_dpop_proof);
  // The key that signed the proof must be the one the token is bound to (constant time: the
  // thumbprint is public, but nothing is gained by leaking how much of it matched).
  if (p->jkt.size() != g.jkt.size() || CRYPTO_memcmp(p->jkt.data(), g.jkt.data(), g.jkt.size()) != 0) {
    return make_error_code(errc::invalid_dpop_proof);
  }
  if (require_nonce && (!p->nonce || !valid_nonce(*p->nonce))) return make_error_code(errc::use_dpop_nonce);
  // Last, so that a proof refused for another reason does not use up its jti.
  if (!replay_.record(p->jkt, p->jti, clock_.steady_now())) return make_error_code(errc::invalid_dpop_proof);
  return {};
}

}  // namespace parley::channel
