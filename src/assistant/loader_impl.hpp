// The definition loader's shared pieces (loader.cpp: top level, intents, responses;
// loader_steps.cpp: flows and their steps).
#pragma once

#include "model.hpp"
#include "toml_reader.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant::detail {

/// Placeholders a template may use at one place of the definition.
struct scope {
  std::vector<std::string> names;  ///< besides the built-ins ("text", "assistant")
  std::string context;             ///< for messages: "before this step"
};

inline constexpr std::string_view builtin_names[] = {"text", "assistant"};

class loader {
 public:
  explicit loader(error_sink& sink) : sink_(sink) {}
  /// Builds the model, or returns null when any error was recorded.
  std::unique_ptr<model> load(const toml::table& root);

  // Helpers shared with loader_steps.cpp.

  /// Reads `key` as a string or a non-empty array of non-empty strings, parsed as templates whose
  /// placeholders must be in `sc`. Absent: an empty say_spec (an error too if `required`).
  say_spec read_variations(table_reader& t, std::string_view key, const scope& sc, bool required);
  /// Reads `say` (variations) or `response` (a [[responses]] id) plus `buttons`.
  say_spec read_say(table_reader& t, const scope& sc, bool required);
  std::vector<suggested_action> read_buttons(table_reader& t, std::string_view key);
  /// Checks an id: non-empty, [a-z0-9_], at most 64 characters.
  bool check_id(table_reader& t, std::string_view key, const std::string& id);
  void check_placeholders(table_reader& t, std::string_view key, const text_template& tpl, const scope& sc,
                          std::string_view what = {});

  void read_flows(table_reader& root, model& m);

 private:
  void read_assistant(table_reader& root, model& m);
  void read_messages(table_reader& root, model& m);
  void read_responses(table_reader& root);
  void read_intents(table_reader& root, model& m, std::vector<intent_examples>& examples);
  void read_welcome_and_fallback(table_reader& root, model& m);
  void resolve_intents(model& m);
  void read_step(table_reader& t, step_def& step, scope& sc);
  void read_ask(table_reader& t, step_def& step, const scope& sc);
  void read_choices(table_reader& t, step_def& step);
  void read_action(table_reader& t, step_def& step, const scope& sc);

  error_sink& sink_;
  struct response_entry {
    say_spec say;
    const toml::node* at = nullptr;
  };
  std::map<std::string, response_entry, std::less<>> responses_;
  std::map<std::string, std::size_t, std::less<>> intent_ids_;
  std::map<std::string, std::size_t, std::less<>> flow_ids_;
  // Intent -> flow references, resolved once the flows are read.
  struct flow_ref {
    std::size_t intent;
    std::string flow;
    const toml::node* at;
    std::string path;
  };
  std::vector<flow_ref> intent_flows_;
  // Buttons that name intents, checked once all intents are known.
  struct intent_ref {
    std::string intent;
    const toml::node* at;
    std::string path;
  };
  std::vector<intent_ref> intent_refs_;
  std::string fallback_flow_;
  const toml::node* fallback_flow_at_ = nullptr;
  std::string fallback_flow_path_;
};

}  // namespace parley::assistant::detail
