// Erasure secrets: what makes erasure reach backups. They are kept OUTSIDE the database (a file
// in a location of its own, never in the database's backups), in two kinds:
//
// - one random 32-byte secret per tenant-key version: a tenant key is wrapped under a key derived
//   from the root key AND this secret (key_hierarchy.hpp), so destroying it retires that version,
//   and every data key it wrapped, even in copies of the database made before;
// - per tenant, a puncturable tree of *subject* secrets (docs/adr/0018-scoped-erasure.md): every
//   conversation has a subject index (1 .. max_subject_index) whose secret binds its data key
//   (key_hierarchy.hpp, create_bound_data_key). Erasing a subject destroys the secrets that can
//   derive its secret and nothing else: a backup restored with today's file still opens every
//   other conversation. Secrets are derived, not stored, so a new conversation changes nothing here;
//   the tree grows by at most 48 nodes per erased subject (about k * log2(n / k) nodes for k
//   erasures among n subjects).
//
// Each tenant's tree also counts its erasures (epoch) and remembers 1 + the highest erased index
// (floor), so that a database older than the file can be recognised and its erasures finished,
// and a file older than the database (which would bring erased subjects back) refused. The file
// names the installation it belongs to (the store's installation id).
//
// File format 2 (binary, big-endian): "PLYERS02", 16-byte installation id (zeros: not yet bound),
// u32 count, count x {u8 n, tenant id, u32 version, 32 secret bytes}, u32 trees, trees x {u8 n,
// tenant id, u64 epoch, u64 floor, u32 nodes, nodes x {u8 depth, u64 first index, 32 bytes}},
// then SHA-256 of everything before it. Format 1 ("PLYERS01": no installation, no trees) is read
// too. Mode 0600, replaced atomically (temporary file, fsync, rename, fsync of the directory).
//
// Ownership: secrets live in protected memory, owned by this object (move-only).
// Thread-safety: const member functions may run concurrently; the others need exclusive access.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::crypto {

namespace detail {
struct key_access;
class subject_tree;
}  // namespace detail

/// Subject indexes are 1 .. max_subject_index (48 bits); 0 means "no subject".
inline constexpr std::uint64_t max_subject_index = (std::uint64_t{1} << 48) - 1;
inline constexpr std::size_t subject_secret_size = 32;

using installation_id = std::array<std::uint8_t, 16>;

class erasure_secrets {
 public:
  erasure_secrets();
  erasure_secrets(erasure_secrets&&) noexcept;
  erasure_secrets& operator=(erasure_secrets&&) noexcept;
  ~erasure_secrets();

  /// Loads a file written by save_file() (format 1 or 2). errc::io_error (absent or unreadable),
  /// errc::insecure_file, errc::malformed (bad magic, bad record, checksum mismatch),
  /// errc::too_large (> 16 MiB), errc::secure_memory_exhausted.
  [[nodiscard]] static result<erasure_secrets> load_file(const std::filesystem::path& file);
  /// Writes everything (format 2), replacing `file` atomically. errc::io_error,
  /// errc::insecure_file (the existing file has looser permissions than 0600).
  [[nodiscard]] result<void> save_file(const std::filesystem::path& file) const;

  // --- tenant-key versions ---

  /// Creates the secret of (tenant, version). errc::already_exists (a version is never reused),
  /// errc::invalid_argument (tenant id not a valid key id, version 0).
  [[nodiscard]] result<void> create(std::string_view tenant_id, std::uint32_t version,
                                    core::random_source& rng = core::os_random());
  [[nodiscard]] bool contains(std::string_view tenant_id, std::uint32_t version) const;
  /// Wipes and forgets the secret; false if it did not exist. Persist with save_file().
  bool destroy(std::string_view tenant_id, std::uint32_t version);
  /// Number of tenant-key version secrets.
  [[nodiscard]] std::size_t size() const noexcept { return secrets_.size(); }

  // --- the installation this file belongs to ---

  [[nodiscard]] const std::optional<installation_id>& installation() const noexcept { return installation_; }
  void set_installation(const installation_id& id) noexcept { installation_ = id; }

  // --- erasure subjects (one puncturable tree per tenant) ---

  /// Creates the tenant's tree with a random root. errc::already_exists, errc::invalid_argument.
  [[nodiscard]] result<void> create_subjects(std::string_view tenant_id, core::random_source& rng = core::os_random());
  [[nodiscard]] bool has_subjects(std::string_view tenant_id) const;
  /// The secret of subject `index`. errc::key_destroyed (erased, or the tenant has no tree),
  /// errc::invalid_argument (index 0 or above max_subject_index).
  [[nodiscard]] result<secure_buffer> subject_secret(std::string_view tenant_id, std::uint64_t index) const;
  /// True when `index` can no longer be derived (erased, out of range, or no tree). No hashing.
  [[nodiscard]] bool subject_erased(std::string_view tenant_id, std::uint64_t index) const;
  /// Erases subjects (already-erased ones are skipped); returns how many were erased now and
  /// bumps the tenant's epoch if that is not zero. Persist with save_file(). errc::key_destroyed
  /// (no tree), errc::invalid_argument, errc::secure_memory_exhausted.
  [[nodiscard]] result<std::size_t> erase_subjects(std::string_view tenant_id, std::span<const std::uint64_t> indexes);
  /// Calls fn(index, secret) for `ascending` indexes, deriving shared path prefixes once (an
  /// empty span for an erased index). errc::invalid_argument if not ascending, key_destroyed (no tree).
  [[nodiscard]] result<void> for_each_subject_secret(
      std::string_view tenant_id, std::span<const std::uint64_t> ascending,
      const std::function<void(std::uint64_t, std::span<const std::uint8_t>)>& fn) const;
  /// Erasures recorded for the tenant so far (0 without a tree).
  [[nodiscard]] std::uint64_t erasure_epoch(std::string_view tenant_id) const;
  /// 1 + the highest subject index ever erased for the tenant (1 without erasures): a database
  /// that would hand out a lower index is older than this file.
  [[nodiscard]] std::uint64_t subject_floor(std::string_view tenant_id) const;
  /// Nodes kept for the tenant's tree (diagnostics and tests).
  [[nodiscard]] std::size_t subject_nodes(std::string_view tenant_id) const;
  /// Tenants that have a tree.
  [[nodiscard]] std::vector<std::string> subject_tenants() const;

 private:
  friend struct detail::key_access;
  using slot = std::pair<std::string, std::uint32_t>;
  std::map<slot, secure_buffer> secrets_;
  std::map<std::string, std::unique_ptr<detail::subject_tree>, std::less<>> trees_;
  std::optional<installation_id> installation_;
};

}  // namespace parley::crypto
