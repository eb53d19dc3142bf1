#include <parley/jose/error.hpp>

#include <string>

namespace parley::jose {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.jose"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::malformed: return "malformed token or key";
      case errc::too_large: return "token or document too large";
      case errc::unsupported: return "unsupported JOSE feature (crit, cty, algorithm or key type)";
      case errc::alg_not_allowed: return "algorithm not allowed";
      case errc::unknown_key: return "unknown signing key";
      case errc::bad_signature: return "bad signature";
      case errc::wrong_type: return "wrong token type";
      case errc::wrong_issuer: return "wrong issuer";
      case errc::wrong_audience: return "wrong audience";
      case errc::expired: return "token expired";
      case errc::not_yet_valid: return "token not yet valid";
      case errc::lifetime_too_long: return "token lifetime too long";
      case errc::missing_claim: return "required claim missing";
      case errc::bad_key: return "key refused (weak, wrong curve, private or invalid)";
      case errc::invalid_profile: return "invalid token profile";
      case errc::unknown_purpose: return "no signing key for this purpose";
      case errc::key_file_corrupt: return "signing key file is corrupt or was not written by Parley";
      case errc::key_file_io: return "signing key file could not be read or written";
      case errc::unwrap_failed: return "a signing key could not be unwrapped (wrong root key or tampered file)";
      case errc::fetch_failed: return "remote key set could not be fetched or was refused";
      case errc::crypto_failure: return "cryptographic library failure";
      case errc::proof_mismatch: return "DPoP proof made for another request (htm, htu or ath)";
      case errc::replayed: return "DPoP proof already used";
      case errc::over_quota: return "too many DPoP proofs for this key";
    }
    return "unknown jose error";
  }
};

}  // namespace

const boost::system::error_category& jose_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::jose
