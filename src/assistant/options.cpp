#include <parley/assistant/options.hpp>

namespace parley::assistant {

options parse_options(core::config_section section) {
  options o;
  o.max_input_bytes = static_cast<std::size_t>(
      section.integer("max_input_bytes", static_cast<std::int64_t>(o.max_input_bytes), 64, 64 * 1024));
  const auto timeout = section.duration("pending_timeout", o.pending_timeout);
  if (timeout < std::chrono::seconds{10} || timeout > std::chrono::hours{24}) {
    section.error("pending_timeout", "must be between 10s and 24h");
  } else {
    o.pending_timeout = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  }
  o.max_state_bytes = static_cast<std::size_t>(
      section.integer("max_state_bytes", static_cast<std::int64_t>(o.max_state_bytes), 1024, 1024 * 1024));
  o.max_value_bytes = static_cast<std::size_t>(
      section.integer("max_value_bytes", static_cast<std::int64_t>(o.max_value_bytes), 16, 64 * 1024));
  section.finish();
  return o;
}

}  // namespace parley::assistant
