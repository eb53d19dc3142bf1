#include "gcm.hpp"

#include <parley/core/error.hpp>

#include <openssl/crypto.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>

namespace parley::crypto::detail {
namespace {

std::atomic<std::uint64_t> fork_generation{0};

void on_fork_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct nonce_pool {
  static constexpr std::size_t count = 64;
  std::array<std::uint8_t, count * gcm_nonce_size> bytes{};
  std::size_t next = count;  // empty until first use
  std::uint64_t generation = 0;
};

bool add_aad(EVP_CIPHER_CTX* ctx, std::initializer_list<bytes_view> aad, bool encrypt) {
  for (const auto piece : aad) {
    if (piece.empty()) continue;
    int n = 0;
    const int len = static_cast<int>(piece.size());
    const int rc = encrypt ? EVP_EncryptUpdate(ctx, nullptr, &n, piece.data(), len)
                           : EVP_DecryptUpdate(ctx, nullptr, &n, piece.data(), len);
    if (rc != 1) return false;
  }
  return true;
}

}  // namespace

const EVP_CIPHER* aes_256_gcm() noexcept {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  PARLEY_CHECK(cipher != nullptr, "AES-256-GCM unavailable in the OpenSSL default provider");
  return cipher;
}

cipher_ctx keyed_ctx(std::span<const std::uint8_t, gcm_key_size> key, bool encrypt) {
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ctx;
  const int rc = encrypt ? EVP_EncryptInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nullptr, nullptr)
                         : EVP_DecryptInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nullptr, nullptr);
  if (rc != 1) ctx.reset();
  return ctx;
}

bool gcm_seal(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t, gcm_nonce_size> nonce,
              std::initializer_list<bytes_view> aad, bytes_view plaintext, std::uint8_t* ciphertext,
              std::span<std::uint8_t, gcm_tag_size> tag) {
  PARLEY_ASSERT(plaintext.size() <= INT_MAX);
  int n = 0;
  int tail = 0;
  return EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) == 1 && add_aad(ctx, aad, true) &&
         // An empty update would be taken for "finish" by the provider, so it is skipped.
         (plaintext.empty() ||
          EVP_EncryptUpdate(ctx, ciphertext, &n, plaintext.data(), static_cast<int>(plaintext.size())) == 1) &&
         EVP_EncryptFinal_ex(ctx, ciphertext + n, &tail) == 1 &&
         static_cast<std::size_t>(n + tail) == plaintext.size() &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, gcm_tag_size, tag.data()) == 1;
}

bool gcm_open(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t, gcm_nonce_size> nonce,
              std::initializer_list<bytes_view> aad, bytes_view ciphertext, std::uint8_t* plaintext,
              std::span<const std::uint8_t, gcm_tag_size> tag) {
  PARLEY_ASSERT(ciphertext.size() <= INT_MAX);
  int n = 0;
  int tail = 0;
  // EVP takes the expected tag through a non-const pointer but only reads it.
  auto* expected = const_cast<std::uint8_t*>(tag.data());
  const bool ok =
      EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) == 1 && add_aad(ctx, aad, false) &&
      (ciphertext.empty() ||
       EVP_DecryptUpdate(ctx, plaintext, &n, ciphertext.data(), static_cast<int>(ciphertext.size())) == 1) &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, gcm_tag_size, expected) == 1 &&
      EVP_DecryptFinal_ex(ctx, plaintext + n, &tail) == 1 && static_cast<std::size_t>(n + tail) == ciphertext.size();
  // GCM decrypts before it verifies: without this, a forged record would leave attacker-chosen
  // bytes in the caller's buffer.
  if (!ok && !ciphertext.empty()) OPENSSL_cleanse(plaintext, ciphertext.size());
  return ok;
}

void next_nonce(core::random_source* rng, std::span<std::uint8_t, gcm_nonce_size> out) {
  if (rng != nullptr && rng != &core::os_random()) {
    rng->fill(out);
    return;
  }
  static std::once_flag atfork_once;
  std::call_once(atfork_once, [] { PARLEY_CHECK(pthread_atfork(nullptr, nullptr, on_fork_child) == 0, "pthread_atfork"); });
  thread_local nonce_pool pool;
  const auto generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.next == nonce_pool::count || pool.generation != generation) {
    core::os_random().fill(pool.bytes);
    pool.next = 0;
    pool.generation = generation;
  }
  std::uint8_t* slot = pool.bytes.data() + pool.next * gcm_nonce_size;
  std::memcpy(out.data(), slot, gcm_nonce_size);
  // A served nonce is erased so that no later bug can hand it out twice.
  std::memset(slot, 0, gcm_nonce_size);
  ++pool.next;
}

}  // namespace parley::crypto::detail
