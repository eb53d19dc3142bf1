// A direct implementation of M.F. Porter, "An algorithm for suffix stripping", Program 14(3),
// 1980, including the two departures of Porter's own reference implementation ("bli"→"ble" and
// "logi"→"log" in step 2), so that the published vocabulary/output pairs hold.
#include "stemmer.hpp"

#include <algorithm>

namespace parley::assistant::detail {
namespace {

class stemmer {
 public:
  explicit stemmer(std::string word) : b_(std::move(word)), k_(static_cast<int>(b_.size()) - 1) {}

  std::string run() {
    if (k_ <= 1) return b_;
    step1ab();
    if (k_ > 0) {
      step1c();
      step2();
      step3();
      step4();
      step5();
    }
    b_.resize(static_cast<std::size_t>(k_ + 1));
    return b_;
  }

 private:
  char at(int i) const { return b_[static_cast<std::size_t>(i)]; }

  // True if b[i] is a consonant: not a vowel, and 'y' only when it follows a vowel (or starts).
  bool cons(int i) const {
    switch (at(i)) {
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
        return false;
      case 'y':
        return i == 0 ? true : !cons(i - 1);
      default:
        return true;
    }
  }

  // The measure m of b[0..j]: the number of vowel-consonant sequences, [C](VC)^m[V].
  int m() const {
    int n = 0;
    int i = 0;
    for (;;) {
      if (i > j_) return n;
      if (!cons(i)) break;
      ++i;
    }
    ++i;
    for (;;) {
      for (;;) {
        if (i > j_) return n;
        if (cons(i)) break;
        ++i;
      }
      ++i;
      ++n;
      for (;;) {
        if (i > j_) return n;
        if (!cons(i)) break;
        ++i;
      }
      ++i;
    }
  }

  bool vowel_in_stem() const {
    for (int i = 0; i <= j_; ++i) {
      if (!cons(i)) return true;
    }
    return false;
  }

  bool double_consonant(int j) const { return j >= 1 && at(j) == at(j - 1) && cons(j); }

  // consonant-vowel-consonant ending at i, the last consonant not w, x or y ("hop", not "snow").
  bool cvc(int i) const {
    if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
    const char ch = at(i);
    return ch != 'w' && ch != 'x' && ch != 'y';
  }

  // True if b[0..k] ends with s; sets j to the end of the stem before it.
  bool ends(std::string_view s) {
    const int len = static_cast<int>(s.size());
    if (len > k_ + 1) return false;
    if (std::string_view(b_).substr(static_cast<std::size_t>(k_ + 1 - len), s.size()) != s) return false;
    j_ = k_ - len;
    return true;
  }

  // Replaces b[j+1..k] with s.
  void set_to(std::string_view s) {
    b_.resize(static_cast<std::size_t>(j_ + 1));
    b_ += s;
    k_ = j_ + static_cast<int>(s.size());
  }

  void replace_if_measured(std::string_view s) {
    if (m() > 0) set_to(s);
  }

  // Plurals and -ed or -ing.
  void step1ab() {
    if (at(k_) == 's') {
      if (ends("sses")) {
        k_ -= 2;
      } else if (ends("ies")) {
        set_to("i");
      } else if (at(k_ - 1) != 's') {
        --k_;
      }
    }
    if (ends("eed")) {
      if (m() > 0) --k_;
    } else if ((ends("ed") || ends("ing")) && vowel_in_stem()) {
      k_ = j_;
      b_.resize(static_cast<std::size_t>(k_ + 1));
      if (ends("at")) {
        set_to("ate");
      } else if (ends("bl")) {
        set_to("ble");
      } else if (ends("iz")) {
        set_to("ize");
      } else if (double_consonant(k_)) {
        --k_;
        const char ch = at(k_);
        if (ch == 'l' || ch == 's' || ch == 'z') ++k_;
      } else {
        j_ = k_;
        if (m() == 1 && cvc(k_)) set_to("e");
      }
    }
    b_.resize(static_cast<std::size_t>(k_ + 1));
  }

  // Terminal y to i when there is another vowel in the stem.
  void step1c() {
    if (ends("y") && vowel_in_stem()) b_[static_cast<std::size_t>(k_)] = 'i';
  }

  // Double suffixes to single ones, when m > 0.
  void step2() {
    struct rule {
      std::string_view from, to;
    };
    static constexpr rule rules[] = {
        {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
        {"bli", "ble"},     {"alli", "al"},     {"entli", "ent"}, {"eli", "e"},     {"ousli", "ous"},
        {"ization", "ize"}, {"ation", "ate"},   {"ator", "ate"},  {"alism", "al"},  {"iveness", "ive"},
        {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},  {"iviti", "ive"}, {"biliti", "ble"},
        {"logi", "log"},
    };
    apply_first(rules, 0);
  }

  // -ic-, -full, -ness etc., when m > 0.
  void step3() {
    struct rule {
      std::string_view from, to;
    };
    static constexpr rule rules[] = {
        {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""},
    };
    apply_first(rules, 0);
  }

  // Drops -ant, -ence etc. when m > 1.
  void step4() {
    static constexpr std::string_view suffixes[] = {"al",  "ance",  "ence", "er",  "ic",  "able", "ible",
                                                    "ant", "ement", "ment", "ent", "ion", "ou",   "ism",
                                                    "ate", "iti",   "ous",  "ive", "ize"};
    for (const auto s : suffixes) {
      if (!ends(s)) continue;
      if (s == "ion" && !(j_ >= 0 && (at(j_) == 's' || at(j_) == 't'))) return;
      if (m() > 1) k_ = j_;
      b_.resize(static_cast<std::size_t>(k_ + 1));
      return;
    }
  }

  // Final -e when m > 1 (or m = 1 and not *o), and -ll to -l when m > 1.
  void step5() {
    j_ = k_;
    if (at(k_) == 'e') {
      j_ = k_ - 1;
      const int a = m();
      if (a > 1 || (a == 1 && !cvc(k_ - 1))) --k_;
    }
    j_ = k_;
    if (at(k_) == 'l' && double_consonant(k_) && m() > 1) --k_;
    b_.resize(static_cast<std::size_t>(k_ + 1));
  }

  // Rules with a common condition (m > min_m): the longest matching suffix wins, as in Porter's
  // switch on the penultimate letter; only the first matching suffix is considered.
  template <class Rule, std::size_t N>
  void apply_first(const Rule (&rules)[N], int min_m) {
    const Rule* best = nullptr;
    for (const auto& r : rules) {
      if (r.from.size() > static_cast<std::size_t>(k_ + 1)) continue;
      if (!std::string_view(b_).substr(0, static_cast<std::size_t>(k_ + 1)).ends_with(r.from)) continue;
      if (!best || r.from.size() > best->from.size()) best = &r;
    }
    if (!best) return;
    (void)ends(best->from);
    if (m() > min_m) set_to(best->to);
  }

  std::string b_;
  int k_;      // index of the last letter of the word being stemmed
  int j_ = 0;  // index of the last letter of the stem (set by ends())
};

}  // namespace

std::string porter_stem(std::string_view word) {
  if (word.size() <= 2) return std::string(word);
  if (!std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    return std::string(word);
  }
  return stemmer(std::string(word)).run();
}

}  // namespace parley::assistant::detail
