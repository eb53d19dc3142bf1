#include <parley/crypto/error.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <openssl/crypto.h>

#include <cstring>
#include <mutex>
#include <utility>

namespace parley::crypto {
namespace {

bool power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

std::once_flag heap_once;
secure_heap_status heap_status = secure_heap_status::failed;

}  // namespace

std::string_view to_string(secure_heap_status s) noexcept {
  switch (s) {
    case secure_heap_status::protected_ok: return "locked and excluded from dumps";
    case secure_heap_status::unprotected: return "created, but mlock/madvise failed";
    case secure_heap_status::failed: return "not available";
  }
  return "unknown";
}

secure_heap_status init_secure_heap(const secure_heap_options& options) {
  std::call_once(heap_once, [&] {
    PARLEY_CHECK(power_of_two(options.size) && power_of_two(options.min_allocation) &&
                     options.min_allocation < options.size / 4,
                 "secure heap sizes must be powers of two with min_allocation < size / 4");
    // 1: fully protected; 2: arena exists but some protection (mlock, madvise) failed; 0: none.
    switch (CRYPTO_secure_malloc_init(options.size, options.min_allocation)) {
      case 1: heap_status = secure_heap_status::protected_ok; break;
      case 2: heap_status = secure_heap_status::unprotected; break;
      default: heap_status = secure_heap_status::failed; break;
    }
  });
  return heap_status;
}

std::size_t secure_heap_used() noexcept { return CRYPTO_secure_used(); }

result<secure_buffer> secure_buffer::allocate(std::size_t size) {
  secure_buffer out;
  if (size == 0) return out;
  (void)init_secure_heap();
  out.data_ = static_cast<std::uint8_t*>(OPENSSL_secure_zalloc(size));
  if (out.data_ == nullptr) return errc::secure_memory_exhausted;
  out.size_ = size;
  return out;
}

result<secure_buffer> secure_buffer::copy_of(std::span<const std::uint8_t> bytes) {
  auto out = allocate(bytes.size());
  if (out && !bytes.empty()) std::memcpy(out->data(), bytes.data(), bytes.size());
  return out;
}

secure_buffer::secure_buffer(secure_buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

secure_buffer& secure_buffer::operator=(secure_buffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

secure_buffer::~secure_buffer() { release(); }

void secure_buffer::release() noexcept {
  // clear_free cleanses first even on the fallback (ordinary heap) path.
  if (data_ != nullptr) OPENSSL_secure_clear_free(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

void secure_buffer::wipe() noexcept {
  if (data_ != nullptr) OPENSSL_cleanse(data_, size_);
}

bool secure_buffer::is_protected() const noexcept {
  return data_ != nullptr && CRYPTO_secure_allocated(data_) == 1;
}

}  // namespace parley::crypto
