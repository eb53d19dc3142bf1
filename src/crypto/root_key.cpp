#include "key_access.hpp"
#include "key_files.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/crypto/root_key.hpp>

namespace parley::crypto {
namespace {

constexpr std::string_view check_label = "parley/v1/root-key-check";
constexpr std::string_view wrap_label = "parley/v1/root/wrap";
constexpr std::size_t max_wrapped_secret = 64 * 1024;

}  // namespace

struct root_key::state {
  secure_buffer key;
  std::uint32_t version = 0;
  key_check_value check{};
  std::unique_ptr<aead_key> wrap_key;
};

root_key::root_key(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
root_key::root_key(root_key&&) noexcept = default;
root_key& root_key::operator=(root_key&&) noexcept = default;
root_key::~root_key() = default;

result<root_key> root_key::from_bytes(secure_buffer key, std::uint32_t version) {
  if (key.size() != root_key_size || version == 0) return errc::invalid_argument;
  auto s = std::make_unique<state>();
  s->version = version;
  s->check = hmac_sha256(key.bytes(), as_bytes(check_label));
  // The root key itself never touches data: each use gets its own derived key (domain separation).
  auto wrap_bytes = secure_buffer::allocate(aead_key_size);
  if (!wrap_bytes) return wrap_bytes.error();
  if (auto r = hkdf_sha256(key.bytes(), {}, as_bytes(wrap_label), wrap_bytes->bytes()); !r) return r.error();
  aead_options o;
  o.keep_key_schedule = false;
  auto wrap = aead_key::create(std::move(*wrap_bytes), "root", version, o);
  if (!wrap) return wrap.error();
  s->wrap_key = std::make_unique<aead_key>(std::move(*wrap));
  s->key = std::move(key);
  return root_key(std::move(s));
}

result<root_key> root_key::load_file(const std::filesystem::path& file, std::uint32_t version) {
  auto bytes = detail::read_private_file(file, 4096);
  if (!bytes) return bytes.error();
  if (bytes->size() != root_key_size) return errc::malformed;
  return from_bytes(std::move(*bytes), version);
}

result<root_key> root_key::from_base64url(std::string_view text, std::uint32_t version) {
  auto decoded = core::base64url_decode(text);
  if (!decoded) return errc::malformed;
  auto bytes = secure_buffer::copy_of(*decoded);
  const bool right_size = decoded->size() == root_key_size;
  secure_wipe(*decoded);
  if (!bytes) return bytes.error();
  if (!right_size) return errc::malformed;
  return from_bytes(std::move(*bytes), version);
}

result<root_key> root_key::generate(std::uint32_t version, core::random_source& rng) {
  auto bytes = random_secret(root_key_size, rng);
  if (!bytes) return bytes.error();
  return from_bytes(std::move(*bytes), version);
}

result<key_check_value> root_key::create_file(const std::filesystem::path& file, core::random_source& rng) {
  auto bytes = random_secret(root_key_size, rng);
  if (!bytes) return bytes.error();
  const auto check = hmac_sha256(bytes->bytes(), as_bytes(check_label));
  if (auto r = detail::create_private_file(file, bytes->bytes()); !r) return r.error();
  return check;
}

std::uint32_t root_key::version() const noexcept { return state_->version; }
const key_check_value& root_key::check_value() const noexcept { return state_->check; }

result<void> root_key::verify(std::span<const std::uint8_t> stored_check_value) const {
  if (!constant_time_equal(state_->check, stored_check_value)) return errc::wrong_root_key;
  return {};
}

result<std::vector<std::uint8_t>> root_key::wrap(std::span<const std::uint8_t> secret,
                                                 std::span<const std::uint8_t> associated_data) const {
  if (secret.empty()) return errc::invalid_argument;
  if (secret.size() > max_wrapped_secret) return errc::too_large;
  return state_->wrap_key->seal(secret, associated_data);
}

result<secure_buffer> root_key::unwrap(std::span<const std::uint8_t> wrapped,
                                       std::span<const std::uint8_t> associated_data) const {
  return state_->wrap_key->open_secure(wrapped, associated_data);
}

namespace detail {

std::span<const std::uint8_t> key_access::root_bytes(const root_key& root) { return root.state_->key.bytes(); }

const secure_buffer* key_access::erasure_secret(const erasure_secrets& s, std::string_view tenant,
                                                std::uint32_t version) {
  const auto it = s.secrets_.find({std::string(tenant), version});
  return it == s.secrets_.end() ? nullptr : &it->second;
}

}  // namespace detail
}  // namespace parley::crypto
