#include "key_access.hpp"

#include <parley/crypto/error.hpp>
#include <parley/crypto/key_hierarchy.hpp>
#include <parley/crypto/primitives.hpp>

#include <string>

namespace parley::crypto {
namespace {

using detail::key_access;

constexpr std::string_view wrapped_key_label = "parley/v1/wrapped-key";
constexpr std::string_view tenant_kek_label = "parley/v1/root/tenant-kek";
constexpr std::string_view subject_kek_label = "parley/v1/subject-kek";
constexpr std::string_view subject_wrap_label = "parley/v1/subject-wrap";

void append_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void append_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void append_field(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(s.size()));  // ids are at most 128 bytes
  out.append(s);
}

// Associated data of a wrapped key: binds it to its kind, tenant, id, version and parent version
// (and, for a data key bound to an erasure subject, to that subject).
std::string wrap_context(key_kind kind, std::string_view tenant, std::string_view key_id, std::uint32_t version,
                         std::uint32_t parent_version, std::uint64_t subject) {
  std::string ad(wrapped_key_label);
  ad.push_back('\0');
  ad.push_back(static_cast<char>(kind));
  append_field(ad, tenant);
  append_field(ad, key_id);
  append_u32(ad, version);
  append_u32(ad, parent_version);
  if (subject != 0) append_u64(ad, subject);
  return ad;
}

std::string wrap_context(const wrapped_key& w) {
  return wrap_context(w.kind, w.tenant_id, w.key_id, w.version, w.parent_version, w.subject);
}

// The inner layer of a bound data key: a key derived from the subject's secret alone, so that
// erasing the subject (destroying what derives its secret) makes the data key unopenable even
// where the tenant key still exists (older copies of the database).
std::string subject_context(std::string_view label, std::string_view tenant, std::string_view key_id,
                            std::uint32_t version, std::uint64_t subject) {
  std::string s(label);
  s.push_back('\0');
  append_field(s, tenant);
  append_field(s, key_id);
  append_u32(s, version);
  append_u64(s, subject);
  return s;
}

result<aead_key> subject_kek(std::span<const std::uint8_t> secret, std::string_view tenant, std::string_view key_id,
                             std::uint32_t version, std::uint64_t subject) {
  if (secret.size() != subject_secret_size || subject == 0 || subject > max_subject_index) {
    return errc::invalid_argument;
  }
  auto kek = secure_buffer::allocate(aead_key_size);
  if (!kek) return kek.error();
  const auto info = subject_context(subject_kek_label, tenant, key_id, version, subject);
  if (auto r = hkdf_sha256(secret, {}, as_bytes(info), kek->bytes()); !r) return r.error();
  aead_options o;
  o.keep_key_schedule = false;
  return aead_key::create(std::move(*kek), "subject", 1, o);
}

// The key that wraps version `version` of `tenant`'s key under `root`: HKDF with the erasure secret
// as salt, so that it cannot be derived once that secret is destroyed.
result<aead_key> tenant_kek(const root_key& root, const erasure_secrets& secrets, std::string_view tenant,
                            std::uint32_t version) {
  const secure_buffer* erasure = key_access::erasure_secret(secrets, tenant, version);
  if (erasure == nullptr) return errc::key_destroyed;
  std::string info(tenant_kek_label);
  info.push_back('\0');
  append_field(info, tenant);
  append_u32(info, version);
  auto kek = secure_buffer::allocate(aead_key_size);
  if (!kek) return kek.error();
  if (auto r = hkdf_sha256(key_access::root_bytes(root), erasure->bytes(), as_bytes(info), kek->bytes()); !r) {
    return r.error();
  }
  aead_options o;
  o.keep_key_schedule = false;
  return aead_key::create(std::move(*kek), "root", root.version(), o);
}

bool well_formed(const wrapped_key& w, key_kind kind) {
  return w.kind == kind && valid_key_id(w.tenant_id) && valid_key_id(w.key_id) && w.version != 0 &&
         w.parent_version != 0 && (kind != key_kind::tenant || w.key_id == w.tenant_id);
}

result<secure_buffer> unwrap_tenant_bytes(const root_key& root, const erasure_secrets& secrets, const wrapped_key& w) {
  if (!well_formed(w, key_kind::tenant)) return errc::malformed;
  if (w.parent_version != root.version()) return errc::key_mismatch;
  auto kek = tenant_kek(root, secrets, w.tenant_id, w.version);
  if (!kek) return kek.error();
  auto bytes = kek->open_secure(w.sealed, as_bytes(wrap_context(w)));
  if (bytes && bytes->size() != aead_key_size) return errc::malformed;
  return bytes;
}

result<wrapped_key> wrap_tenant_bytes(const root_key& root, const erasure_secrets& secrets, std::string_view tenant,
                                      std::uint32_t version, const secure_buffer& bytes) {
  auto kek = tenant_kek(root, secrets, tenant, version);
  if (!kek) return kek.error();
  wrapped_key w{key_kind::tenant, std::string(tenant), std::string(tenant), version, root.version(), {}};
  auto sealed = kek->seal(bytes.bytes(), as_bytes(wrap_context(w)));
  if (!sealed) return sealed.error();
  w.sealed = std::move(*sealed);
  return w;
}

// The outer layer: the payload (key bytes, or a bound key's inner record) under the tenant key.
result<secure_buffer> unwrap_outer(const tenant_key& tenant, const wrapped_key& w) {
  if (!well_formed(w, key_kind::data) || w.subject > max_subject_index) return errc::malformed;
  if (w.tenant_id != tenant.tenant_id() || w.parent_version != tenant.version()) return errc::key_mismatch;
  auto payload = key_access::aead(tenant).open_secure(w.sealed, as_bytes(wrap_context(w)));
  if (payload && w.subject == 0 && payload->size() != aead_key_size) return errc::malformed;
  return payload;
}

result<wrapped_key> wrap_outer(tenant_key& tenant, std::string_view key_id, std::uint32_t version,
                               std::uint64_t subject, std::span<const std::uint8_t> payload) {
  wrapped_key w{key_kind::data, tenant.tenant_id(), std::string(key_id), version, tenant.version(), {}, subject};
  auto sealed = key_access::aead(tenant).seal(payload, as_bytes(wrap_context(w)));
  if (!sealed) return sealed.error();
  w.sealed = std::move(*sealed);
  return w;
}

result<secure_buffer> unwrap_data_bytes(const tenant_key& tenant, const wrapped_key& w,
                                        std::span<const std::uint8_t> subject_secret) {
  auto payload = unwrap_outer(tenant, w);
  if (!payload || w.subject == 0) return payload;
  auto kek = subject_kek(subject_secret, w.tenant_id, w.key_id, w.version, w.subject);
  if (!kek) return kek.error();
  const auto ad = subject_context(subject_wrap_label, w.tenant_id, w.key_id, w.version, w.subject);
  auto bytes = kek->open_secure(payload->bytes(), as_bytes(ad));
  if (bytes && bytes->size() != aead_key_size) return errc::malformed;
  return bytes;
}

result<wrapped_key> wrap_data_bytes(tenant_key& tenant, std::string_view key_id, std::uint32_t version,
                                    const secure_buffer& bytes, std::uint64_t subject = 0,
                                    std::span<const std::uint8_t> subject_secret = {}) {
  if (subject == 0) return wrap_outer(tenant, key_id, version, 0, bytes.bytes());
  auto kek = subject_kek(subject_secret, tenant.tenant_id(), key_id, version, subject);
  if (!kek) return kek.error();
  const auto ad = subject_context(subject_wrap_label, tenant.tenant_id(), key_id, version, subject);
  auto inner = kek->seal(bytes.bytes(), as_bytes(ad));
  if (!inner) return inner.error();
  return wrap_outer(tenant, key_id, version, subject, *inner);
}

result<tenant_key> make_tenant_key(secure_buffer bytes, std::string_view tenant, std::uint32_t version,
                                   std::uint64_t wraps_so_far) {
  aead_options o;
  o.keep_key_schedule = false;  // long-lived: no key schedule outside protected memory
  o.seals_so_far = wraps_so_far;
  auto key = aead_key::create(std::move(bytes), tenant, version, o);
  if (!key) return key.error();
  return key_access::make_tenant_key(std::move(*key));
}

}  // namespace

tenant_key::tenant_key(aead_key key) : key_(std::make_unique<aead_key>(std::move(key))) {}
tenant_key::tenant_key(tenant_key&&) noexcept = default;
tenant_key& tenant_key::operator=(tenant_key&&) noexcept = default;
tenant_key::~tenant_key() = default;
const std::string& tenant_key::tenant_id() const noexcept { return key_->id(); }
std::uint32_t tenant_key::version() const noexcept { return key_->version(); }
std::uint64_t tenant_key::wraps() const noexcept { return key_->seals(); }

result<new_tenant_key> create_tenant_key(const root_key& root, erasure_secrets& secrets, std::string_view tenant_id,
                                         std::uint32_t version, core::random_source& rng) {
  if (!valid_key_id(tenant_id) || version == 0) return errc::invalid_argument;
  if (auto r = secrets.create(tenant_id, version, rng); !r) return r.error();
  auto bytes = random_secret(aead_key_size, rng);
  auto wrapped = bytes ? wrap_tenant_bytes(root, secrets, tenant_id, version, *bytes) : result<wrapped_key>(bytes.error());
  auto key = wrapped ? make_tenant_key(std::move(*bytes), tenant_id, version, 0) : result<tenant_key>(wrapped.error());
  if (!key) {
    secrets.destroy(tenant_id, version);
    return key.error();
  }
  return new_tenant_key{std::move(*key), std::move(*wrapped)};
}

result<tenant_key> open_tenant_key(const root_key& root, const erasure_secrets& secrets, const wrapped_key& wrapped,
                                   std::uint64_t wraps_so_far) {
  auto bytes = unwrap_tenant_bytes(root, secrets, wrapped);
  if (!bytes) return bytes.error();
  return make_tenant_key(std::move(*bytes), wrapped.tenant_id, wrapped.version, wraps_so_far);
}

result<wrapped_key> rewrap_tenant_key(const root_key& from, const root_key& to, const erasure_secrets& secrets,
                                      const wrapped_key& wrapped) {
  auto bytes = unwrap_tenant_bytes(from, secrets, wrapped);
  if (!bytes) return bytes.error();
  return wrap_tenant_bytes(to, secrets, wrapped.tenant_id, wrapped.version, *bytes);
}

result<new_data_key> create_data_key(tenant_key& tenant, std::string_view key_id, std::uint32_t version,
                                     const aead_options& options, core::random_source& rng) {
  if (!valid_key_id(key_id) || version == 0) return errc::invalid_argument;
  auto bytes = random_secret(aead_key_size, rng);
  if (!bytes) return bytes.error();
  auto wrapped = wrap_data_bytes(tenant, key_id, version, *bytes);
  if (!wrapped) return wrapped.error();
  auto key = aead_key::create(std::move(*bytes), key_id, version, options);
  if (!key) return key.error();
  return new_data_key{std::move(*key), std::move(*wrapped)};
}

result<new_data_key> create_bound_data_key(tenant_key& tenant, std::string_view key_id, std::uint32_t version,
                                           std::uint64_t subject, std::span<const std::uint8_t> subject_secret,
                                           const aead_options& options, core::random_source& rng) {
  if (!valid_key_id(key_id) || version == 0 || subject == 0 || subject > max_subject_index) {
    return errc::invalid_argument;
  }
  auto bytes = random_secret(aead_key_size, rng);
  if (!bytes) return bytes.error();
  auto wrapped = wrap_data_bytes(tenant, key_id, version, *bytes, subject, subject_secret);
  if (!wrapped) return wrapped.error();
  auto key = aead_key::create(std::move(*bytes), key_id, version, options);
  if (!key) return key.error();
  return new_data_key{std::move(*key), std::move(*wrapped)};
}

result<aead_key> open_data_key(const tenant_key& tenant, const wrapped_key& wrapped, const aead_options& options) {
  if (wrapped.subject != 0) return errc::invalid_argument;
  auto bytes = unwrap_data_bytes(tenant, wrapped, {});
  if (!bytes) return bytes.error();
  return aead_key::create(std::move(*bytes), wrapped.key_id, wrapped.version, options);
}

result<aead_key> open_data_key(const tenant_key& tenant, const wrapped_key& wrapped,
                               std::span<const std::uint8_t> subject_secret, const aead_options& options) {
  auto bytes = unwrap_data_bytes(tenant, wrapped, subject_secret);
  if (!bytes) return bytes.error();
  return aead_key::create(std::move(*bytes), wrapped.key_id, wrapped.version, options);
}

result<wrapped_key> bind_data_key(tenant_key& tenant, const wrapped_key& unbound, std::uint64_t subject,
                                  std::span<const std::uint8_t> subject_secret) {
  if (unbound.subject != 0 || subject == 0 || subject > max_subject_index) return errc::invalid_argument;
  auto bytes = unwrap_data_bytes(tenant, unbound, {});
  if (!bytes) return bytes.error();
  return wrap_data_bytes(tenant, unbound.key_id, unbound.version, *bytes, subject, subject_secret);
}

result<wrapped_key> rewrap_data_key(const tenant_key& from, tenant_key& to, const wrapped_key& wrapped) {
  if (from.tenant_id() != to.tenant_id()) return errc::key_mismatch;
  auto payload = unwrap_outer(from, wrapped);
  if (!payload) return payload.error();
  return wrap_outer(to, wrapped.key_id, wrapped.version, wrapped.subject, payload->bytes());
}

result<tenant_rotation> rotate_tenant_key(const root_key& root, erasure_secrets& secrets, const tenant_key& current,
                                          std::span<const wrapped_key> data_keys, core::random_source& rng) {
  const auto next_version = current.version() + 1;
  if (next_version == 0) return errc::key_exhausted;
  auto next = create_tenant_key(root, secrets, current.tenant_id(), next_version, rng);
  if (!next) return next.error();
  tenant_rotation out{std::move(*next), {}};
  out.data_keys.reserve(data_keys.size());
  for (const auto& w : data_keys) {
    auto rewrapped = rewrap_data_key(current, out.next.key, w);
    if (!rewrapped) {
      secrets.destroy(current.tenant_id(), next_version);
      return rewrapped.error();
    }
    out.data_keys.push_back(std::move(*rewrapped));
  }
  return out;
}

result<std::vector<wrapped_key>> rotate_root_key(const root_key& from, const root_key& to,
                                                 const erasure_secrets& secrets,
                                                 std::span<const wrapped_key> tenant_keys) {
  if (from.version() == to.version()) return errc::invalid_argument;
  std::vector<wrapped_key> out;
  out.reserve(tenant_keys.size());
  for (const auto& w : tenant_keys) {
    auto rewrapped = rewrap_tenant_key(from, to, secrets, w);
    if (!rewrapped) return rewrapped.error();
    out.push_back(std::move(*rewrapped));
  }
  return out;
}

}  // namespace parley::crypto
