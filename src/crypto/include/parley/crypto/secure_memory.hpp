// Protected memory for long-lived secrets (keys, the sealing key of sealed secrets), on OpenSSL's
// secure heap (docs/adr/0004-protected-memory.md): one fixed arena, mmap'ed between two guard
// pages, locked in RAM (mlock2 MLOCK_ONFAULT) and excluded from core dumps (MADV_DONTDUMP);
// OpenSSL wipes every block when it is freed.
//
// The arena is created once per process, by init_secure_heap() (harden_process() calls it first
// thing) or, failing that, with default sizes by the first secure_buffer allocation, so that no
// key ever lands on the ordinary heap because someone forgot a call.
//
// Thread-safety: init_secure_heap() and allocation may be called from any thread (OpenSSL takes
// one global lock per allocation and free). A secure_buffer itself is not synchronised.
#pragma once

#include <parley/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace parley::crypto {

/// Outcome of creating the arena; mirrors CRYPTO_secure_malloc_init's 1 / 2 / 0.
enum class secure_heap_status {
  protected_ok,  ///< arena created, locked and excluded from dumps (1)
  unprotected,   ///< arena created but mlock or madvise failed, e.g. RLIMIT_MEMLOCK too low (2)
  failed,        ///< no arena: secure allocations fall back to the ordinary heap (0)
};

[[nodiscard]] std::string_view to_string(secure_heap_status s) noexcept;

struct secure_heap_options {
  std::size_t size = std::size_t{1} << 20;  ///< arena bytes; a power of two (RLIMIT_MEMLOCK must allow it)
  std::size_t min_allocation = 32;          ///< smallest block; a power of two below size / 4
};

/// Creates the arena. Only the first call (or the first secure allocation) has an effect; later
/// calls return the status of the first. Sizes that are not powers of two are a programmer error.
secure_heap_status init_secure_heap(const secure_heap_options& options = {});

/// Bytes of the arena in use (CRYPTO_secure_used), for diagnostics.
[[nodiscard]] std::size_t secure_heap_used() noexcept;

/// A fixed-size, zero-initialised byte buffer in the secure heap. Move-only; the bytes are wiped
/// when it is destroyed or reassigned. Never formatted or streamed (no formatter exists on purpose).
class secure_buffer {
 public:
  secure_buffer() noexcept = default;
  /// `size` zero bytes; size 0 gives an empty buffer. errc::secure_memory_exhausted when the arena
  /// is full (an operator must raise its size).
  [[nodiscard]] static result<secure_buffer> allocate(std::size_t size);
  /// A protected copy of `bytes`; the caller wipes its own copy.
  [[nodiscard]] static result<secure_buffer> copy_of(std::span<const std::uint8_t> bytes);

  secure_buffer(const secure_buffer&) = delete;
  secure_buffer& operator=(const secure_buffer&) = delete;
  secure_buffer(secure_buffer&& other) noexcept;
  secure_buffer& operator=(secure_buffer&& other) noexcept;
  ~secure_buffer();

  [[nodiscard]] std::uint8_t* data() noexcept { return data_; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::span<std::uint8_t> bytes() noexcept { return {data_, size_}; }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }

  /// Zeroes the contents and keeps the allocation.
  void wipe() noexcept;
  /// True if the bytes live inside the secure arena (false for an empty buffer, or when the arena
  /// could not be created and OpenSSL fell back to the ordinary heap).
  [[nodiscard]] bool is_protected() const noexcept;

 private:
  void release() noexcept;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace parley::crypto
