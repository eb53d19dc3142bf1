// A strict reader over a toml++ table for the definition loader, in the style of
// core::config_section: every getter records the key as used, problems are collected (never
// thrown) with "source:line:col: path: message", and finish() reports keys nobody read.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::assistant::detail {

class error_sink {
 public:
  explicit error_sink(std::string source) : source_(std::move(source)) {}
  /// Records `message` about `path`, located at `at` when known.
  void add(const toml::node* at, std::string_view path, std::string_view message);
  [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }
  [[nodiscard]] std::vector<std::string> take() { return std::move(errors_); }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

class table_reader {
 public:
  table_reader(error_sink& sink, const toml::table& table, std::string path);

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::string key_path(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const;

  /// Each getter: nullopt when absent (an error too if `required`) or of the wrong type.
  [[nodiscard]] std::optional<std::string> string(std::string_view key, bool required = false);
  [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  /// A float or an integer.
  [[nodiscard]] std::optional<double> number(std::string_view key, double min, double max);
  [[nodiscard]] std::optional<bool> boolean(std::string_view key);
  /// An array of strings; with `allow_single`, a lone string too.
  [[nodiscard]] std::optional<std::vector<std::string>> strings(std::string_view key, bool allow_single,
                                                                bool required = false);
  /// An array of tables ([[key]] or key = [{...}, ...]).
  [[nodiscard]] std::vector<table_reader> tables(std::string_view key);
  /// A table ([key] or key = {...}).
  [[nodiscard]] std::optional<table_reader> table(std::string_view key);
  /// The raw node (marked used), for values of several possible types.
  [[nodiscard]] const toml::node* node(std::string_view key);

  /// Records a problem with `key` (located at its value).
  void error(std::string_view key, std::string_view message);
  /// Records a problem with the table itself.
  void error(std::string_view message);
  /// Records every key no getter asked for as an unknown key.
  void finish();

  [[nodiscard]] error_sink& sink() noexcept { return *sink_; }
  [[nodiscard]] const toml::table& raw() const noexcept { return *table_; }

 private:
  const toml::node* lookup(std::string_view key);
  void wrong_type(std::string_view key, const toml::node& n, std::string_view expected);

  error_sink* sink_;
  const toml::table* table_;
  std::string path_;
  std::vector<std::string> used_;
};

/// "table", "array", "string"... for messages.
[[nodiscard]] std::string_view type_name(const toml::node& n);

}  // namespace parley::assistant::detail
