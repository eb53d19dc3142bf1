// The Porter (1980) stemming algorithm for English, written for Parley: "blocking", "blocked"
// and "blocks" all become "block", so that one example utterance covers its inflections.
#pragma once

#include <string>
#include <string_view>

namespace parley::assistant::detail {

/// The Porter stem of a lower-case ASCII word. Words of one or two letters and words with any
/// character outside a-z are returned unchanged. Pure; thread-safe.
[[nodiscard]] std::string porter_stem(std::string_view word);

}  // namespace parley::assistant::detail
