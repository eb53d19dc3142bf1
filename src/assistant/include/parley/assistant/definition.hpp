// An assistant definition: what one bot's assistant knows and says, loaded from one TOML file
// (format: docs/assistant-format.md).
//
// Loading is strict and happens at start-up: unknown keys, wrong types, references to undefined
// intents, flows, responses or slots, empty variations, duplicate ids, invalid patterns and
// placeholders that name nothing are all reported, each with its TOML path
// ("bankx.toml:42:1: flows[0].steps[2].arguments[1]: no slot \"when\" before this step"), so
// that the composition root can print them all and refuse to start.
#pragma once

#include <parley/assistant/matcher.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant {

namespace detail {
struct model;
}

/// A loaded, validated definition. Immutable: share it between threads and conversations
/// through std::shared_ptr<const definition>.
class definition {
 public:
  explicit definition(std::unique_ptr<const detail::model> model);
  ~definition();
  definition(const definition&) = delete;
  definition& operator=(const definition&) = delete;

  /// [assistant] name.
  [[nodiscard]] const std::string& name() const noexcept;
  /// [assistant] version: dialogs saved under another version restart.
  [[nodiscard]] std::int64_t version() const noexcept;
  /// Intent ids in file order.
  [[nodiscard]] std::vector<std::string> intent_ids() const;
  /// The intent matcher built from the intents' examples.
  [[nodiscard]] const intent_matcher& matcher() const noexcept;

  /// The validated model, for the engine (its type is private to this component).
  [[nodiscard]] const detail::model& model() const noexcept { return *model_; }

 private:
  std::unique_ptr<const detail::model> model_;
};

struct load_result {
  std::shared_ptr<const definition> def;  ///< null when errors is not empty
  std::vector<std::string> errors;        ///< every problem found, "source:line:col: path: message"
  [[nodiscard]] bool ok() const noexcept { return def != nullptr; }
};

/// Parses and validates a definition. `source_name` prefixes error messages (the file name).
[[nodiscard]] load_result load_definition(std::string_view toml_text, std::string_view source_name = "assistant");

/// Reads (at most 4 MiB) and loads a definition file.
[[nodiscard]] load_result load_definition_file(const std::filesystem::path& file);

}  // namespace parley::assistant
