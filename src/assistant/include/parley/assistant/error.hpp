// Errors of the assistant component. Loading a definition reports its problems as messages with
// TOML paths (see definition.hpp); these codes are for the calls that return parley::result.
#pragma once

#include <parley/core/error.hpp>

namespace parley::assistant {

enum class errc {
  invalid_definition = 1,  ///< the definition file has errors (messages in load_result::errors)
  corrupt_state,           ///< a serialised dialog state is not valid JSON of the expected shape
  state_too_large,         ///< a serialised dialog state is over options::max_state_bytes
  state_version,           ///< a dialog state written by another state format version
};

const boost::system::error_category& assistant_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), assistant_category()};
}

}  // namespace parley::assistant

template <>
struct boost::system::is_error_code_enum<parley::assistant::errc> : std::true_type {};
