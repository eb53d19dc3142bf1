// Signed checkpoints of a tenant's chain (docs/audit.md): a compact JWS, signed with an Ed25519
// key of the audit key file (jose's signing key store, every private key wrapped by the root key),
// header {"alg":"EdDSA","kid","typ":"audit-checkpoint+jwt"}, claims
//   iss "parley-audit", aud <tenant id>, seq <entry covered>, hash <its chain hash, base64url>,
//   prev <seq of the checkpoint before it, 0 for the first>, time <signing time, ns>,
//   exp <signing time + 100 years: jose's profiles require one; a checkpoint does not expire>.
// Checkpoints are verified only through their token profile (SECURITY.md: one JOSE module).
//
// Thread-safety: pure functions; keys and key sets are immutable.
#pragma once

#include <parley/audit/format.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/key.hpp>
#include <parley/jose/key_store.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace parley::audit {

/// The signing-key purpose of checkpoints.
inline constexpr std::string_view checkpoint_purpose = "audit-checkpoint";
[[nodiscard]] jose::key_purpose checkpoint_key_purpose();

/// Options of the audit key file: a rotated key is active at once, and a retired one stays
/// published (usable to verify) for 100 years, so every checkpoint it signed keeps verifying.
/// Never open this file with [jose]'s options (25 h overlap): old keys would be dropped.
[[nodiscard]] jose::key_store_options checkpoint_key_options(std::filesystem::path file);

struct checkpoint {
  std::string tenant_id;
  std::uint64_t seq = 0;   ///< the entry it covers
  chain_hash hash{};       ///< that entry's hash
  std::uint64_t prev = 0;  ///< the checkpoint before it (0: none)
  std::int64_t time = 0;   ///< when it was signed, ns since the epoch
  std::string kid;         ///< set by verify_checkpoint
};

/// Signs `c` with `key`. Errors of jose::sign (errc::crypto_failure).
[[nodiscard]] result<std::string> sign_checkpoint(const jose::signing_key& key, const checkpoint& c);

/// Verifies a checkpoint of `tenant_id` against `keys`. Errors: jose's (bad_signature,
/// unknown_key, wrong_audience, malformed...) and audit errc::tampered for claims of the wrong
/// shape.
[[nodiscard]] result<checkpoint> verify_checkpoint(std::string_view token, std::string_view tenant_id,
                                                   const jose::jwks& keys, const core::clock& clock);

}  // namespace parley::audit
