#include <parley/channel/error.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

#include <openssl/evp.h>

#include <charconv>

namespace parley::channel {
namespace {

constexpr std::string_view prefix = "$scrypt$";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
// 128 * r * N bytes of memory; refuse parameters that would need more than this.
constexpr std::uint64_t max_memory = 256ull * 1024 * 1024;

bool derive(std::string_view secret, const secret_hash& h, std::span<std::uint8_t> out) {
  const std::uint64_t n = std::uint64_t{1} << h.log2_n;
  return EVP_PBE_scrypt(secret.data(), secret.size(), h.salt.data(), h.salt.size(), n, h.r, h.p,
                        max_memory + 1024 * 1024, out.data(), out.size()) == 1;
}

bool parse_param(std::string_view item, std::string_view name, unsigned min, unsigned max, unsigned& out) {
  if (item.size() <= name.size() + 1 || item.substr(0, name.size()) != name || item[name.size()] != '=') return false;
  const auto digits = item.substr(name.size() + 1);
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || end != digits.data() + digits.size() || v < min || v > max) return false;
  // No leading zeros or signs: one hash string, one spelling.
  if (digits.size() > 1 && digits[0] == '0') return false;
  out = v;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

}  // namespace

result<std::string> hash_secret(std::string_view secret, core::random_source& rng) {
  if (secret.size() < min_secret_length || secret.size() > 1024) return make_error_code(errc::bad_argument);
  secret_hash h;
  h.salt.resize(salt_bytes);
  rng.fill(h.salt);
  h.hash.resize(hash_bytes);
  if (!derive(secret, h, h.hash)) return make_error_code(errc::internal);
  return std::string(prefix) + "ln=" + std::to_string(h.log2_n) + ",r=" + std::to_string(h.r) +
         ",p=" + std::to_string(h.p) + "$" + core::base64url_encode(h.salt) + "$" + core::base64url_encode(h.hash);
}

result<secret_hash> parse_secret_hash(std::string_view text) {
  const auto bad = make_error_code(errc::bad_argument);
  if (text.size() > 512 || text.substr(0, prefix.size()) != prefix) return bad;
  const auto fields = split(text.substr(prefix.size()), '$');
  if (fields.size() != 3) return bad;
  const auto params = split(fields[0], ',');
  secret_hash h;
  if (params.size() != 3 || !parse_param(params[0], "ln", 10, 20, h.log2_n) || !parse_param(params[1], "r", 1, 32, h.r) ||
      !parse_param(params[2], "p", 1, 4, h.p)) {
    return bad;
  }
  if (128ull * h.r * (std::uint64_t{1} << h.log2_n) > max_memory) return bad;
  auto salt = core::base64url_decode(fields[1]);
  auto hash = core::base64url_decode(fields[2]);
  if (!salt || !hash || salt->size() < 16 || salt->size() > 64 || hash->size() != hash_bytes) return bad;
  h.salt = std::move(*salt);
  h.hash = std::move(*hash);
  return h;
}

bool verify_secret(std::string_view secret, const secret_hash& h) {
  if (secret.empty() || secret.size() > 1024 || h.hash.size() != hash_bytes) return false;
  std::vector<std::uint8_t> computed(hash_bytes);
  if (!derive(secret, h, computed)) return false;
  const bool same = crypto::constant_time_equal(computed, h.hash);
  crypto::secure_wipe(computed);
  return same;
}

}  // namespace parley::channel
