#include "key_files.hpp"
#include "subject_tree.hpp"

#include <parley/crypto/aead.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <cstring>

namespace parley::crypto {
namespace {

constexpr std::string_view magic_v1 = "PLYERS01";
constexpr std::string_view magic_v2 = "PLYERS02";
constexpr std::size_t secret_size = 32;
constexpr std::size_t max_file_size = std::size_t{16} << 20;

void put_u32(std::uint8_t*& p, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) p[3 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  p += 4;
}

void put_u64(std::uint8_t*& p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) p[7 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  p += 8;
}

void put_bytes(std::uint8_t*& p, std::span<const std::uint8_t> b) {
  std::memcpy(p, b.data(), b.size());
  p += b.size();
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
  bool u8(std::uint8_t& v) {
    const std::uint8_t* p = nullptr;
    if (!take(1, p)) return false;
    v = *p;
    return true;
  }
  bool u32(std::uint32_t& v) {
    const std::uint8_t* p = nullptr;
    if (!take(4, p)) return false;
    v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    return true;
  }
  bool u64(std::uint64_t& v) {
    const std::uint8_t* p = nullptr;
    if (!take(8, p)) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return true;
  }
  bool id(std::string& out) {
    std::uint8_t n = 0;
    const std::uint8_t* p = nullptr;
    if (!u8(n) || !take(n, p)) return false;
    out.assign(reinterpret_cast<const char*>(p), n);
    return valid_key_id(out);
  }
};

}  // namespace

erasure_secrets::erasure_secrets() = default;
erasure_secrets::erasure_secrets(erasure_secrets&&) noexcept = default;
erasure_secrets& erasure_secrets::operator=(erasure_secrets&&) noexcept = default;
erasure_secrets::~erasure_secrets() = default;

result<erasure_secrets> erasure_secrets::load_file(const std::filesystem::path& file) {
  auto image = detail::read_private_file(file, max_file_size);
  if (!image) return image.error();
  const auto bytes = image->bytes();
  if (bytes.size() < magic_v2.size() + 4 + 32) return errc::malformed;
  const auto body = bytes.first(bytes.size() - 32);
  if (!constant_time_equal(sha256(body), bytes.last(32))) return errc::malformed;
  reader r{body};
  const std::uint8_t* p = nullptr;
  if (!r.take(magic_v2.size(), p)) return errc::malformed;
  const bool v2 = std::memcmp(p, magic_v2.data(), magic_v2.size()) == 0;
  if (!v2 && std::memcmp(p, magic_v1.data(), magic_v1.size()) != 0) return errc::malformed;
  erasure_secrets out;
  if (v2) {
    installation_id id{};
    if (!r.take(id.size(), p)) return errc::malformed;
    std::memcpy(id.data(), p, id.size());
    if (id != installation_id{}) out.installation_ = id;
  }
  std::uint32_t count = 0;
  if (!r.u32(count)) return errc::malformed;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string tenant;
    std::uint32_t v = 0;
    const std::uint8_t* secret = nullptr;
    if (!r.id(tenant) || !r.u32(v) || !r.take(secret_size, secret) || v == 0) return errc::malformed;
    auto buf = secure_buffer::copy_of({secret, secret_size});
    if (!buf) return buf.error();
    if (!out.secrets_.emplace(slot{std::move(tenant), v}, std::move(*buf)).second) return errc::malformed;
  }
  if (v2) {
    std::uint32_t trees = 0;
    if (!r.u32(trees)) return errc::malformed;
    for (std::uint32_t t = 0; t < trees; ++t) {
      std::string tenant;
      std::uint64_t epoch = 0;
      std::uint64_t floor = 0;
      std::uint32_t nodes = 0;
      if (!r.id(tenant) || !r.u64(epoch) || !r.u64(floor) || !r.u32(nodes) || floor == 0) return errc::malformed;
      auto tree = std::make_unique<detail::subject_tree>(epoch, floor);
      for (std::uint32_t n = 0; n < nodes; ++n) {
        std::uint8_t depth = 0;
        std::uint64_t start = 0;
        const std::uint8_t* value = nullptr;
        if (!r.u8(depth) || !r.u64(start) || !r.take(detail::tree_node_size, value)) return errc::malformed;
        if (auto added = tree->add(start, depth, {value, detail::tree_node_size}); !added) return added.error();
      }
      if (!out.trees_.emplace(std::move(tenant), std::move(tree)).second) return errc::malformed;
    }
  }
  if (r.pos != body.size()) return errc::malformed;
  return out;
}

result<void> erasure_secrets::save_file(const std::filesystem::path& file) const {
  std::size_t size = magic_v2.size() + 16 + 4 + 4 + 32;
  for (const auto& [k, v] : secrets_) size += 1 + k.first.size() + 4 + secret_size;
  for (const auto& [tenant, tree] : trees_) {
    size += 1 + tenant.size() + 8 + 8 + 4 + tree->nodes().size() * (1 + 8 + detail::tree_node_size);
  }
  if (size > max_file_size) return errc::too_large;
  // The image holds the secrets in clear, so it is built in protected memory too.
  auto image = secure_buffer::allocate(size);
  if (!image) return image.error();
  std::uint8_t* p = image->data();
  put_bytes(p, as_bytes(magic_v2));
  put_bytes(p, installation_.value_or(installation_id{}));
  put_u32(p, static_cast<std::uint32_t>(secrets_.size()));
  for (const auto& [k, v] : secrets_) {
    *p++ = static_cast<std::uint8_t>(k.first.size());
    put_bytes(p, as_bytes(k.first));
    put_u32(p, k.second);
    put_bytes(p, v.bytes());
  }
  put_u32(p, static_cast<std::uint32_t>(trees_.size()));
  for (const auto& [tenant, tree] : trees_) {
    *p++ = static_cast<std::uint8_t>(tenant.size());
    put_bytes(p, as_bytes(tenant));
    put_u64(p, tree->epoch());
    put_u64(p, tree->floor());
    put_u32(p, static_cast<std::uint32_t>(tree->nodes().size()));
    for (const auto& [start, node] : tree->nodes()) {
      *p++ = node.depth;
      put_u64(p, start);
      put_bytes(p, node.value.bytes());
    }
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

result<void> erasure_secrets::create_subjects(std::string_view tenant_id, core::random_source& rng) {
  if (!valid_key_id(tenant_id)) return errc::invalid_argument;
  if (trees_.contains(tenant_id)) return errc::already_exists;
  auto root = random_secret(detail::tree_node_size, rng);
  if (!root) return root.error();
  auto tree = detail::subject_tree::create(root->bytes());
  if (!tree) return tree.error();
  trees_.emplace(std::string(tenant_id), std::make_unique<detail::subject_tree>(std::move(*tree)));
  return {};
}

bool erasure_secrets::has_subjects(std::string_view tenant_id) const {
  return trees_.contains(tenant_id);
}

result<secure_buffer> erasure_secrets::subject_secret(std::string_view tenant_id, std::uint64_t index) const {
  if (index == 0 || index > max_subject_index) return errc::invalid_argument;
  const auto it = trees_.find(tenant_id);
  if (it == trees_.end()) return errc::key_destroyed;
  auto out = secure_buffer::allocate(subject_secret_size);
  if (!out) return out.error();
  if (auto r = it->second->secret(index, out->bytes()); !r) return r.error();
  return out;
}

bool erasure_secrets::subject_erased(std::string_view tenant_id, std::uint64_t index) const {
  const auto it = trees_.find(tenant_id);
  return it == trees_.end() || it->second->erased(index);
}

result<std::size_t> erasure_secrets::erase_subjects(std::string_view tenant_id,
                                                    std::span<const std::uint64_t> indexes) {
  const auto it = trees_.find(tenant_id);
  if (it == trees_.end()) return errc::key_destroyed;
  return it->second->erase(indexes);
}

result<void> erasure_secrets::for_each_subject_secret(
    std::string_view tenant_id, std::span<const std::uint64_t> ascending,
    const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& fn) const {
  const auto it = trees_.find(tenant_id);
  if (it == trees_.end()) return errc::key_destroyed;
  return it->second->for_each(ascending, fn);
}

std::uint64_t erasure_secrets::erasure_epoch(std::string_view tenant_id) const {
  const auto it = trees_.find(tenant_id);
  return it == trees_.end() ? 0 : it->second->epoch();
}

std::uint64_t erasure_secrets::subject_floor(std::string_view tenant_id) const {
  const auto it = trees_.find(tenant_id);
  return it == trees_.end() ? 1 : it->second->floor();
}

std::size_t erasure_secrets::subject_nodes(std::string_view tenant_id) const {
  const auto it = trees_.find(tenant_id);
  return it == trees_.end() ? 0 : it->second->nodes().size();
}

std::vector<std::string> erasure_secrets::subject_tenants() const {
  std::vector<std::string> out;
  out.reserve(trees_.size());
  for (const auto& [tenant, tree] : trees_) out.push_back(tenant);
  return out;
}

}  // namespace parley::crypto
