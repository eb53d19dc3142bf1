// Configuration of the audit log, section [audit]:
//
//   [audit]
//   key_file = "audit-keys.json"   # checkpoint signing keys (Ed25519), wrapped by the root key;
//                                  # relative to the configuration file's directory
//   checkpoint_every = 100         # sign a checkpoint at least every this many entries (0: off)
//   checkpoint_interval = "60s"    # and when the newest checkpoint is older than this (0: off)
//
// At least one of the two triggers must be on: checkpoints are what reveals a removed tail.
#pragma once

#include <parley/core/config.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace parley::audit {

struct options {
  /// The checkpoint signing-key file (its own file: its retired keys must stay for as long as the
  /// checkpoints they signed, unlike the token keys of [jose]). Resolved by src/app.
  std::string key_file = "audit-keys.json";
  /// An entry whose number is this far past the newest checkpoint is checkpointed (0: never by count).
  std::uint64_t checkpoint_every = 100;
  /// An entry appended this long after the newest checkpoint is checkpointed, and the services'
  /// timer checkpoints an uncovered tail this old (0: never by time).
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds{60}};
};

/// Reads [audit]; unknown keys and out-of-range values are recorded in the config's errors.
[[nodiscard]] options parse_options(core::config_section section);

}  // namespace parley::audit
