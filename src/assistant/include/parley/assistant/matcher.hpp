// Intent matching: which intent, if any, does a user's message express?
//
// Deterministic and allocation-light lexical matching: the text is normalised (case, accents,
// punctuation, contractions), tokenised and stemmed (Porter); words that are not in the
// vocabulary of the examples are corrected when they are one edit (insertion, deletion,
// substitution or transposition) away from a known word of five letters or more. Each example
// utterance is a BM25 document; a query's score against an example mixes how much of the
// query's information the example covers (BM25, normalised by the query's own weight, so
// unknown words pull it down) with how much of the example the query covers. An intent's score
// blends its best example's score with how much of the query all its examples cover together.
// Below `threshold` the answer is "no match"; two intents closer than `margin` are "ambiguous".
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant {

/// Tuning of the matcher. The defaults were tuned on examples/bankx/assistant_dev.tsv.
struct matcher_options {
  double threshold = 0.55;            ///< minimum score (0..1) for a match
  double margin = 0.06;               ///< top-2 intents closer than this are ambiguous
  double query_weight = 0.7;          ///< per example: share of query coverage; the rest is example coverage
  double example_weight = 0.5;        ///< per intent: share of the best example; the rest is the coverage
                                      ///< of the query by all the intent's examples together
  double function_word_weight = 0.3;  ///< weight of "I", "the", "want"... relative to their idf
  double unknown_word_weight = 0.6;   ///< weight of a word no example has, relative to the highest idf
  double typo_penalty = 0.8;          ///< weight of a word matched through a one-edit correction
  double k1 = 1.2;                    ///< BM25 term-frequency saturation
  double b = 0.4;                     ///< BM25 length normalisation (examples are short)
  std::size_t max_tokens = 64;        ///< longer inputs are matched on their first max_tokens words
};

/// One intent's examples, as given to the matcher.
struct intent_examples {
  std::string id;
  std::vector<std::string> examples;
};

enum class match_kind { none, match, ambiguous };

/// The outcome of matching one text. `intent` and `runner_up` index the intents given to the
/// matcher's constructor.
struct match_result {
  match_kind kind = match_kind::none;
  std::optional<std::size_t> intent;     ///< best intent (set for match and ambiguous)
  double score = 0;                      ///< its score
  std::optional<std::size_t> runner_up;  ///< second-best intent, if it scored above zero
  double runner_up_score = 0;
};

/// An immutable index over the intents' examples. Build once (at definition load), then call
/// match() from any number of threads: it is const and touches no shared mutable state.
class intent_matcher {
 public:
  intent_matcher(const std::vector<intent_examples>& intents, matcher_options options = {});
  ~intent_matcher();
  intent_matcher(intent_matcher&&) noexcept;
  intent_matcher& operator=(intent_matcher&&) noexcept;

  /// Matches `text` (any UTF-8, any length; only the first max_tokens words count).
  [[nodiscard]] match_result match(std::string_view text) const;

  /// The score of `text` against every intent, in constructor order (for diagnostics and tests).
  [[nodiscard]] std::vector<double> scores(std::string_view text) const;

  [[nodiscard]] const matcher_options& options() const noexcept;
  [[nodiscard]] std::size_t intent_count() const noexcept;

  /// The canonical form of an utterance as the matcher sees it (normalised, stemmed words joined
  /// by spaces); two examples with the same canonical form are duplicates.
  [[nodiscard]] static std::string canonical(std::string_view text);

 private:
  struct index;
  std::unique_ptr<const index> index_;
};

}  // namespace parley::assistant
