// Sealed secrets: a value such as a bank's access token for one end user, kept AES-256-GCM sealed
// under a process-local key that exists only in protected memory and is never persisted (a restart
// means users log in again), opened just in time into a protected buffer for the duration of a
// callback and wiped right after (SECURITY.md promise 8).
//
//   crypto::secret_sealer sealer = *crypto::secret_sealer::create();
//   crypto::sealed_secret token = *sealer.seal(token_text, "bankx/conv-42/user-7/access-token");
//   token.with_plaintext([&](std::string_view t) { set_authorization_header(t); });
//
// A sealed_secret has no implicit conversion, no operator<<, formats as "[sealed]" with fmt, is
// move-only and wipes its bytes when destroyed. The context given to seal() is bound as associated
// data, so a sealed value moved into another sealed_secret with another context does not open.
// The plaintext a callback sees must not outlive the callback (it is wiped): copy it only into
// another protected buffer.
//
// Thread-safety: secret_sealer::seal and sealed_secret::with_plaintext may run concurrently from
// any threads; one sealed_secret object must not be moved or destroyed while in use.
#pragma once

#include <parley/core/error.hpp>
#include <parley/crypto/aead.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace parley::crypto {

class sealed_secret {
 public:
  sealed_secret() = default;
  sealed_secret(const sealed_secret&) = delete;
  sealed_secret& operator=(const sealed_secret&) = delete;
  sealed_secret(sealed_secret&& other) noexcept;
  sealed_secret& operator=(sealed_secret&& other) noexcept;
  ~sealed_secret();

  [[nodiscard]] bool empty() const noexcept { return sealed_.empty(); }
  /// Size of the plaintext (not secret: it is visible in the sealed size anyway).
  [[nodiscard]] std::size_t size() const noexcept;

  /// Opens the value into protected memory, calls `f(std::string_view)` and wipes the buffer (also
  /// if `f` throws). Returns what `f` returns. errc::invalid_argument for an empty object,
  /// errc::authentication_failed if the sealed bytes were altered.
  template <class F>
  auto with_plaintext(F&& f) const -> result<std::invoke_result_t<F&, std::string_view>> {
    using R = std::invoke_result_t<F&, std::string_view>;
    static_assert(!std::is_same_v<std::decay_t<R>, std::string_view> && !std::is_pointer_v<std::decay_t<R>>,
                  "the plaintext is wiped when the callback returns: do not return a view of it");
    auto buf = open_plaintext();
    if (!buf) return result<R>(boost::system::in_place_error, buf.error());
    const std::string_view text(reinterpret_cast<const char*>(buf->data()), buf->size());
    if constexpr (std::is_void_v<R>) {
      std::invoke(f, text);
      return {};
    } else {
      return std::invoke(f, text);
    }
  }

  /// The sealed bytes (a sealed record, aead.hpp): what a memory scan of this object finds.
  [[nodiscard]] std::span<const std::uint8_t> sealed_bytes() const noexcept { return sealed_; }

 private:
  friend class secret_sealer;
  sealed_secret(std::shared_ptr<const aead_key> key, std::vector<std::uint8_t> sealed, std::string context);
  [[nodiscard]] result<secure_buffer> open_plaintext() const;
  void wipe() noexcept;

  std::shared_ptr<const aead_key> key_;
  std::vector<std::uint8_t> sealed_;
  std::string context_;
};

/// Owns the process-local sealing key (random, in protected memory). When the key reaches its use
/// limit, seal() switches to a fresh key; values sealed earlier keep theirs and still open.
class secret_sealer {
 public:
  /// `options.max_seals` and `options.random` are honoured (tests lower the limit); contexts are
  /// always built per call, so the key never sits outside protected memory between calls.
  [[nodiscard]] static result<secret_sealer> create(const aead_options& options = {});

  secret_sealer(secret_sealer&&) noexcept;
  secret_sealer& operator=(secret_sealer&&) noexcept;
  ~secret_sealer();

  /// Seals `plaintext` (at most 64 KiB) bound to `context` (ids such as tenant, conversation, user
  /// and token kind; not secret). errc::too_large, errc::secure_memory_exhausted.
  [[nodiscard]] result<sealed_secret> seal(std::string_view plaintext, std::string_view context);

  /// Key generations created so far (1 + rotations at the use limit).
  [[nodiscard]] std::uint32_t generation() const noexcept;

 private:
  struct state;
  explicit secret_sealer(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> state_;
};

}  // namespace parley::crypto

template <>
struct fmt::formatter<parley::crypto::sealed_secret> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const parley::crypto::sealed_secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("[sealed]", ctx);
  }
};
