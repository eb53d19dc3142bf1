// Private: the signing key file of key_store.cpp: format, atomic writes and the inter-process
// lock. Kept apart so that key_store.cpp holds only the key life-cycle logic.
#pragma once

#include <parley/core/error.hpp>
#include <parley/jose/key.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose::detail {

/// One key as stored: metadata plus the wrapped PKCS#8 bytes.
struct stored_key {
  std::string kid;
  std::string purpose;
  algorithm alg = algorithm::es256;
  std::int64_t created = 0;    // unix seconds
  std::int64_t activates = 0;  // unix seconds
  std::vector<std::uint8_t> wrapped;
};

/// 1..64 characters of [a-z0-9_-].
[[nodiscard]] bool valid_purpose(std::string_view name) noexcept;

/// Associated data binding a wrapped key to its metadata.
[[nodiscard]] std::string wrap_associated_data(const stored_key& k);

/// Parses the file text. errc::key_file_corrupt on anything Parley would not have written.
[[nodiscard]] result<std::vector<stored_key>> parse_key_file(std::string_view text);
[[nodiscard]] std::string serialize_key_file(const std::vector<stored_key>& keys);

/// Reads the file; a missing file is an empty list. errc::key_file_io, errc::key_file_corrupt.
[[nodiscard]] result<std::vector<stored_key>> read_key_file(const std::filesystem::path& file);
/// Writes atomically (temp + fsync + rename), mode 0600. errc::key_file_io.
[[nodiscard]] error_code write_key_file(const std::filesystem::path& file, const std::vector<stored_key>& keys);

/// An exclusive flock on "<file>.lock" for the lifetime of the object.
class file_lock {
 public:
  [[nodiscard]] static result<file_lock> acquire(const std::filesystem::path& file);
  file_lock(file_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  file_lock& operator=(file_lock&&) = delete;
  file_lock(const file_lock&) = delete;
  ~file_lock();

 private:
  explicit file_lock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace parley::jose::detail
