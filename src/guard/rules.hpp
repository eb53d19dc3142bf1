// Private: the guard's rules. Each looks at the text from one position, reads a bounded window
// (or consumes what it reads), and writes the kept or masked text to the output, so that the
// driver's single pass stays linear in the input.
#pragma once

#include <parley/guard/credential_guard.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::guard::detail {

/// The guarded text being built.
struct output {
  std::string text;
  std::vector<credential_kind> found;
  void note(credential_kind k);
};

/// A run of digit groups starts at `at` (a digit not preceded by a digit): copies it to `out`
/// with card numbers (and, with `awaits_code`, a stand-alone one-time code) masked. Returns the
/// position after what it consumed (> at).
std::size_t guard_digit_run(std::string_view text, std::size_t at, bool awaits_code, output& out);

/// An IBAN starts at `at` (a word boundary): masks it and returns the position after it.
std::optional<std::size_t> guard_iban(std::string_view text, std::size_t at, output& out);

/// A password, PIN or card security code keyword starts at `at` (a word boundary) and introduces a
/// value: copies the keyword and separator, masks the value, returns the position after it.
std::optional<std::size_t> guard_keyword(std::string_view text, std::size_t at, output& out);

}  // namespace parley::guard::detail
