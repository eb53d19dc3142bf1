#include <parley/core/base64.hpp>

#include <array>

namespace parley::core {
namespace {

constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_table(const char* alphabet) {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto url_table = make_table(url_alphabet);
constexpr auto std_table = make_table(std_alphabet);

std::string encode(std::span<const std::uint8_t> in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

// Decodes unpadded text; refuses non-canonical trailing bits.
template <class Out>
bool decode(std::string_view in, const std::array<std::int8_t, 256>& table, Out& out) {
  if (in.size() % 4 == 1) return false;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<typename Out::value_type>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, or two encodings would decode to the same bytes.
  return (acc & ((1u << bits) - 1)) == 0;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> data) { return encode(data, url_alphabet, false); }

std::string base64url_encode(std::string_view data) {
  return encode({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}, url_alphabet, false);
}

result<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  if (!decode(text, url_table, out)) return make_error_code(errc::parse_error);
  return out;
}

result<std::string> base64url_decode_string(std::string_view text) {
  std::string out;
  if (!decode(text, url_table, out)) return make_error_code(errc::parse_error);
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> data) { return encode(data, std_alphabet, true); }

result<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return make_error_code(errc::parse_error);
  std::size_t pad = 0;
  while (pad < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++pad;
  }
  std::vector<std::uint8_t> out;
  if (!decode(text, std_table, out)) return make_error_code(errc::parse_error);
  return out;
}

std::string hex_encode(std::span<const std::uint8_t> data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (const auto b : data) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace parley::core
