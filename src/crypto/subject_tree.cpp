#include "subject_tree.hpp"

#include <parley/core/log.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstring>

namespace parley::crypto::detail {
namespace {

constexpr std::string_view child_label = "parley/v1/erasure-subject-tree";

std::uint64_t span_of(std::uint8_t depth) {
  return std::uint64_t{1} << (tree_depth - depth);
}

// One HMAC-SHA256 context reused for every step of a walk (a context per step would cost more
// than the hash itself). The intermediate nodes it computes are wiped by the caller.
class stepper {
 public:
  stepper() {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    PARLEY_CHECK(mac != nullptr, "HMAC unavailable");
    ctx_ = EVP_MAC_CTX_new(mac);
    PARLEY_CHECK(ctx_ != nullptr, "EVP_MAC_CTX_new failed");
  }
  ~stepper() { EVP_MAC_CTX_free(ctx_); }
  stepper(const stepper&) = delete;
  stepper& operator=(const stepper&) = delete;

  // out = HMAC-SHA256(parent, label || bit); out may alias parent.
  void child(const std::uint8_t* parent, unsigned bit, std::uint8_t* out) {
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    std::array<std::uint8_t, child_label.size() + 2> msg{};
    std::memcpy(msg.data(), child_label.data(), child_label.size());
    msg[child_label.size() + 1] = static_cast<std::uint8_t>(bit);
    std::array<std::uint8_t, tree_node_size> tmp{};
    std::size_t n = 0;
    const bool ok = EVP_MAC_init(ctx_, parent, tree_node_size, params) == 1 &&
                    EVP_MAC_update(ctx_, msg.data(), msg.size()) == 1 &&
                    EVP_MAC_final(ctx_, tmp.data(), &n, tmp.size()) == 1 && n == tmp.size();
    PARLEY_CHECK(ok, "HMAC-SHA256 failed");
    std::memcpy(out, tmp.data(), tmp.size());
    secure_wipe(tmp);
  }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
};

unsigned bit_at(std::uint64_t index, unsigned depth) {  // the branch taken below `depth`
  return static_cast<unsigned>((index >> (tree_depth - 1 - depth)) & 1u);
}

}  // namespace

result<subject_tree> subject_tree::create(std::span<const std::uint8_t> root) {
  if (root.size() != tree_node_size) return errc::invalid_argument;
  subject_tree t;
  if (auto r = t.add(0, 0, root); !r) return r.error();
  return t;
}

result<void> subject_tree::add(std::uint64_t start, std::uint8_t depth, std::span<const std::uint8_t> value) {
  if (depth > tree_depth || value.size() != tree_node_size) return errc::malformed;
  const auto size = span_of(depth);
  if (start % size != 0 || start > max_index) return errc::malformed;
  // Disjoint from its neighbours: the previous node ends at or before `start`, the next starts
  // at or after start + size.
  auto next = nodes_.lower_bound(start);
  if (next != nodes_.end() && next->first < start + size) return errc::malformed;
  if (next != nodes_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + span_of(prev->second.depth) > start) return errc::malformed;
  }
  auto buf = secure_buffer::copy_of(value);
  if (!buf) return buf.error();
  nodes_.emplace_hint(next, start, node{depth, std::move(*buf)});
  return {};
}

std::map<std::uint64_t, subject_tree::node>::const_iterator subject_tree::cover(std::uint64_t index) const {
  auto it = nodes_.upper_bound(index);
  if (it == nodes_.begin()) return nodes_.end();
  --it;
  return index < it->first + span_of(it->second.depth) ? it : nodes_.end();
}

bool subject_tree::erased(std::uint64_t index) const {
  return index == 0 || index > max_index || cover(index) == nodes_.end();
}

result<void> subject_tree::secret(std::uint64_t index, std::span<std::uint8_t> out) const {
  if (out.size() != tree_node_size || index == 0 || index > max_index) return errc::invalid_argument;
  const auto it = cover(index);
  if (it == nodes_.end()) return errc::key_destroyed;
  std::memcpy(out.data(), it->second.value.data(), tree_node_size);
  stepper s;
  for (unsigned d = it->second.depth; d < tree_depth; ++d) s.child(out.data(), bit_at(index, d), out.data());
  return {};
}

result<std::size_t> subject_tree::erase(std::span<const std::uint64_t> indexes) {
  std::size_t erased_now = 0;
  stepper s;
  auto path = secure_buffer::allocate(tree_node_size);
  auto sibling = secure_buffer::allocate(tree_node_size);
  if (!path || !sibling) return errc::secure_memory_exhausted;
  for (const auto index : indexes) {
    if (index == 0 || index > max_index) return errc::invalid_argument;
    auto it = cover(index);
    if (it == nodes_.end()) continue;
    // Replace the covering node by the siblings of the path down to `index`, then drop the path.
    const auto depth = it->second.depth;
    std::uint64_t start = it->first;
    std::memcpy(path->data(), it->second.value.data(), tree_node_size);
    nodes_.erase(it);  // wipes the node
    for (unsigned d = depth; d < tree_depth; ++d) {
      const unsigned b = bit_at(index, d);
      const std::uint64_t half = span_of(static_cast<std::uint8_t>(d + 1));
      s.child(path->data(), 1 - b, sibling->data());
      const std::uint64_t sibling_start = b == 0 ? start + half : start;
      if (auto r = add(sibling_start, static_cast<std::uint8_t>(d + 1), sibling->bytes()); !r) return r.error();
      s.child(path->data(), b, path->data());
      if (b == 1) start += half;
    }
    ++erased_now;
    floor_ = std::max(floor_, index + 1);
  }
  if (erased_now > 0) ++epoch_;
  return erased_now;
}

result<void> subject_tree::for_each(std::span<const std::uint64_t> ascending,
                                    const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& fn) const {
  // The path of the previous index from its covering node: levels[d] = the node at depth d.
  auto levels = secure_buffer::allocate((tree_depth + 1) * tree_node_size);
  if (!levels) return levels.error();
  std::uint64_t prev_index = 0;
  std::uint64_t prev_cover = 0;
  std::uint8_t prev_depth = 0;
  bool have_prev = false;
  stepper s;
  for (const auto index : ascending) {
    if (have_prev && index < prev_index) return errc::invalid_argument;
    const auto it = index == 0 || index > max_index ? nodes_.end() : cover(index);
    if (it == nodes_.end()) {
      fn(index, {});
      continue;
    }
    const auto cover_depth = it->second.depth;
    unsigned from = cover_depth;  // first depth whose child must be computed
    if (have_prev && prev_cover == it->first && prev_depth == cover_depth) {
      // Same covering node: keep the shared prefix of the two paths.
      while (from < tree_depth && bit_at(index, from) == bit_at(prev_index, from)) ++from;
    } else {
      std::memcpy(levels->data() + cover_depth * tree_node_size, it->second.value.data(), tree_node_size);
    }
    for (unsigned d = from; d < tree_depth; ++d) {
      s.child(levels->data() + d * tree_node_size, bit_at(index, d), levels->data() + (d + 1) * tree_node_size);
    }
    fn(index, levels->bytes().subspan(tree_depth * tree_node_size, tree_node_size));
    prev_index = index;
    prev_cover = it->first;
    prev_depth = cover_depth;
    have_prev = true;
  }
  return {};
}

}  // namespace parley::crypto::detail
