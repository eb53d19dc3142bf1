// Configuration: one TOML file, overridden by PARLEY_<SECTION>__<KEY>[__<KEY>...] environment
// variables, with secrets only by reference ({ file = "..." } or { env = "NAME" }).
//
// Each component has `struct options` with defaults and a parse function reading its own section
// (section name = component name) through config_section. Reading never throws: problems are
// collected with their full key path, and the composition root (src/app) reports them all at
// once and exits non-zero. Keys nobody read are errors, so a typo is never silently ignored.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/log.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace parley::core {

using env_map = std::map<std::string, std::string, std::less<>>;

/// The process environment as a map.
[[nodiscard]] env_map process_environment();

class config;

/// One table of the configuration. Cheap to copy; refers to its config, which must outlive it.
class config_section {
 public:
  /// Each getter returns the value at `key`, or `fallback` when absent. A value of the wrong type
  /// or out of range records an error and returns `fallback`.
  [[nodiscard]] std::string string(std::string_view key, std::string fallback = {});
  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  [[nodiscard]] bool boolean(std::string_view key, bool fallback);
  /// A duration: an integer number of seconds, or a string with a unit ("250ms", "15s", "30m", "1h", "2d").
  [[nodiscard]] std::chrono::milliseconds duration(std::string_view key, std::chrono::milliseconds fallback);
  [[nodiscard]] std::vector<std::string> strings(std::string_view key, std::vector<std::string> fallback = {});
  /// A secret by reference: { file = "/path" } (read_secret_file: no symlink, owned by this user,
  /// nothing for group or others; one trailing newline is dropped) or { env = "NAME" } (recorded
  /// in config::secret_env_names()). An inline literal is an error.
  [[nodiscard]] std::optional<secret_string> secret(std::string_view key);
  /// A nested table; an absent one reads as empty.
  [[nodiscard]] config_section section(std::string_view key);
  /// An array of tables ([[bots]]).
  [[nodiscard]] std::vector<config_section> sections(std::string_view key);

  [[nodiscard]] bool has(std::string_view key) const;
  /// The dotted path of this section ("channel.bots[0]").
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Records a problem with `key` (for checks a component makes beyond type and range).
  void error(std::string_view key, std::string_view message);
  /// Records every key of this table that no getter asked for as "unknown key".
  void finish();

 private:
  friend class config;
  config_section(config* owner, const toml::table* table, std::string path);
  [[nodiscard]] std::string key_path(std::string_view key) const;

  config* owner_ = nullptr;
  const toml::table* table_ = nullptr;  // null when the section is absent
  std::string path_;
  std::vector<std::string> used_;
};

/// A loaded configuration and the problems found while reading it.
/// Not thread-safe: it is read once, at start-up, by the composition root.
class config {
 public:
  /// Parses `toml_text` (may be empty) and applies overrides from `env`.
  /// Syntax errors are recorded in errors(), with line and column.
  [[nodiscard]] static std::unique_ptr<config> parse(std::string_view toml_text, const env_map& env,
                                                     std::string source_name = "config");
  /// Reads and parses a file; an unreadable file is recorded in errors().
  [[nodiscard]] static std::unique_ptr<config> load_file(const std::filesystem::path& file, const env_map& env);

  ~config();
  config(const config&) = delete;
  config& operator=(const config&) = delete;

  /// A top-level section, e.g. section("net").
  [[nodiscard]] config_section section(std::string_view name);
  /// Records every top-level key that is not in `known` as an unknown section.
  void check_sections(const std::vector<std::string_view>& known);

  [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }
  [[nodiscard]] bool ok() const noexcept { return errors_.empty(); }
  /// Directory that relative file references are resolved against (the config file's).
  [[nodiscard]] const std::filesystem::path& base_dir() const noexcept { return base_dir_; }
  /// The environment variables read as secrets ({ env = "NAME" }): the caller removes them from
  /// the process environment (scrub_environment) once every component has read its settings.
  [[nodiscard]] const std::vector<std::string>& secret_env_names() const noexcept { return secret_env_; }

 private:
  friend class config_section;
  config();
  void add_error(std::string message) { errors_.push_back(std::move(message)); }

  std::unique_ptr<toml::table> root_;
  std::vector<std::string> errors_;
  std::filesystem::path base_dir_;
  env_map env_;
  std::vector<std::string> secret_env_;
  std::map<std::string, secret_string, std::less<>> env_secrets_;
};

/// Parses "250ms", "15s", "30m", "1h", "2d" or a bare number of seconds.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Reads a whole file with a size cap. errc::io_error, errc::too_large.
[[nodiscard]] result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes = 1 << 20);

/// Reads a secret file: opened without following a symlink; refuses a symlink, a file not owned
/// by this process's user (or root), and one with any permission for group or others
/// (errc::insecure_file); anything but a regular file or a read failure is errc::io_error; over
/// 64 KiB errc::too_large. Drops one trailing newline.
[[nodiscard]] result<secret_string> read_secret_file(const std::filesystem::path& file);

/// Removes the variables `names` from the process environment, overwriting their values in place
/// first (so that /proc/PID/environ no longer shows them). Not thread-safe: call at start-up,
/// before other threads run.
void scrub_environment(const std::vector<std::string>& names);

}  // namespace parley::core
