// Text normalisation for intent matching and for comparing answers to slot choices.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant::detail {

/// Longer words are cut to this many bytes.
inline constexpr std::size_t max_word_bytes = 48;

/// Splits `text` (UTF-8; invalid bytes are treated as separators) into lower-case ASCII-folded
/// word tokens: accents folded (é→e, ß→ss, œ→oe), curly quotes read as apostrophes, English
/// contractions expanded ("can't"→"can not", "what's"→"what is", "dont"→"do not"), possessive
/// "'s" dropped, every other punctuation or symbol a separator. At most `max_tokens` tokens are
/// returned (the rest of the input is ignored). Pure; thread-safe.
[[nodiscard]] std::vector<std::string> tokenise(std::string_view text, std::size_t max_tokens = 64);

/// The tokens of tokenise() joined by single spaces.
[[nodiscard]] std::string normalise(std::string_view text, std::size_t max_tokens = 64);

/// True if every character of `token` is an ASCII letter.
[[nodiscard]] bool is_alpha_token(std::string_view token) noexcept;

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD, so that it can be stored in
/// JSON that strict parsers accept.
[[nodiscard]] std::string sanitise_utf8(std::string_view text);

/// True if `a` and `b` differ by exactly one insertion, deletion, substitution or transposition
/// of two adjacent characters (optimal string alignment distance 1).
[[nodiscard]] bool one_edit_apart(std::string_view a, std::string_view b);

}  // namespace parley::assistant::detail
