#include <parley/jose/error.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace parley::jose::testing {
namespace {

struct ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

test_key_wrapper::test_key_wrapper() { RAND_bytes(key_.data(), static_cast<int>(key_.size())); }

test_key_wrapper::~test_key_wrapper() { OPENSSL_cleanse(key_.data(), key_.size()); }

result<std::vector<std::uint8_t>> test_key_wrapper::wrap(std::span<const std::uint8_t> plaintext,
                                                         std::string_view ad) {
  std::vector<std::uint8_t> out(12 + plaintext.size() + 16);
  RAND_bytes(out.data(), 12);
  std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), out.data()) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(ad.data()),
                              static_cast<int>(ad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out.data() + 12, &len, plaintext.data(), static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out.data() + 12 + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.data() + 12 + plaintext.size()) == 1;
  if (!ok) return make_error_code(errc::crypto_failure);
  return out;
}

result<std::vector<std::uint8_t>> test_key_wrapper::unwrap(std::span<const std::uint8_t> wrapped,
                                                           std::string_view ad) {
  ++unwraps_;
  if (wrapped.size() < 28) return make_error_code(errc::unwrap_failed);
  const std::size_t n = wrapped.size() - 28;
  std::vector<std::uint8_t> out(n);
  std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter> ctx(EVP_CIPHER_CTX_new());
  std::array<std::uint8_t, 16> tag{};
  std::copy(wrapped.end() - 16, wrapped.end(), tag.begin());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), wrapped.data()) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(ad.data()),
                              static_cast<int>(ad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out.data(), &len, wrapped.data() + 12, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return make_error_code(errc::unwrap_failed);
  }
  return out;
}

}  // namespace parley::jose::testing
