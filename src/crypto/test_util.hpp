// Private helpers shared by the crypto tests.
#pragma once

#include <parley/core/base64.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::crypto::test {

inline std::vector<std::uint8_t> unhex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline std::string hex(std::span<const std::uint8_t> b) { return core::hex_encode(b); }

inline std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

/// Reads `size` bytes of this process's memory at `address` through /proc/self/mem, with raw
/// syscalls only (no allocation that could reuse the memory being looked at). Defined even for
/// memory that was freed, which is the point: it shows what a memory scan would find.
inline bool read_own_memory(const void* address, std::uint8_t* out, std::size_t size) {
  const int fd = ::open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const auto n = ::pread(fd, out, size, static_cast<off_t>(reinterpret_cast<std::uintptr_t>(address)));
  ::close(fd);
  return n == static_cast<ssize_t>(size);
}

/// True if `needle` occurs in `haystack`.
inline bool contains(std::span<const std::uint8_t> haystack, std::span<const std::uint8_t> needle) {
  if (needle.empty() || haystack.size() < needle.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (std::equal(needle.begin(), needle.end(), haystack.begin() + static_cast<std::ptrdiff_t>(i))) return true;
  }
  return false;
}

}  // namespace parley::crypto::test
