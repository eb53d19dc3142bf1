// Private: one tenant's puncturable tree of erasure-subject secrets (erasure_secrets.hpp,
// docs/adr/0018-scoped-erasure.md).
//
// A GGM tree (Goldreich-Goldwasser-Micali) over the indexes 0 .. 2^48-1: a node's two children are
// HMAC-SHA256(node, label || 0) and HMAC-SHA256(node, label || 1); the secret of index i is the leaf
// reached by the bits of i, most significant first. The tree keeps only *covering nodes*: a set of
// disjoint subtrees whose leaves are exactly the indexes not erased. At creation that is the root.
// Erasing index i replaces the node that covers it by the siblings of i's path below that node (at
// most 48 nodes) and forgets the path itself, so nothing that is kept can derive i any more, while
// every other index still derives from some kept node. k erasures among n used indexes keep about
// k * log2(n / k) nodes (less when erasures are contiguous, e.g. a retention purge).
//
// Thread-safety: const members may run concurrently; the others need exclusive access.
#pragma once

#include <parley/core/error.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <span>

namespace parley::crypto::detail {

inline constexpr unsigned tree_depth = 48;
inline constexpr std::size_t tree_node_size = 32;

class subject_tree {
 public:
  struct node {
    std::uint8_t depth = 0;  ///< 0 = the root; tree_depth = a single leaf
    secure_buffer value;     ///< tree_node_size bytes
  };

  /// A tree whose root is `root` (tree_node_size bytes).
  static result<subject_tree> create(std::span<const std::uint8_t> root);
  /// An empty tree with the given counters (file loading adds the nodes).
  subject_tree(std::uint64_t epoch, std::uint64_t floor) : epoch_(epoch), floor_(floor) {}

  /// Adds a covering node (file loading). errc::malformed if it is misaligned, too deep or
  /// overlaps a node already present.
  [[nodiscard]] result<void> add(std::uint64_t start, std::uint8_t depth, std::span<const std::uint8_t> value);

  /// The secret of `index` into `out` (tree_node_size bytes). errc::key_destroyed if erased.
  [[nodiscard]] result<void> secret(std::uint64_t index, std::span<std::uint8_t> out) const;
  [[nodiscard]] bool erased(std::uint64_t index) const;
  /// Erases indexes; returns how many were not erased before. Bumps the epoch when that is > 0.
  [[nodiscard]] result<std::size_t> erase(std::span<const std::uint64_t> indexes);
  /// Calls fn(index, secret) for ascending indexes, sharing the derivation of common path
  /// prefixes (an empty span for an erased index). errc::invalid_argument if not ascending.
  [[nodiscard]] result<void> for_each(
      std::span<const std::uint64_t> ascending,
      const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& fn) const;

  [[nodiscard]] std::uint64_t epoch() const noexcept { return epoch_; }
  [[nodiscard]] std::uint64_t floor() const noexcept { return floor_; }
  [[nodiscard]] const std::map<std::uint64_t, node>& nodes() const noexcept { return nodes_; }

 private:
  subject_tree() = default;
  /// The covering node of `index`, or nodes_.end().
  [[nodiscard]] std::map<std::uint64_t, node>::const_iterator cover(std::uint64_t index) const;

  std::map<std::uint64_t, node> nodes_;  // by the first index a node covers
  std::uint64_t epoch_ = 0;              // erasures so far (bumped once per erase() that erased something)
  std::uint64_t floor_ = 1;              // 1 + the highest index ever erased
};

/// The index space: 1 .. max_index (0 is never a subject).
inline constexpr std::uint64_t max_index = (std::uint64_t{1} << tree_depth) - 1;

}  // namespace parley::crypto::detail
