// Captures every log line written while it is alive (after redaction), for tests that assert
// what is and is not logged.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace parley::core::testing {

class log_capture {
 public:
  log_capture();
  ~log_capture();
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  [[nodiscard]] std::vector<std::string> lines() const;
  /// True if any captured line contains `needle`.
  [[nodiscard]] bool contains(std::string_view needle) const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace parley::core::testing
