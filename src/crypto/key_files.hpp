// Private: strict I/O for files that hold key material (root key, erasure secrets).
#pragma once

#include <parley/core/error.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace parley::crypto::detail {

/// Reads a private file into protected memory: a regular file reached without following a
/// symlink, owned by this euid or root, no mode bits beyond 0600, at most `max_size` bytes
/// (errc::too_large). errc::io_error, errc::insecure_file.
[[nodiscard]] result<secure_buffer> read_private_file(const std::filesystem::path& file, std::size_t max_size);

/// Creates `file` with mode 0600 and `data`, fsyncs it and its directory. Never replaces
/// anything: errc::already_exists. A partially written file is removed. errc::io_error.
[[nodiscard]] result<void> create_private_file(const std::filesystem::path& file, std::span<const std::uint8_t> data);

/// Replaces `file` atomically with `data` (mode 0600): temporary file, fsync, rename, fsync of
/// the directory. errc::insecure_file if the existing file has looser permissions. errc::io_error.
[[nodiscard]] result<void> replace_private_file(const std::filesystem::path& file, std::span<const std::uint8_t> data);

}  // namespace parley::crypto::detail
