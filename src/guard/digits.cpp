// Card numbers and one-time codes in runs of digit groups.
//
// A run is digit groups joined by short runs of separators (spaces, tabs, dots, dashes, Unicode
// spaces). A card number is a window of consecutive groups with 13 to 19 digits that passes the
// Luhn check, either one group alone (glued to letters or not) or several groups of 3 to 6 digits
// each (4-4-4-4, 4-6-5...): dates (2-2-4), amounts (1.250.000) and phone numbers (+44 20 ...) do
// not group that way. Windows are tried left to right, longest first, at most a few per group, and
// a run is cut into chunks of max_groups, so the work per byte is bounded.
#include "rules.hpp"
#include "text.hpp"

#include <array>
#include <span>

namespace parley::guard::detail {
namespace {

constexpr std::size_t max_separator_chars = 3;  // "4111  1111", "4111 - 1111", NBSP NBSP
constexpr std::size_t max_groups = 64;          // per chunk of a long run
constexpr std::size_t min_card = 13, max_card = 19;
constexpr std::size_t min_group = 3, max_group = 6;
constexpr std::size_t min_code = 4, max_code = 10;

struct group {
  std::size_t begin, end;  // byte offsets of the digits
  [[nodiscard]] std::size_t size() const { return end - begin; }
};

// Length of one separator character at `at`: a space or '.', '-', en dash.
std::size_t separator_at(std::string_view text, std::size_t at) {
  if (at >= text.size()) return 0;
  if (text[at] == '.' || text[at] == '-') return 1;
  return space_at(text, at);
}

// Where the digit groups after a separator run continue (0: they do not).
std::size_t after_separators(std::string_view text, std::size_t at) {
  std::size_t i = at;
  for (std::size_t n = 0; n < max_separator_chars; ++n) {
    const auto len = separator_at(text, i);
    if (len == 0) break;
    i += len;
  }
  return i > at && i < text.size() && digit(text[i]) ? i : 0;
}

// Separators a typed code may hold (as the login executor reads it).
bool code_separators(std::string_view s) {
  for (const char c : s) {
    if (c != ' ' && c != '\t' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::size_t guard_digit_run(std::string_view text, std::size_t at, bool awaits_code, output& out) {
  std::array<group, max_groups> storage;
  std::size_t count = 0;
  std::size_t i = at;
  while (count < max_groups) {
    const std::size_t begin = i;
    while (i < text.size() && digit(text[i])) ++i;
    storage[count++] = {begin, i};
    const auto next = after_separators(text, i);
    if (next == 0) break;
    i = next;
  }
  const std::span<const group> groups(storage.data(), count);
  const std::size_t run_end = groups.back().end;

  // A stand-alone code while a login waits for one: the whole run, word-bounded.
  if (awaits_code && boundary_before(text, at) && !word_at(text, run_end)) {
    std::size_t digits = 0;
    bool code_like = true;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      digits += groups[g].size();
      if (g > 0 && !code_separators(text.substr(groups[g - 1].end, groups[g].begin - groups[g - 1].end)))
        code_like = false;
    }
    if (code_like && digits >= min_code && digits <= max_code) {
      out.text += "[hidden]";
      out.note(credential_kind::one_time_code);
      return run_end;
    }
  }

  std::size_t copied = at;  // text before this offset is already in the output
  std::string digits;
  for (std::size_t g = 0; g < groups.size();) {
    std::size_t found_end = 0;
    // Longest window first: group g alone, or groups g..e each of min_group to max_group digits.
    const auto grouped = [&](std::size_t k) { return groups[k].size() >= min_group && groups[k].size() <= max_group; };
    std::size_t last = g;
    if (grouped(g)) {
      std::size_t total = groups[g].size();
      for (std::size_t e = g + 1; e < groups.size() && grouped(e); ++e) {
        total += groups[e].size();
        if (total > max_card) break;
        last = e;
      }
    }
    for (std::size_t e = last + 1; e-- > g;) {
      std::size_t n = 0;
      for (std::size_t k = g; k <= e; ++k) n += groups[k].size();
      if (n < min_card || n > max_card) continue;
      digits.clear();
      for (std::size_t k = g; k <= e; ++k) digits.append(text.substr(groups[k].begin, groups[k].size()));
      if (!luhn_valid(digits)) continue;
      found_end = e + 1;
      break;
    }
    if (found_end == 0) {
      ++g;
      continue;
    }
    out.text.append(text.substr(copied, groups[g].begin - copied));
    out.text += "\u2022\u2022\u2022\u2022 ";
    out.text.append(digits.substr(digits.size() - 4));
    out.note(credential_kind::card_number);
    copied = groups[found_end - 1].end;
    g = found_end;
  }
  out.text.append(text.substr(copied, run_end - copied));
  return run_end;
}

}  // namespace parley::guard::detail
