// What Parley lets through to toml++ (Debian's 3.3.0): the characters TOML 1.0 allows.
//
// toml++ 3.3.0 asserts (and, built with NDEBUG, assumes: undefined behaviour) when a table
// header's '[' or '[[' is followed by a vertical white-space character: "[\fnet]", "[\rnet]",
// "[\u2028net]" (found by the config fuzz target). TOML 1.0 forbids every control character but
// tab outside of newlines (LF or CR LF), so refusing them first costs nothing a valid file has;
// the Unicode line and paragraph separators and NEL (U+0085, U+2028, U+2029), legal only inside
// strings and comments, are refused everywhere: nobody types them into a configuration file.
// It also asserts when the first key of a table header starts with anything but a bare-key
// character or a quote ("[#", "[=x]", "[.a]", "[é]", "[" then a line break): such a header is
// refused first too (a syntax error toml++ would have reported, had it not asserted), and so is
// a '}' where an array's value belongs ("a = [}", "a = [1, }"), where it asserts as well.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

/// Returns "L:C: <what>" (line, byte column from 1) for the first character toml++ must not see,
/// or nothing when the text may be parsed. Thread-safe, linear, allocates only the message.
[[nodiscard]] std::optional<std::string> toml_character_error(std::string_view text);

}  // namespace parley::core
