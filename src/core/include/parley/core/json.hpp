// Strict JSON parsing for everything that comes from outside the process.
//
// Boost.JSON 1.81 silently keeps the last of two members with the same name; attackers use that
// to make two parsers disagree about one document. parse_json() refuses duplicates, trailing
// data, comments, invalid UTF-8, too-deep nesting and over-long input, and numbers that do not fit
// a finite double (1e309, a 400-digit integer): Boost.JSON would hold them as infinity and write
// them as the bare token Infinity, which is not JSON. So every value parse_json() returns
// serialises to a JSON text that parses back to the same value.
#pragma once

#include <parley/core/error.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

struct json_limits {
  std::size_t max_bytes = 256 * 1024;  ///< whole document
  std::size_t max_depth = 32;          ///< nesting of arrays and objects
};

/// Parses one JSON document. Errors: errc::too_large, errc::duplicate_key, errc::too_deep,
/// errc::non_finite_number, errc::parse_error.
[[nodiscard]] result<boost::json::value> parse_json(std::string_view text, const json_limits& limits = {});

/// Like parse_json but also requires the document to be an object.
[[nodiscard]] result<boost::json::object> parse_json_object(std::string_view text, const json_limits& limits = {});

/// Small typed accessors for parsed input: nullptr / nullopt when absent or of another type.
[[nodiscard]] const boost::json::object* get_object(const boost::json::object& o, std::string_view key) noexcept;
[[nodiscard]] const boost::json::array* get_array(const boost::json::object& o, std::string_view key) noexcept;
[[nodiscard]] std::optional<std::string_view> get_string(const boost::json::object& o, std::string_view key) noexcept;
[[nodiscard]] std::optional<std::int64_t> get_int(const boost::json::object& o, std::string_view key) noexcept;
[[nodiscard]] std::optional<bool> get_bool(const boost::json::object& o, std::string_view key) noexcept;

}  // namespace parley::core
