// examples/config/reference.toml documents every option of [channel], [bot], [login], [desk],
// [bus] and [assistant]: the keys the parsers ask for (core::config_key_recorder, while
// read_settings reads a configuration that has one of every nested table) must each have a line
// `# key = value   # default ...` under their table's header there, and every key documented
// there must be one the parsers know. An option added without its line fails here.
#include "settings.hpp"

#include <parley/core/config_keys.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace parley::app {
namespace {

// One of every nested table, so that the parsers ask for the keys inside them too, and the keys
// read only when present (token_lifetime, client_key, denied_statuses, id_token_algorithms);
// values need not be valid (problems are expected and ignored).
constexpr const char* every_table = R"(
[[net.listeners]]
name = "channel"
[[net.listeners]]
name = "bot"
[[net.listeners]]
name = "desk"
[bus]
backend = "amqp"
[bus.amqp]
url = "amqp://localhost"
[[channel.bots]]
id = "b"
token_lifetime = "30m"
[[channel.tenants]]
id = "t"
[[login.tenants]]
tenant = "t"
client_key = { env = "PARLEY_REFERENCE_TEST_UNSET" }
[bot]
id = "b"
[[bot.assertion_sites]]
id = "s"
[bot.api]
base_url = "https://bank.example"
[[bot.api.operations]]
name = "o"
denied_statuses = ["404"]
[[bot.api.operations.results]]
name = "r"
[assistant]
[[desk.tenants]]
id = "t"
id_token_algorithms = ["RS256"]
[desk.tenants.hours]
time_zone = "UTC"
[[desk.tenants.canned]]
title = "c"
text = "c"
)";

const std::set<std::string> documented_sections = {"channel", "bot", "login", "desk", "bus", "assistant"};

std::string top_section(const std::string& key) {
  return key.substr(0, key.find('.'));
}

// "table.key" -> the comment after the value, for every `key = ...` line (commented out or not)
// of reference.toml, under the last `[table]` / `[[table]]` header above it (also commented out).
std::map<std::string, std::string> documented_keys(const std::string& text) {
  static const std::regex header(R"(^#?\s*\[\[?([a-z_.]+)\]\]?\s*(#.*)?$)");
  static const std::regex entry(R"(^#?\s*([a-z_]+)\s*=\s*(.*)$)");
  std::map<std::string, std::string> out;
  std::string table;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, header)) {
      table = m[1];
    } else if (!table.empty() && std::regex_match(line, m, entry)) {
      const std::string rest = m[2];
      const auto hash = rest.rfind("  # ");
      out[table + "." + std::string(m[1])] = hash == std::string::npos ? "" : rest.substr(hash + 4);
    }
  }
  return out;
}

TEST(ReferenceConfig, DocumentsEveryOptionOfTheServiceSections) {
  std::vector<std::string> asked;
  {
    auto cfg = core::config::parse(every_table, {}, "every-table");
    core::config_key_recorder recorder;
    (void)read_settings(*cfg);
    asked = recorder.keys();
  }
  std::ifstream file(std::string(PARLEY_SOURCE_DIR) + "/examples/config/reference.toml");
  ASSERT_TRUE(file) << "examples/config/reference.toml is missing";
  std::stringstream text;
  text << file.rdbuf();
  const auto documented = documented_keys(text.str());

  std::set<std::string> known;
  std::string missing, undescribed;
  for (const auto& key : asked) {
    if (!documented_sections.contains(top_section(key))) continue;
    known.insert(key);
    const auto it = documented.find(key);
    // A table ([bot.api], [[channel.bots]]) is documented by its header, not by a key line.
    const bool is_table =
        std::any_of(asked.begin(), asked.end(), [&](const std::string& k) { return k.starts_with(key + "."); });
    if (is_table) continue;
    if (it == documented.end()) {
      missing += "\n  " + key;
    } else if (it->second.find("default") == std::string::npos && it->second.find("required") == std::string::npos) {
      undescribed += "\n  " + key + " (comment: \"" + it->second + "\")";
    }
  }
  EXPECT_GT(known.size(), 100u) << "the recorder saw too few keys to be a check";
  EXPECT_TRUE(missing.empty()) << "options without a line in examples/config/reference.toml:" << missing;
  EXPECT_TRUE(undescribed.empty()) << "lines whose comment gives no default (or says required):" << undescribed;
  std::string stale;
  for (const auto& [key, comment] : documented) {
    if (documented_sections.contains(top_section(key)) && !known.contains(key)) stale += "\n  " + key;
  }
  EXPECT_TRUE(stale.empty()) << "keys in examples/config/reference.toml that no parser reads:" << stale;
}

}  // namespace
}  // namespace parley::app
