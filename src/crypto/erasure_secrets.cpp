#include "key_files.hpp"

#include <parley/crypto/aead.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <cstring>

namespace parley::crypto {
namespace {

constexpr std::string_view magic = "PLYERS01";
constexpr std::size_t secret_size = 32;
constexpr std::size_t max_file_size = std::size_t{16} << 20;

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// A bounds-checked reader over the file image.
struct reader {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;
  bool take(std::size_t n, const std::uint8_t*& out) {
    if (in.size() - pos < n) return false;
    out = in.data() + pos;
    pos += n;
    return true;
  }
};

}  // namespace

result<erasure_secrets> erasure_secrets::load_file(const std::filesystem::path& file) {
  auto image = detail::read_private_file(file, max_file_size);
  if (!image) return image.error();
  const auto bytes = image->bytes();
  if (bytes.size() < magic.size() + 4 + 32) return errc::malformed;
  const auto body = bytes.first(bytes.size() - 32);
  if (!constant_time_equal(sha256(body), bytes.last(32))) return errc::malformed;
  reader r{body};
  const std::uint8_t* p = nullptr;
  if (!r.take(magic.size(), p) || std::memcmp(p, magic.data(), magic.size()) != 0) return errc::malformed;
  if (!r.take(4, p)) return errc::malformed;
  const std::uint32_t count = get_u32(p);
  erasure_secrets out;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint8_t* n = nullptr;
    const std::uint8_t* id = nullptr;
    const std::uint8_t* version = nullptr;
    const std::uint8_t* secret = nullptr;
    if (!r.take(1, n) || !r.take(*n, id) || !r.take(4, version) || !r.take(secret_size, secret)) return errc::malformed;
    std::string tenant(reinterpret_cast<const char*>(id), *n);
    const auto v = get_u32(version);
    if (!valid_key_id(tenant) || v == 0) return errc::malformed;
    auto buf = secure_buffer::copy_of({secret, secret_size});
    if (!buf) return buf.error();
    if (!out.secrets_.emplace(slot{std::move(tenant), v}, std::move(*buf)).second) return errc::malformed;
  }
  if (r.pos != body.size()) return errc::malformed;
  return out;
}

result<void> erasure_secrets::save_file(const std::filesystem::path& file) const {
  std::size_t size = magic.size() + 4 + 32;
  for (const auto& [k, v] : secrets_) size += 1 + k.first.size() + 4 + secret_size;
  // The image holds the secrets in clear, so it is built in protected memory too.
  auto image = secure_buffer::allocate(size);
  if (!image) return image.error();
  std::uint8_t* p = image->data();
  std::memcpy(p, magic.data(), magic.size());
  p += magic.size();
  put_u32(p, static_cast<std::uint32_t>(secrets_.size()));
  p += 4;
  for (const auto& [k, v] : secrets_) {
    *p++ = static_cast<std::uint8_t>(k.first.size());
    std::memcpy(p, k.first.data(), k.first.size());
    p += k.first.size();
    put_u32(p, k.second);
    p += 4;
    std::memcpy(p, v.data(), secret_size);
    p += secret_size;
  }
  const auto digest = sha256(image->bytes().first(size - 32));
  std::memcpy(p, digest.data(), digest.size());
  return detail::replace_private_file(file, image->bytes());
}

result<void> erasure_secrets::create(std::string_view tenant_id, std::uint32_t version, core::random_source& rng) {
  if (!valid_key_id(tenant_id) || version == 0) return errc::invalid_argument;
  slot key{std::string(tenant_id), version};
  if (secrets_.contains(key)) return errc::already_exists;
  auto secret = random_secret(secret_size, rng);
  if (!secret) return secret.error();
  secrets_.emplace(std::move(key), std::move(*secret));
  return {};
}

bool erasure_secrets::contains(std::string_view tenant_id, std::uint32_t version) const {
  return secrets_.contains(slot{std::string(tenant_id), version});
}

bool erasure_secrets::destroy(std::string_view tenant_id, std::uint32_t version) {
  // secure_buffer wipes on destruction.
  return secrets_.erase(slot{std::string(tenant_id), version}) == 1;
}

}  // namespace parley::crypto
