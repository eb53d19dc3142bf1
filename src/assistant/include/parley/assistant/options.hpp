// Operational limits of the dialog engine, from the [assistant] section of the Parley
// configuration. (What the assistant says lives in each bot's definition file, definition.hpp.)
#pragma once

#include <parley/core/config.hpp>

#include <chrono>
#include <cstddef>

namespace parley::assistant {

struct options {
  /// Messages longer than this are matched and validated on their first max_input_bytes bytes.
  std::size_t max_input_bytes = 2048;
  /// An action not resumed within this time is forgotten at the next message (the bot crashed or
  /// lost the result); the dialog then goes on as if it had failed silently.
  std::chrono::seconds pending_timeout{15 * 60};
  /// A stored state longer than this is refused by engine::restore() (and reset).
  std::size_t max_state_bytes = 16 * 1024;
  /// Slot answers and action result values are cut to this many bytes before they are kept.
  std::size_t max_value_bytes = 512;
};

/// Reads the [assistant] section (keys: max_input_bytes, pending_timeout, max_state_bytes,
/// max_value_bytes). Problems are recorded in the section's config; unknown keys are errors.
/// Called once, at start-up, by the composition root (like every config reader, not thread-safe).
[[nodiscard]] options parse_options(core::config_section section);

}  // namespace parley::assistant
