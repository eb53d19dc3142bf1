#include "normalise.hpp"
#include "stemmer.hpp"

#include <parley/assistant/matcher.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace parley::assistant {
namespace {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using string_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;

// Shorter words are not corrected: among four-letter words one edit is too often another real
// word ("lots" and "lost").
constexpr std::size_t min_typo_length = 5;

// English function words and generic request verbs: they appear in requests of every kind, so
// they weigh less than their frequency in the examples alone would say ("I need a mortgage" is
// not "I need a new password"). Question words are not in the list: they carry meaning
// ("when" -> hours, "where" -> branches).
constexpr std::string_view function_words[] = {
    "a",    "about", "am",   "an",   "and",  "any",  "are",   "as",    "at",    "be",     "been",   "but",   "by",
    "can",  "could", "did",  "do",   "does", "for",  "from",  "get",   "got",   "had",    "has",    "have",  "i",
    "if",   "in",    "is",   "it",   "its",  "just", "know",  "let",   "like",  "may",    "me",     "might", "mine",
    "must", "my",    "need", "of",   "ok",   "okay", "on",    "or",    "our",   "please", "really", "shall", "should",
    "so",   "some",  "tell", "than", "that", "the",  "then",  "there", "these", "this",   "those",  "to",    "too",
    "us",   "very",  "want", "was",  "we",   "were", "which", "will",  "with",  "would",  "you",    "your",  "yours",
};

bool is_function_word(std::string_view token) {
  return std::find(std::begin(function_words), std::end(function_words), token) != std::end(function_words);
}

}  // namespace

struct intent_matcher::index {
  struct posting {
    std::uint32_t example;
    float bm25;  // idf * saturated term frequency of this term in this example
  };

  matcher_options opts;
  std::size_t intents = 0;
  string_map<std::uint32_t> terms;                       // stem -> term id
  std::vector<double> idf;                               // per term, already scaled for function words
  std::vector<std::vector<posting>> postings;            // per term
  std::vector<std::vector<std::uint32_t>> term_intents;  // per term: the intents with an example using it
  std::vector<std::uint32_t> example_intent;             // per example
  std::vector<double> inverse_example_mass;              // per example: 1 / sum of idf of its distinct terms
  double oov_idf = 0;                                    // idf of a word no example contains
  double oov_function_idf = 0;                           // ... when it is a function word

  // Typo tolerance: the example words, and every one-letter deletion of them, point to the word.
  std::vector<std::string> words;
  std::vector<std::uint32_t> word_term;
  std::vector<std::uint32_t> word_df;
  string_map<std::uint32_t> word_ids;
  string_map<std::vector<std::uint32_t>> deletions;

  std::optional<std::uint32_t> correct(std::string_view token) const {
    if (token.size() < min_typo_length || !detail::is_alpha_token(token)) return std::nullopt;
    std::vector<std::uint32_t> candidates;
    std::string variant(token);
    auto collect = [&](std::string_view key) {
      if (auto it = word_ids.find(key); it != word_ids.end()) candidates.push_back(it->second);
      if (auto it = deletions.find(key); it != deletions.end()) {
        candidates.insert(candidates.end(), it->second.begin(), it->second.end());
      }
    };
    collect(token);
    for (std::size_t i = 0; i < token.size(); ++i) {
      variant.assign(token.substr(0, i)).append(token.substr(i + 1));
      collect(variant);
    }
    std::optional<std::uint32_t> best;
    for (const auto w : candidates) {
      if (!detail::one_edit_apart(token, words[w])) continue;
      // Most frequent word first, then alphabetical: deterministic whatever the hash order.
      if (!best || word_df[w] > word_df[*best] || (word_df[w] == word_df[*best] && words[w] < words[*best])) best = w;
    }
    if (!best) return std::nullopt;
    return word_term[*best];
  }
};

intent_matcher::intent_matcher(const std::vector<intent_examples>& intents, matcher_options options) {
  auto ix = std::make_unique<index>();
  ix->opts = options;
  ix->intents = intents.size();

  // Terms of every example; document frequencies of terms and of surface words.
  std::vector<std::vector<std::uint32_t>> example_terms;
  std::vector<std::uint32_t> df;
  std::vector<bool> function_term;
  for (std::size_t i = 0; i < intents.size(); ++i) {
    for (const auto& text : intents[i].examples) {
      std::vector<std::uint32_t> terms;
      std::vector<std::uint32_t> seen_words;
      for (const auto& token : detail::tokenise(text, options.max_tokens)) {
        const auto stem = detail::porter_stem(token);
        auto [it, added] = ix->terms.try_emplace(stem, static_cast<std::uint32_t>(ix->terms.size()));
        if (added) {
          df.push_back(0);
          function_term.push_back(is_function_word(token));
        }
        terms.push_back(it->second);
        auto [wit, wadded] = ix->word_ids.try_emplace(token, static_cast<std::uint32_t>(ix->words.size()));
        if (wadded) {
          ix->words.push_back(token);
          ix->word_term.push_back(it->second);
          ix->word_df.push_back(0);
        }
        if (std::find(seen_words.begin(), seen_words.end(), wit->second) == seen_words.end()) {
          seen_words.push_back(wit->second);
          ++ix->word_df[wit->second];
        }
      }
      std::vector<std::uint32_t> distinct = terms;
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      for (const auto t : distinct) ++df[t];
      example_terms.push_back(std::move(terms));
      ix->example_intent.push_back(static_cast<std::uint32_t>(i));
    }
  }

  const auto n = static_cast<double>(example_terms.size());
  // Lucene's BM25 idf: always positive, so a word in every example still counts a little.
  auto idf_of = [n](double d) { return std::log(1.0 + (n - d + 0.5) / (d + 0.5)); };
  ix->idf.resize(df.size());
  for (std::size_t t = 0; t < df.size(); ++t) {
    ix->idf[t] = idf_of(static_cast<double>(df[t])) * (function_term[t] ? options.function_word_weight : 1.0);
  }
  ix->oov_idf = idf_of(0) * options.unknown_word_weight;
  ix->oov_function_idf = idf_of(0) * options.function_word_weight;

  double total_len = 0;
  for (const auto& terms : example_terms) total_len += static_cast<double>(terms.size());
  const double avg_len = example_terms.empty() ? 1.0 : std::max(1.0, total_len / n);

  ix->postings.resize(df.size());
  ix->inverse_example_mass.resize(example_terms.size());
  for (std::size_t e = 0; e < example_terms.size(); ++e) {
    auto terms = example_terms[e];
    const auto len = static_cast<double>(terms.size());
    std::sort(terms.begin(), terms.end());
    for (std::size_t i = 0; i < terms.size();) {
      std::size_t j = i;
      while (j < terms.size() && terms[j] == terms[i]) ++j;
      const auto tf = static_cast<double>(j - i);
      const auto t = terms[i];
      const double sat = tf * (options.k1 + 1) / (tf + options.k1 * (1 - options.b + options.b * len / avg_len));
      ix->postings[t].push_back({static_cast<std::uint32_t>(e), static_cast<float>(ix->idf[t] * sat)});
      ix->inverse_example_mass[e] += ix->idf[t];
      i = j;
    }
    ix->inverse_example_mass[e] = 1.0 / ix->inverse_example_mass[e];
  }

  ix->term_intents.resize(df.size());
  for (std::size_t e = 0; e < example_terms.size(); ++e) {
    for (const auto t : example_terms[e]) {
      auto& list = ix->term_intents[t];
      if (list.empty() || list.back() != ix->example_intent[e]) list.push_back(ix->example_intent[e]);
    }
  }

  for (std::uint32_t w = 0; w < ix->words.size(); ++w) {
    const auto& word = ix->words[w];
    if (word.size() < min_typo_length - 1 || !detail::is_alpha_token(word)) continue;
    for (std::size_t i = 0; i < word.size(); ++i) {
      auto& list = ix->deletions[word.substr(0, i) + word.substr(i + 1)];
      if (list.empty() || list.back() != w) list.push_back(w);
    }
  }
  index_ = std::move(ix);
}

intent_matcher::~intent_matcher() = default;
intent_matcher::intent_matcher(intent_matcher&&) noexcept = default;
intent_matcher& intent_matcher::operator=(intent_matcher&&) noexcept = default;

const matcher_options& intent_matcher::options() const noexcept {
  return index_->opts;
}
std::size_t intent_matcher::intent_count() const noexcept {
  return index_->intents;
}

std::vector<double> intent_matcher::scores(std::string_view text) const {
  const index& ix = *index_;
  std::vector<double> best(ix.intents, 0.0);

  // Distinct query terms with their weights; unknown words only add to the query's weight.
  struct query_term {
    std::uint32_t term;
    double weight;
  };
  std::vector<query_term> query;
  std::vector<std::string> unknown;
  double query_mass = 0;
  for (const auto& token : detail::tokenise(text, ix.opts.max_tokens)) {
    auto stem = detail::porter_stem(token);
    std::optional<std::uint32_t> term;
    double weight = 1.0;
    if (auto it = ix.terms.find(stem); it != ix.terms.end()) {
      term = it->second;
    } else if ((term = ix.correct(token))) {
      weight = ix.opts.typo_penalty;
    }
    if (term) {
      if (std::any_of(query.begin(), query.end(), [&](const query_term& q) { return q.term == *term; })) continue;
      query.push_back({*term, weight});
      query_mass += ix.idf[*term];
    } else if (std::find(unknown.begin(), unknown.end(), stem) == unknown.end()) {
      unknown.push_back(std::move(stem));
      query_mass += is_function_word(token) ? ix.oov_function_idf : ix.oov_idf;
    }
  }
  if (query.empty()) return best;

  // Only the examples that share a term with the query are scored.
  std::vector<double> covered_query(ix.example_intent.size(), 0.0);
  std::vector<double> covered_example(ix.example_intent.size(), 0.0);
  std::vector<double> covered_by_intent(ix.intents, 0.0);
  std::vector<std::uint32_t> touched;
  for (const auto& q : query) {
    for (const auto& p : ix.postings[q.term]) {
      if (covered_query[p.example] == 0) touched.push_back(p.example);
      covered_query[p.example] += q.weight * p.bm25;
      covered_example[p.example] += q.weight * ix.idf[q.term];
    }
    for (const auto i : ix.term_intents[q.term]) covered_by_intent[i] += q.weight * ix.idf[q.term];
  }
  const double qw = ix.opts.query_weight;
  const double inverse_query_mass = 1.0 / query_mass;
  for (const auto e : touched) {
    const double s = qw * std::min(1.0, covered_query[e] * inverse_query_mass) +
                     (1 - qw) * std::min(1.0, covered_example[e] * ix.inverse_example_mass[e]);
    auto& b = best[ix.example_intent[e]];
    b = std::max(b, s);
  }
  // Blend the best single example with how much of the query the intent's examples cover
  // together: "are you a person or a machine" is covered by two examples, not by one.
  const double ew = ix.opts.example_weight;
  for (std::size_t i = 0; i < best.size(); ++i) {
    if (best[i] == 0) continue;
    best[i] = ew * best[i] + (1 - ew) * std::min(1.0, covered_by_intent[i] / query_mass);
  }
  return best;
}

match_result intent_matcher::match(std::string_view text) const {
  const auto s = scores(text);
  match_result r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] <= 0) continue;
    // Strictly greater: on a tie the earlier intent wins, so the result never depends on anything
    // but the input and the definition.
    if (!r.intent || s[i] > r.score) {
      r.runner_up = r.intent;
      r.runner_up_score = r.score;
      r.intent = i;
      r.score = s[i];
    } else if (!r.runner_up || s[i] > r.runner_up_score) {
      r.runner_up = i;
      r.runner_up_score = s[i];
    }
  }
  const auto& o = index_->opts;
  if (!r.intent || r.score < o.threshold) {
    r.kind = match_kind::none;
  } else if (r.runner_up && r.runner_up_score >= o.threshold && r.score - r.runner_up_score < o.margin) {
    r.kind = match_kind::ambiguous;
  } else {
    r.kind = match_kind::match;
  }
  return r;
}

std::string intent_matcher::canonical(std::string_view text) {
  std::string out;
  for (const auto& token : detail::tokenise(text)) {
    if (!out.empty()) out += ' ';
    out += detail::porter_stem(token);
  }
  return out;
}

}  // namespace parley::assistant
