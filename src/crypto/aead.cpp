#include "gcm.hpp"

#include <parley/crypto/aead.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <atomic>
#include <cstring>
#include <mutex>

namespace parley::crypto {
namespace {

constexpr std::size_t fixed_header_size = 1 + 1 + 4 + aead_nonce_size;  // + key id

void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

bool valid_key_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_key_id_size) return false;
  for (const char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

result<sealed_header> parse_sealed(std::span<const std::uint8_t> sealed) {
  if (sealed.empty()) return errc::malformed;
  if (sealed[0] != sealed_format_v1) return errc::unsupported_format;
  if (sealed.size() < 2) return errc::malformed;
  const std::size_t id_size = sealed[1];
  const std::size_t header_size = fixed_header_size + id_size;
  if (sealed.size() < header_size + aead_tag_size) return errc::malformed;
  sealed_header h;
  h.format = sealed[0];
  h.key_id = {reinterpret_cast<const char*>(sealed.data() + 2), id_size};
  h.key_version = get_u32(sealed.data() + 2 + id_size);
  h.header_size = header_size;
  h.plaintext_size = sealed.size() - header_size - aead_tag_size;
  if (!valid_key_id(h.key_id) || h.key_version == 0) return errc::malformed;
  return h;
}

struct aead_key::state {
  secure_buffer key;
  std::string id;
  std::uint32_t version = 0;
  aead_options options;
  std::atomic<std::uint64_t> seals{0};
  // One context per direction so that a seal and an open of the same key do not wait for each other.
  std::mutex seal_mutex;
  detail::cipher_ctx seal_ctx;
  mutable std::mutex open_mutex;
  mutable detail::cipher_ctx open_ctx;

  std::span<const std::uint8_t, aead_key_size> key_bytes() const {
    return std::span<const std::uint8_t, aead_key_size>(key.data(), aead_key_size);
  }

  bool reserve_seal() {
    auto n = seals.load(std::memory_order_relaxed);
    do {
      if (n >= options.max_seals) return false;
    } while (!seals.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    return true;
  }

  std::size_t header_size() const { return fixed_header_size + id.size(); }
};

aead_key::aead_key(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
aead_key::aead_key(aead_key&&) noexcept = default;
aead_key& aead_key::operator=(aead_key&&) noexcept = default;
aead_key::~aead_key() = default;

result<aead_key> aead_key::create(secure_buffer key, std::string_view key_id, std::uint32_t version,
                                  const aead_options& options) {
  if (key.size() != aead_key_size || !valid_key_id(key_id) || version == 0) return errc::invalid_argument;
  auto s = std::make_unique<state>();
  s->key = std::move(key);
  s->id = std::string(key_id);
  s->version = version;
  s->options = options;
  s->seals.store(options.seals_so_far);
  if (options.keep_key_schedule) {
    s->seal_ctx = detail::keyed_ctx(s->key_bytes(), true);
    s->open_ctx = detail::keyed_ctx(s->key_bytes(), false);
    if (!s->seal_ctx || !s->open_ctx) return errc::internal;
  }
  return aead_key(std::move(s));
}

result<aead_key> aead_key::generate(std::string_view key_id, std::uint32_t version, const aead_options& options) {
  auto key = random_secret(aead_key_size, options.random ? *options.random : core::os_random());
  if (!key) return key.error();
  return create(std::move(*key), key_id, version, options);
}

const std::string& aead_key::id() const noexcept { return state_->id; }
std::uint32_t aead_key::version() const noexcept { return state_->version; }
std::uint64_t aead_key::seals() const noexcept { return state_->seals.load(std::memory_order_relaxed); }

std::size_t aead_key::sealed_size(std::size_t plaintext_size) const noexcept {
  return state_->header_size() + plaintext_size + aead_tag_size;
}

result<std::size_t> aead_key::seal(std::span<const std::uint8_t> plaintext,
                                   std::span<const std::uint8_t> associated_data, std::span<std::uint8_t> out) {
  auto& s = *state_;
  if (plaintext.size() > max_plaintext_size || associated_data.size() > max_associated_data_size) {
    return errc::too_large;
  }
  const std::size_t total = sealed_size(plaintext.size());
  if (out.size() < total) return errc::invalid_argument;
  if (!s.reserve_seal()) return errc::key_exhausted;

  std::uint8_t* p = out.data();
  p[0] = sealed_format_v1;
  p[1] = static_cast<std::uint8_t>(s.id.size());
  std::memcpy(p + 2, s.id.data(), s.id.size());
  put_u32(p + 2 + s.id.size(), s.version);
  const std::size_t header = s.header_size();
  std::span<std::uint8_t, aead_nonce_size> nonce(p + header - aead_nonce_size, aead_nonce_size);
  detail::next_nonce(s.options.random, nonce);
  std::span<std::uint8_t, aead_tag_size> tag(p + header + plaintext.size(), aead_tag_size);
  const detail::bytes_view header_bytes(p, header);

  bool ok = false;
  if (s.options.keep_key_schedule) {
    std::lock_guard lock(s.seal_mutex);
    ok = detail::gcm_seal(s.seal_ctx.get(), nonce, {header_bytes, associated_data}, plaintext, p + header, tag);
  } else {
    auto ctx = detail::keyed_ctx(s.key_bytes(), true);
    ok = ctx && detail::gcm_seal(ctx.get(), nonce, {header_bytes, associated_data}, plaintext, p + header, tag);
  }
  if (!ok) {
    secure_wipe(out.first(total));
    return errc::internal;
  }
  return total;
}

result<std::vector<std::uint8_t>> aead_key::seal(std::span<const std::uint8_t> plaintext,
                                                 std::span<const std::uint8_t> associated_data) {
  std::vector<std::uint8_t> out(sealed_size(plaintext.size()));
  auto n = seal(plaintext, associated_data, out);
  if (!n) return n.error();
  return out;
}

result<std::size_t> aead_key::open(std::span<const std::uint8_t> sealed, std::span<const std::uint8_t> associated_data,
                                   std::span<std::uint8_t> out) const {
  auto& s = *state_;
  if (sealed.size() > sealed_size(max_plaintext_size)) return errc::too_large;
  if (associated_data.size() > max_associated_data_size) return errc::too_large;
  auto h = parse_sealed(sealed);
  if (!h) return h.error();
  if (h->key_id != s.id || h->key_version != s.version) return errc::key_mismatch;
  if (out.size() < h->plaintext_size) return errc::invalid_argument;

  const std::uint8_t* p = sealed.data();
  std::span<const std::uint8_t, aead_nonce_size> nonce(p + h->header_size - aead_nonce_size, aead_nonce_size);
  std::span<const std::uint8_t, aead_tag_size> tag(p + h->header_size + h->plaintext_size, aead_tag_size);
  const detail::bytes_view header_bytes(p, h->header_size);
  const detail::bytes_view ciphertext(p + h->header_size, h->plaintext_size);

  bool ok = false;
  if (s.options.keep_key_schedule) {
    std::lock_guard lock(s.open_mutex);
    ok = detail::gcm_open(s.open_ctx.get(), nonce, {header_bytes, associated_data}, ciphertext, out.data(), tag);
  } else {
    auto ctx = detail::keyed_ctx(s.key_bytes(), false);
    if (!ctx) return errc::internal;
    ok = detail::gcm_open(ctx.get(), nonce, {header_bytes, associated_data}, ciphertext, out.data(), tag);
  }
  if (!ok) return errc::authentication_failed;
  return h->plaintext_size;
}

result<std::vector<std::uint8_t>> aead_key::open(std::span<const std::uint8_t> sealed,
                                                 std::span<const std::uint8_t> associated_data) const {
  auto h = parse_sealed(sealed);
  if (!h) return h.error();
  if (h->plaintext_size > max_plaintext_size) return errc::too_large;
  std::vector<std::uint8_t> out(h->plaintext_size);
  auto n = open(sealed, associated_data, out);
  if (!n) return n.error();
  return out;
}

result<secure_buffer> aead_key::open_secure(std::span<const std::uint8_t> sealed,
                                            std::span<const std::uint8_t> associated_data) const {
  auto h = parse_sealed(sealed);
  if (!h) return h.error();
  if (h->plaintext_size > max_plaintext_size) return errc::too_large;
  auto out = secure_buffer::allocate(h->plaintext_size);
  if (!out) return out.error();
  auto n = open(sealed, associated_data, out->bytes());
  if (!n) return n.error();
  return out;
}

}  // namespace parley::crypto
