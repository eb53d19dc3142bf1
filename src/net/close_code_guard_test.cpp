#include "close_code_guard.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace parley::net {
namespace {

// Issue 21, 7: a close code of 5000 or more is rewritten (to one Beast refuses with 1002).
std::string masked_close(std::uint16_t code, const unsigned char mask[4]) {
  std::string f = {static_cast<char>(0x88), static_cast<char>(0x80 | 2)};
  f.append(reinterpret_cast<const char*>(mask), 4);
  f += static_cast<char>((code >> 8) ^ mask[0]);
  f += static_cast<char>((code & 0xff) ^ mask[1]);
  return f;
}

std::uint16_t code_after(const std::string& frames, std::size_t split) {
  detail::close_code_filter filter;
  std::string out;
  std::string a = frames.substr(0, split), b = frames.substr(split);
  const auto deliver = [&](std::string& part) {
    unsigned char held = 0;
    std::string in;
    if (filter.take_held(held)) in += static_cast<char>(held);
    in += part;
    const auto n = filter.process(reinterpret_cast<unsigned char*>(in.data()), in.size());
    if (n < in.size()) filter.hold(static_cast<unsigned char>(in[n]));
    out += in.substr(0, n);
  };
  deliver(a);
  deliver(b);
  const auto hi = static_cast<unsigned char>(out[out.size() - 2]) ^ static_cast<unsigned char>(out[out.size() - 6]);
  const auto lo = static_cast<unsigned char>(out[out.size() - 1]) ^ static_cast<unsigned char>(out[out.size() - 5]);
  EXPECT_EQ(out.size(), frames.size());
  return static_cast<std::uint16_t>((hi << 8) | lo);
}

TEST(close_code_filter, rewrites_codes_of_5000_and_more_however_the_bytes_arrive) {
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  // A text frame first ("hi", masked), then the close frame.
  std::string text = {static_cast<char>(0x81), static_cast<char>(0x82)};
  text.append(reinterpret_cast<const char*>(mask), 4);
  text += static_cast<char>('h' ^ mask[0]);
  text += static_cast<char>('i' ^ mask[1]);
  for (const std::uint16_t code : {1000, 1001, 3000, 4999, 5000, 5001, 65535}) {
    const auto frames = text + masked_close(code, mask);
    for (std::size_t split = 0; split <= frames.size(); ++split) {
      const auto got = code_after(frames, split);
      if (code >= 5000) {
        EXPECT_EQ(got, 0) << code << " split at " << split;
      } else {
        EXPECT_EQ(got, code) << code << " split at " << split;
      }
    }
  }
}

}  // namespace
}  // namespace parley::net
