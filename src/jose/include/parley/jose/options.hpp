// Configuration of the jose component: section [jose]. Read once at start-up by src/app, which
// turns it into key_store_options and remote_jwks_options for the components that need them.
#pragma once

#include <parley/core/config.hpp>

#include <chrono>
#include <string>

namespace parley::jose {

struct options {
  /// The signing key file; a relative path is taken from the configuration file's directory (the
  /// one relative-path rule of every section: README.md, "Paths"; src/app/startup_checks.hpp).
  std::string key_file = "signing-keys.json";
  /// How long a retired signing key stays published (longest token lifetime + relying parties'
  /// JWKS cache time; botbuilder caches 24 h).
  std::chrono::seconds key_overlap{std::chrono::hours{25}};
  /// How long a rotated-in key is published before it signs.
  std::chrono::seconds key_activation_delay{0};
  /// Modulus size of generated RS256 keys (2048..8192).
  unsigned rsa_bits = 2048;
  /// Remote key sets: age that triggers a background refresh.
  std::chrono::seconds jwks_max_age{std::chrono::hours{24}};
  /// Remote key sets: least time between fetches caused by unknown kids.
  std::chrono::seconds jwks_unknown_kid_cooldown{std::chrono::minutes{5}};
  /// Remote key sets: least time before retrying after a failed fetch.
  std::chrono::seconds jwks_retry_after_failure{std::chrono::minutes{5}};
};

/// Reads [jose]; unknown keys and out-of-range values are recorded in the config's errors.
[[nodiscard]] options parse_options(core::config_section section);

}  // namespace parley::jose
