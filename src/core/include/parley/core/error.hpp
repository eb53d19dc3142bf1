// Error vocabulary shared by every Parley component.
//
// Expected failures (bad input, expired token, broker down...) are returned, never thrown:
// `boost::system::error_code` on I/O paths and `parley::result<T>` on domain calls. Each
// component declares its own `enum class errc` registered as an error category, like this one.
// Programmer errors use PARLEY_ASSERT (debug) / PARLEY_CHECK (always on, fatal).
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string_view>
#include <type_traits>

namespace parley {

/// A value or an error code. Alias of boost::system::result so that Boost and Parley agree.
template <class T>
using result = boost::system::result<T>;

using error_code = boost::system::error_code;

}  // namespace parley

namespace parley::core {

/// Errors raised by the core component (configuration, files, parsing helpers).
enum class errc {
  invalid_argument = 1,  ///< a value out of range or of the wrong shape
  unknown_key,           ///< a configuration key nobody asked for
  wrong_type,            ///< a configuration value of the wrong TOML type
  missing,               ///< a required value is absent
  io_error,              ///< a file could not be read
  parse_error,           ///< malformed TOML / JSON / base64
  too_large,             ///< input over a size limit
  duplicate_key,         ///< a JSON object with a repeated member name
  insecure_file,         ///< a secret file readable by group or others
  too_deep,              ///< JSON nested deeper than allowed
  non_finite_number,     ///< a JSON number out of the range of a double (1e309, a 400-digit integer)
};

const boost::system::error_category& core_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), core_category()};
}

/// Aborts the process with a message on stderr. Used by PARLEY_CHECK; never returns.
[[noreturn]] void fail_check(const char* expr, const char* file, int line, std::string_view msg) noexcept;

}  // namespace parley::core

template <>
struct boost::system::is_error_code_enum<parley::core::errc> : std::true_type {};

/// Always-on invariant check for "can't happen" states. Never use it on anything a peer, a user or
/// a config file can influence: those are returned as errors.
#define PARLEY_CHECK(cond, msg)                                            \
  do {                                                                     \
    if (!(cond)) ::parley::core::fail_check(#cond, __FILE__, __LINE__, msg); \
  } while (false)

#ifdef NDEBUG
#define PARLEY_ASSERT(cond) ((void)0)
#else
#define PARLEY_ASSERT(cond) PARLEY_CHECK(cond, "assertion failed")
#endif
