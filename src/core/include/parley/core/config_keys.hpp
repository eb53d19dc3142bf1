// Which option keys the parsers ask for, for tests that hold documentation to every option (the
// reference configuration, examples/config/reference.toml). While a recorder lives on a thread,
// every config_section getter called on that thread (string, integer, duration, secret, section,
// sections...) records the key's dotted path, present in the file or not, with array indices
// dropped ("channel.bots.id"). Recording costs nothing when no recorder is alive.
// Thread-safety: a recorder records its own thread's calls only; one recorder per thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

class config_key_recorder {
 public:
  config_key_recorder();
  ~config_key_recorder();
  config_key_recorder(const config_key_recorder&) = delete;
  config_key_recorder& operator=(const config_key_recorder&) = delete;

  /// Every key asked since construction, once each, in the order first asked.
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }

  /// Called by the getters (config.cpp): records `section_path.key` if a recorder is alive.
  static void note(const std::string& section_path, std::string_view key);

 private:
  std::vector<std::string> keys_;
};

}  // namespace parley::core
