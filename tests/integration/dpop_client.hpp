// Test helper: what the widget does with WebCrypto, in C++: an ES256 key and DPoP proofs
// (RFC 9449) signed with it, with the fields a test wants to get wrong.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/dpop.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace parley::channel::test {

/// What a test changes in a proof.
struct proof_options {
  std::string nonce;                   ///< empty: no nonce claim
  std::chrono::seconds iat_offset{0};  ///< the client's clock error
  std::string jti;                     ///< empty: a fresh random one
  bool with_ath = true;                ///< include ath when a token is given
};

class dpop_client {
 public:
  explicit dpop_client(const core::clock& clock) : clock_(clock) {}

  /// The thumbprint the channel binds tokens to (`dpopJkt`, `cnf.jkt`).
  [[nodiscard]] const std::string& jkt() const { return key_.kid(); }

  /// A proof for `method` `url` presented with `token` (empty: none).
  [[nodiscard]] std::string proof(std::string_view method, std::string_view url, std::string_view token = {},
                                  const proof_options& o = {}) const {
    jose::claims c;
    c.set("jti", o.jti.empty() ? core::random_id(core::os_random(), "", 18) : o.jti);
    c.set("htm", method);
    c.set("htu", url);
    c.set_time("iat", clock_.now() + o.iat_offset);
    if (!token.empty() && o.with_ath) c.set("ath", jose::dpop_ath(token));
    if (!o.nonce.empty()) c.set("nonce", o.nonce);
    return *jose::make_dpop_proof(key_, c);
  }

 private:
  const core::clock& clock_;
  jose::signing_key key_ = *jose::signing_key::generate(jose::algorithm::es256);
};

}  // namespace parley::channel::test
