// Test helpers for SECURITY.md promise 8 (the bank's token never leaks): how a test learns the
// tokens a BankX back end issued without a hook in BankX or a second copy in the bot, the forms a
// leaked token could take, and scans of files and of another process's memory for them.
//
// Tokens: BankX makes every token as prefix + base64url(32 random bytes) from its injected random
// source. A BankX running in the test process with a recording_random gives the test every 32-byte
// draw, so the test can form every token it can have issued ("bxa_" access, "bxp_" polling).
//
// Forms (token_forms): the plaintext as is (also what JSON escaping leaves of it: the alphabet
// needs no escape), fully \u-escaped JSON, lower-case hex, and base64 and base64url at each of
// the three byte alignments (the 60 characters that any encoding of a buffer containing the token
// must contain), plus the 32 random bytes themselves.
#pragma once

#include <parley/core/base64.hpp>
#include <parley/core/random.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace parley::test {

/// The OS CSPRNG, remembering every 32-byte draw (the size of a BankX token's randomness).
class recording_random final : public core::random_source {
 public:
  void fill(std::span<std::uint8_t> out) override {
    core::os_random().fill(out);
    std::lock_guard lock(mutex_);
    if (out.size() == 32) draws_.emplace_back(out.begin(), out.end());
  }
  /// Every token of this prefix that the draws so far can have made.
  [[nodiscard]] std::vector<std::string> tokens(std::string_view prefix) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& d : draws_) out.push_back(std::string(prefix) + core::base64url_encode(d));
    return out;
  }
  [[nodiscard]] std::vector<std::string> raw_draws() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& d : draws_) out.emplace_back(d.begin(), d.end());
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::vector<std::uint8_t>> draws_;
};

/// One byte string to look for, and a label for messages (a form name and a short prefix of the
/// token: enough to tell hits apart, too short to be the token).
struct needle {
  std::string bytes;
  std::string label;
};

inline std::string hex_of(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

inline std::string to_base64url(std::string b64) {
  for (auto& c : b64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return b64;
}

/// Every form of `token` a scan looks for (see the header comment).
inline std::vector<needle> token_forms(const std::string& token) {
  const std::string tag = token.substr(0, 6) + "...";
  std::vector<needle> out{{token, "plain " + tag}, {hex_of(token), "hex " + tag}};
  std::string escaped;
  for (unsigned char c : token) {
    static constexpr char digits[] = "0123456789abcdef";
    escaped += "\\u00";
    escaped += digits[c >> 4];
    escaped += digits[c & 15];
  }
  out.push_back({escaped, "json-escaped " + tag});
  for (std::size_t align = 0; align < 3 && token.size() >= align + 3; ++align) {
    const std::string_view rest = std::string_view(token).substr(align);
    const auto whole = rest.substr(0, rest.size() / 3 * 3);  // no padding: whole groups only
    const auto b64 =
        core::base64_encode(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(whole.data()), whole.size()));
    out.push_back({b64, "base64/" + std::to_string(align) + " " + tag});
    out.push_back({to_base64url(b64), "base64url/" + std::to_string(align) + " " + tag});
  }
  return out;
}

/// The forms of every token BankX can have issued from `rng`'s draws, and the draws themselves.
inline std::vector<needle> bankx_token_needles(const recording_random& rng) {
  std::vector<needle> out;
  for (const auto* prefix : {"bxa_", "bxp_"}) {
    for (const auto& t : rng.tokens(prefix)) {
      for (auto& n : token_forms(t)) out.push_back(std::move(n));
    }
  }
  for (const auto& raw : rng.raw_draws()) out.push_back({raw, "random bytes " + hex_of(raw.substr(0, 3)) + "..."});
  return out;
}

/// Labels of the needles found in `data`, each with `where`.
inline void find_in(std::string_view data, const std::vector<needle>& needles, const std::string& where,
                    std::vector<std::string>& found) {
  for (const auto& n : needles) {
    if (!n.bytes.empty() && data.find(n.bytes) != std::string_view::npos) found.push_back(n.label + " in " + where);
  }
}

struct scan_result {
  std::size_t files = 0;  ///< or readable memory regions
  std::size_t bytes = 0;
  std::size_t unreadable = 0;
  std::vector<std::string> found;
};

inline std::string read_whole_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Every regular file under `dir` (recursively: the SQLite files with their -wal and -shm, keys,
/// logs...), read as raw bytes.
inline scan_result scan_files(const std::filesystem::path& dir, const std::vector<needle>& needles) {
  scan_result out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const auto data = read_whole_file(e.path());
    ++out.files;
    out.bytes += data.size();
    find_in(data, needles, e.path().lexically_relative(dir).string(), out.found);
  }
  EXPECT_FALSE(ec) << dir << ": " << ec.message();
  return out;
}

/// Every readable mapping of `pid` through /proc/PID/mem (root: CAP_SYS_PTRACE reads a
/// non-dumpable process too). Regions that cannot be read, e.g. [vvar], are counted and skipped.
inline scan_result scan_memory(pid_t pid, const std::vector<needle>& needles) {
  scan_result out;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY);
  EXPECT_GE(mem, 0) << "reading another process's memory needs root (CAP_SYS_PTRACE)";
  if (mem < 0) return out;
  std::string line;
  std::string data;
  while (std::getline(maps, line)) {
    std::istringstream ls(line);
    std::string range, perms;
    ls >> range >> perms;
    if (perms.empty() || perms[0] != 'r') continue;
    const auto dash = range.find('-');
    const auto lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const auto hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    data.resize(hi - lo);
    const auto n = ::pread(mem, data.data(), data.size(), static_cast<off_t>(lo));
    if (n <= 0) {
      ++out.unreadable;
      continue;
    }
    data.resize(static_cast<std::size_t>(n));
    ++out.files;
    out.bytes += data.size();
    find_in(data, needles, line, out.found);
  }
  ::close(mem);
  return out;
}

}  // namespace parley::test
