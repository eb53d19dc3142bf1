#include "normalise.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace parley::assistant::detail {
namespace {

// Folding of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A) to ASCII. An empty
// entry is a separator (× and ÷). Built once; indexes are code point - 0xC0.
constexpr std::size_t fold_first = 0xC0;
constexpr std::size_t fold_last = 0x17F;

using fold_table = std::array<std::string_view, fold_last - fold_first + 1>;

fold_table make_fold_table() {
  fold_table t{};
  auto set = [&t](std::size_t from, std::size_t to, std::string_view ascii) {
    for (std::size_t c = from; c <= to; ++c) t[c - fold_first] = ascii;
  };
  // Latin-1 Supplement, upper and lower case.
  for (std::size_t base : {0xC0u, 0xE0u}) {
    set(base + 0x00, base + 0x05, "a");
    set(base + 0x06, base + 0x06, "ae");
    set(base + 0x07, base + 0x07, "c");
    set(base + 0x08, base + 0x0B, "e");
    set(base + 0x0C, base + 0x0F, "i");
    set(base + 0x10, base + 0x10, "d");
    set(base + 0x11, base + 0x11, "n");
    set(base + 0x12, base + 0x16, "o");
    set(base + 0x18, base + 0x18, "o");
    set(base + 0x19, base + 0x1C, "u");
    set(base + 0x1D, base + 0x1D, "y");
    set(base + 0x1E, base + 0x1E, "th");
  }
  set(0xDF, 0xDF, "ss");
  set(0xFF, 0xFF, "y");
  // Latin Extended-A.
  set(0x100, 0x105, "a");
  set(0x106, 0x10D, "c");
  set(0x10E, 0x111, "d");
  set(0x112, 0x11B, "e");
  set(0x11C, 0x123, "g");
  set(0x124, 0x127, "h");
  set(0x128, 0x131, "i");
  set(0x132, 0x133, "ij");
  set(0x134, 0x135, "j");
  set(0x136, 0x138, "k");
  set(0x139, 0x142, "l");
  set(0x143, 0x14B, "n");
  set(0x14C, 0x151, "o");
  set(0x152, 0x153, "oe");
  set(0x154, 0x159, "r");
  set(0x15A, 0x161, "s");
  set(0x162, 0x167, "t");
  set(0x168, 0x173, "u");
  set(0x174, 0x175, "w");
  set(0x176, 0x178, "y");
  set(0x179, 0x17E, "z");
  set(0x17F, 0x17F, "s");
  return t;
}

const fold_table& folds() {
  static const fold_table table = make_fold_table();
  return table;
}

// Decodes one UTF-8 sequence at `i`; returns the code point (or 0xFFFD for an invalid sequence)
// and advances `i` past it.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  // Overlong forms, surrogates and out-of-range values are invalid.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0xFFFD;
  }
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  }
  out += static_cast<char>(0x80 | (cp & 0x3F));
}

bool is_apostrophe(char32_t cp) {
  return cp == U'\'' || cp == U'\u2019' || cp == U'\u2018' || cp == U'`' || cp == U'\u00B4';
}

// Letters of scripts we do not fold (Greek, Cyrillic, CJK...) stay part of words so that such
// input still yields tokens (which then simply match nothing). General punctuation, symbols,
// spaces and controls separate words.
bool is_foreign_letter(char32_t cp) {
  if (cp == 0xFFFD) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows, shapes
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
  if (cp >= 0x1F000) return false;  // emoji and pictographs
  return cp >= 0x180;
}

// Words written without their apostrophe that are unambiguous contractions.
constexpr std::array<std::pair<std::string_view, std::string_view>, 27> bare_contractions{{
    {"arent", "are not"},   {"cant", "can not"},        {"couldnt", "could not"}, {"didnt", "did not"},
    {"doesnt", "does not"}, {"dont", "do not"},         {"hadnt", "had not"},     {"hasnt", "has not"},
    {"havent", "have not"}, {"hows", "how is"},         {"im", "i am"},           {"isnt", "is not"},
    {"ive", "i have"},      {"shouldnt", "should not"}, {"thats", "that is"},     {"theres", "there is"},
    {"wasnt", "was not"},   {"werent", "were not"},     {"whats", "what is"},     {"wheres", "where is"},
    {"whos", "who is"},     {"wont", "will not"},       {"wouldnt", "would not"}, {"youre", "you are"},
    {"youve", "you have"},  {"cannot", "can not"},      {"gonna", "going to"},
}};

// Words whose "'s" means "is" rather than a possessive.
constexpr std::array<std::string_view, 12> is_words{"he",    "here", "how",  "it",    "she", "that",
                                                    "there", "what", "when", "where", "who", "why"};

void emit(std::vector<std::string>& out, std::string_view words, std::size_t max_tokens) {
  while (!words.empty() && out.size() < max_tokens) {
    const auto sp = words.find(' ');
    out.emplace_back(words.substr(0, sp));
    if (sp == std::string_view::npos) break;
    words.remove_prefix(sp + 1);
  }
}

// Expands the contraction in `word` (lower case, apostrophes as '\'') and appends its tokens.
void expand_word(std::string& word, std::vector<std::string>& out, std::size_t max_tokens) {
  // Trim quotes around the word ('hello').
  while (!word.empty() && word.front() == '\'') word.erase(word.begin());
  while (!word.empty() && word.back() == '\'') word.pop_back();
  if (word.empty()) return;
  const auto apos = word.find('\'');
  if (apos == std::string::npos) {
    for (const auto& [bare, full] : bare_contractions) {
      if (word == bare) return emit(out, full, max_tokens);
    }
    if (out.size() < max_tokens) out.push_back(std::move(word));
    return;
  }
  const std::string_view w(word);
  const std::string_view head = w.substr(0, apos);
  const std::string_view tail = w.substr(apos + 1);
  std::string expanded;
  if (w == "won't") {
    expanded = "will not";
  } else if (w == "can't") {
    expanded = "can not";
  } else if (w == "shan't") {
    expanded = "shall not";
  } else if (tail == "t" && head.ends_with('n') && head.size() > 1) {
    expanded = std::string(head.substr(0, head.size() - 1)) + " not";
  } else if (tail == "m") {
    expanded = std::string(head) + " am";
  } else if (tail == "re") {
    expanded = std::string(head) + " are";
  } else if (tail == "ve") {
    expanded = std::string(head) + " have";
  } else if (tail == "ll") {
    expanded = std::string(head) + " will";
  } else if (tail == "d") {
    expanded = std::string(head) + " would";
  } else if (tail == "s") {
    const bool is = std::find(is_words.begin(), is_words.end(), head) != is_words.end();
    expanded = is ? std::string(head) + " is" : std::string(head);
  } else {
    // An apostrophe inside a name (o'brien) or an unknown form: drop the apostrophes.
    expanded.reserve(w.size());
    for (char c : w) {
      if (c != '\'') expanded += c;
    }
  }
  emit(out, expanded, max_tokens);
}

}  // namespace

std::vector<std::string> tokenise(std::string_view text, std::size_t max_tokens) {
  std::vector<std::string> out;
  std::string word;
  const auto& table = folds();
  std::size_t i = 0;
  auto flush = [&] {
    if (!word.empty()) expand_word(word, out, max_tokens);
    word.clear();
  };
  // Words are cut at max_word_bytes: no real word is longer, and it bounds the work done per
  // word (stemming, typo lookup) whatever the input.
  auto add = [&](std::string_view s) {
    if (word.size() + s.size() <= max_word_bytes) word += s;
  };
  while (i < text.size() && out.size() < max_tokens) {
    const char32_t cp = next_code_point(text, i);
    if (cp < 0x80) {
      const auto c = static_cast<char>(cp);
      if (c >= 'A' && c <= 'Z') {
        const char lower = static_cast<char>(c - 'A' + 'a');
        add({&lower, 1});
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        add({&c, 1});
      } else if (is_apostrophe(cp)) {
        add("'");
      } else {
        flush();
      }
    } else if (is_apostrophe(cp)) {
      add("'");
    } else if (cp >= 0x300 && cp <= 0x36F) {
      // Combining diacritical marks (decomposed accents): dropped, the base letter stays.
    } else if (cp >= fold_first && cp <= fold_last) {
      const auto ascii = table[cp - fold_first];
      if (ascii.empty()) {
        flush();
      } else {
        add(ascii);
      }
    } else if (is_foreign_letter(cp)) {
      std::string utf8;
      append_utf8(utf8, cp);
      add(utf8);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

std::string normalise(std::string_view text, std::size_t max_tokens) {
  std::string out;
  for (const auto& t : tokenise(text, max_tokens)) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

// True if a and b differ by exactly one insertion, deletion, substitution or transposition of
// two adjacent letters (optimal string alignment distance 1).
bool one_edit_apart(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    if (i == a.size()) return false;                      // equal
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // b has one extra letter at i
}

std::string sanitise_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(text, i);
    if (cp == 0xFFFD && !(i - start == 3 && text.substr(start, 3) == "\xef\xbf\xbd")) {
      out += "\xef\xbf\xbd";
    } else if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

bool is_alpha_token(std::string_view token) noexcept {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

}  // namespace parley::assistant::detail
