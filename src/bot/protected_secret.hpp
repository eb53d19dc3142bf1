// A secret (the channel secret, the app password) kept in protected memory (crypto::secure_buffer:
// locked, excluded from core dumps, wiped on free). Private to the bot component.
// Thread-safety: immutable after construction; view() may be called from any thread.
#pragma once

#include <parley/core/log.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <memory>
#include <span>
#include <string_view>

namespace parley::bot {

class protected_secret {
 public:
  protected_secret() = default;
  /// Copies `s` into protected memory and wipes `s` (the caller's copy). Empty on failure.
  static protected_secret take(std::shared_ptr<core::secret_string>& s) {
    protected_secret p;
    if (!s) return p;
    const auto v = s->reveal();
    auto buf = crypto::secure_buffer::copy_of(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()));
    if (buf) p.buf_ = std::make_shared<crypto::secure_buffer>(std::move(*buf));
    // Wipe our copy now; the options may be held elsewhere a little longer.
    *s = core::secret_string{};
    s.reset();
    return p;
  }
  [[nodiscard]] bool empty() const noexcept { return !buf_ || buf_->empty(); }
  /// The secret, only at the point of use (building a header or form field). Never log it.
  [[nodiscard]] std::string_view view() const noexcept {
    return buf_ ? std::string_view(reinterpret_cast<const char*>(buf_->data()), buf_->size()) : std::string_view{};
  }

 private:
  std::shared_ptr<const crypto::secure_buffer> buf_;
};

}  // namespace parley::bot
