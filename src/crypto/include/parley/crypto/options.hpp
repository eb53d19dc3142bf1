// Configuration of the crypto component: where the root key comes from. Section [crypto]:
//
//   [crypto]
//   root_key_file = "/etc/parley/root.key"    # 32 raw bytes, mode 0600 (`parley keys init` makes one)
//   # or: root_key_env = "PARLEY_ROOT_KEY"    # name of a variable holding the key in base64url
//   root_key_version = 1                      # the version the store knows this key by
//   erasure_secrets_file = "/var/lib/parley/erasure.secrets"   # outside the database
//
// The key itself is never in the configuration: only where to find it. Read once by src/app.
#pragma once

#include <parley/core/config.hpp>
#include <parley/crypto/root_key.hpp>

#include <cstdint>
#include <string>

namespace parley::crypto {

struct options {
  std::string root_key_file;          ///< path of the root key file; empty when root_key_env is used
  std::string root_key_env;           ///< name of an environment variable with the base64url key
  std::uint32_t root_key_version = 1;  ///< version of the configured root key (bumped at rotation)
  std::string erasure_secrets_file;   ///< file of erasure secrets (erasure_secrets.hpp); never in the database
};

/// Reads section [crypto]; at most one of root_key_file / root_key_env. Problems go to the config.
[[nodiscard]] options parse_options(core::config_section section);

/// Loads the configured root key. errc::invalid_argument when none is configured; otherwise the
/// errors of root_key::load_file / root_key::from_base64url (errc::malformed also when the
/// variable is unset). The caller turns them into a start-up failure with a clear message.
[[nodiscard]] result<root_key> load_root_key(const options& opts, const core::env_map& env);

}  // namespace parley::crypto
