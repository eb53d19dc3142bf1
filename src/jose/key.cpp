#include "key_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/jose/error.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace parley::jose {

// ---- secret_bytes -------------------------------------------------------------------------------

secret_bytes::secret_bytes(secret_bytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }

secret_bytes& secret_bytes::operator=(secret_bytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

secret_bytes::~secret_bytes() { wipe(); }

void secret_bytes::wipe() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

// ---- algorithm names ----------------------------------------------------------------------------

std::string_view to_string(algorithm alg) noexcept {
  switch (alg) {
    case algorithm::es256: return "ES256";
    case algorithm::eddsa: return "EdDSA";
    case algorithm::rs256: return "RS256";
  }
  return "?";
}

std::optional<algorithm> algorithm_from_string(std::string_view name) noexcept {
  if (name == "ES256") return algorithm::es256;
  if (name == "EdDSA") return algorithm::eddsa;
  if (name == "RS256") return algorithm::rs256;
  return std::nullopt;
}

algorithm public_key::alg() const noexcept { return impl_->alg(); }
unsigned public_key::bits() const noexcept { return impl_->bits(); }
const std::string& public_key::thumbprint() const noexcept { return impl_->thumbprint(); }

namespace detail {
namespace {

constexpr unsigned min_rsa_bits = 2048;
constexpr unsigned max_rsa_bits = 8192;  // bigger keys only cost verification time
constexpr std::size_t max_pool = 64;     // prepared contexts kept per key and direction

// P-256 group order n and floor(n/2), big-endian.
constexpr std::array<std::uint8_t, 32> p256_order = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr std::array<std::uint8_t, 32> p256_half_order = {
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8};

const EVP_MD* sha256_md() noexcept {
  // Fetched once: an implicit fetch per operation is one of OpenSSL 3's known slow paths.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct bn_deleter {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

struct pctx_deleter {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using pctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pctx_deleter>;

std::string b64(std::span<const std::uint8_t> b) { return core::base64url_encode(b); }

std::string bn_param(EVP_PKEY* pkey, const char* name, std::size_t pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return {};
  bn_ptr bn(raw);
  std::vector<std::uint8_t> out(pad ? pad : static_cast<std::size_t>(BN_num_bytes(bn.get())));
  if (pad) {
    if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(pad)) < 0) return {};
  } else {
    BN_bn2bin(bn.get(), out.data());
  }
  return b64(out);
}

result<jwk_members> members_of(EVP_PKEY* pkey, algorithm alg) {
  jwk_members m;
  switch (alg) {
    case algorithm::es256:
      m.kty = "EC";
      m.crv = "P-256";
      m.x = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
      m.y = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
      if (m.x.empty() || m.y.empty()) return make_error_code(errc::crypto_failure);
      break;
    case algorithm::eddsa: {
      m.kty = "OKP";
      m.crv = "Ed25519";
      std::array<std::uint8_t, 32> x{};
      std::size_t len = x.size();
      if (EVP_PKEY_get_raw_public_key(pkey, x.data(), &len) != 1 || len != 32) {
        return make_error_code(errc::crypto_failure);
      }
      m.x = b64(x);
      break;
    }
    case algorithm::rs256:
      m.kty = "RSA";
      m.n = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
      m.e = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
      if (m.n.empty() || m.e.empty()) return make_error_code(errc::crypto_failure);
      break;
  }
  return m;
}

// RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. The values
// are base64url strings and fixed names, so no JSON escaping is ever needed.
std::string thumbprint_of(const jwk_members& m) {
  std::string json;
  if (m.kty == "EC") {
    json = R"({"crv":")" + m.crv + R"(","kty":"EC","x":")" + m.x + R"(","y":")" + m.y + R"("})";
  } else if (m.kty == "OKP") {
    json = R"({"crv":")" + m.crv + R"(","kty":"OKP","x":")" + m.x + R"("})";
  } else {
    json = R"({"e":")" + m.e + R"(","kty":"RSA","n":")" + m.n + R"("})";
  }
  std::uint8_t digest[32];
  sha256(as_bytes(json), digest);
  return b64(digest);
}

void drain_openssl_errors() noexcept { ERR_clear_error(); }

}  // namespace

void sha256(std::span<const std::uint8_t> data, std::uint8_t (&out)[32]) noexcept {
  unsigned len = 0;
  PARLEY_CHECK(EVP_Digest(data.data(), data.size(), out, &len, sha256_md(), nullptr) == 1 && len == 32,
               "SHA-256 failed");
}

result<algorithm> algorithm_of(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) return algorithm::eddsa;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      return make_error_code(errc::bad_key);
    }
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") return algorithm::es256;
    return make_error_code(errc::bad_key);
  }
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < static_cast<int>(min_rsa_bits) || bits > static_cast<int>(max_rsa_bits)) {
      return make_error_code(errc::bad_key);
    }
    return algorithm::rs256;
  }
  return make_error_code(errc::bad_key);
}

// ---- key_impl -----------------------------------------------------------------------------------

key_impl::key_impl(pkey_ptr pkey, algorithm alg, bool has_private)
    : pkey_(std::move(pkey)), alg_(alg), has_private_(has_private) {}

result<std::shared_ptr<const key_impl>> key_impl::make(pkey_ptr pkey, bool has_private) {
  if (!pkey) return make_error_code(errc::crypto_failure);
  auto alg = algorithm_of(pkey.get());
  if (!alg) return alg.error();
  auto members = members_of(pkey.get(), *alg);
  if (!members) return members.error();
  std::shared_ptr<key_impl> k(new key_impl(std::move(pkey), *alg, has_private));
  k->bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(k->pkey_.get()));
  k->members_ = std::move(*members);
  k->thumbprint_ = thumbprint_of(k->members_);
  return std::shared_ptr<const key_impl>(std::move(k));
}

key_impl::~key_impl() {
  for (void* c : verify_pool_) destroy(c);
  for (void* c : sign_pool_) destroy(c);
}

void key_impl::destroy(void* ctx) const noexcept {
  if (ctx == nullptr) return;
  if (alg_ == algorithm::eddsa) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx));
  } else {
    EVP_PKEY_CTX_free(static_cast<EVP_PKEY_CTX*>(ctx));
  }
}

// Contexts are prepared once (provider lookup, key import into the provider, digest binding are
// the expensive part of an OpenSSL 3 signature) and reused; a context that saw a failure is
// dropped rather than reused, so that no error state can leak from one token into the next.
void* key_impl::acquire(bool for_sign) const {
  {
    std::lock_guard lock(mutex_);
    auto& pool = for_sign ? sign_pool_ : verify_pool_;
    if (!pool.empty()) {
      void* c = pool.back();
      pool.pop_back();
      return c;
    }
  }
  if (alg_ == algorithm::eddsa) {
    EVP_MD_CTX* m = EVP_MD_CTX_new();
    if (m == nullptr) return nullptr;
    const int ok = for_sign ? EVP_DigestSignInit_ex(m, nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr)
                            : EVP_DigestVerifyInit_ex(m, nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr);
    if (ok != 1) {
      EVP_MD_CTX_free(m);
      drain_openssl_errors();
      return nullptr;
    }
    return m;
  }
  pctx_ptr p(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!p) return nullptr;
  int ok = for_sign ? EVP_PKEY_sign_init(p.get()) : EVP_PKEY_verify_init(p.get());
  if (ok == 1 && alg_ == algorithm::rs256) ok = EVP_PKEY_CTX_set_rsa_padding(p.get(), RSA_PKCS1_PADDING);
  if (ok == 1) ok = EVP_PKEY_CTX_set_signature_md(p.get(), sha256_md());
  if (ok != 1) {
    drain_openssl_errors();
    return nullptr;
  }
  return p.release();
}

void key_impl::release(void* ctx, bool for_sign, bool reusable) const noexcept {
  if (ctx == nullptr) return;
  if (reusable) {
    std::lock_guard lock(mutex_);
    auto& pool = for_sign ? sign_pool_ : verify_pool_;
    if (pool.size() < max_pool) {
      pool.push_back(ctx);
      return;
    }
  }
  destroy(ctx);
}

bool key_impl::verify(std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature,
                      bool require_low_s) const noexcept {
  std::array<std::uint8_t, 72> der{};
  std::size_t der_len = 0;
  switch (alg_) {
    case algorithm::es256: {
      if (signature.size() != 64) return false;  // DER or truncated signatures end here
      const auto raw = signature.first<64>();
      if (require_low_s && ecdsa_s_is_high(raw.subspan<32, 32>())) return false;
      der_len = ecdsa_raw_to_der(raw, der);
      if (der_len == 0) return false;
      break;
    }
    case algorithm::rs256:
      if (signature.size() != (bits_ + 7) / 8) return false;
      break;
    case algorithm::eddsa:
      if (signature.size() != 64) return false;
      break;
  }
  void* ctx = nullptr;
  try {
    ctx = acquire(false);
  } catch (...) {  // allocation failure in the pool: treat as a failed verification
    return false;
  }
  if (ctx == nullptr) return false;
  int rc = 0;
  if (alg_ == algorithm::eddsa) {
    rc = EVP_DigestVerify(static_cast<EVP_MD_CTX*>(ctx), signature.data(), signature.size(), data.data(), data.size());
  } else {
    std::uint8_t digest[32];
    sha256(data, digest);
    const auto* sig = alg_ == algorithm::es256 ? der.data() : signature.data();
    const auto sig_len = alg_ == algorithm::es256 ? der_len : signature.size();
    rc = EVP_PKEY_verify(static_cast<EVP_PKEY_CTX*>(ctx), sig, sig_len, digest, sizeof digest);
  }
  if (rc != 1) drain_openssl_errors();
  release(ctx, false, rc == 1);
  return rc == 1;
}

result<std::vector<std::uint8_t>> key_impl::sign(std::span<const std::uint8_t> data) const {
  PARLEY_CHECK(has_private_, "sign() with a public key");
  void* ctx = acquire(true);
  if (ctx == nullptr) return make_error_code(errc::crypto_failure);
  std::vector<std::uint8_t> out;
  std::size_t len = 0;
  int rc = 0;
  if (alg_ == algorithm::eddsa) {
    auto* m = static_cast<EVP_MD_CTX*>(ctx);
    out.resize(64);
    len = out.size();
    rc = EVP_DigestSign(m, out.data(), &len, data.data(), data.size());
  } else {
    auto* p = static_cast<EVP_PKEY_CTX*>(ctx);
    std::uint8_t digest[32];
    sha256(data, digest);
    rc = EVP_PKEY_sign(p, nullptr, &len, digest, sizeof digest);
    if (rc == 1) {
      out.resize(len);
      rc = EVP_PKEY_sign(p, out.data(), &len, digest, sizeof digest);
    }
  }
  release(ctx, true, rc == 1);
  if (rc != 1) {
    drain_openssl_errors();
    return make_error_code(errc::crypto_failure);
  }
  out.resize(len);
  if (alg_ == algorithm::es256) {
    std::vector<std::uint8_t> raw;
    if (!ecdsa_der_to_raw_low_s(out, raw)) return make_error_code(errc::crypto_failure);
    return raw;
  }
  return out;
}

// ---- ECDSA signature forms ------------------------------------------------------------------------

bool ecdsa_s_is_high(std::span<const std::uint8_t, 32> s) noexcept {
  return std::lexicographical_compare(p256_half_order.begin(), p256_half_order.end(), s.begin(), s.end());
}

namespace {

// DER INTEGER of a 32-byte unsigned big-endian value; 0 when the value is zero.
std::size_t der_integer(std::span<const std::uint8_t> v, std::uint8_t* out) noexcept {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  if (i == v.size()) return 0;
  const bool pad = (v[i] & 0x80) != 0;
  const std::size_t len = v.size() - i + (pad ? 1 : 0);
  out[0] = 0x02;
  out[1] = static_cast<std::uint8_t>(len);
  std::size_t o = 2;
  if (pad) out[o++] = 0;
  std::memcpy(out + o, v.data() + i, v.size() - i);
  return 2 + len;
}

}  // namespace

std::size_t ecdsa_raw_to_der(std::span<const std::uint8_t, 64> raw, std::span<std::uint8_t, 72> out) noexcept {
  std::uint8_t* p = out.data() + 2;
  const std::size_t r_len = der_integer(raw.first<32>(), p);
  if (r_len == 0) return 0;
  const std::size_t s_len = der_integer(raw.last<32>(), p + r_len);
  if (s_len == 0) return 0;
  out[0] = 0x30;
  out[1] = static_cast<std::uint8_t>(r_len + s_len);
  return 2 + r_len + s_len;
}

bool ecdsa_der_to_raw_low_s(std::span<const std::uint8_t> der, std::vector<std::uint8_t>& raw) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return false;
  raw.assign(64, 0);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  const bool ok = BN_bn2binpad(r, raw.data(), 32) == 32 && BN_bn2binpad(s, raw.data() + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!ok) return false;
  // (r, n - s) verifies too; emitting only the low form gives each token one valid encoding.
  if (ecdsa_s_is_high(std::span<const std::uint8_t, 32>(raw.data() + 32, 32))) {
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
      int d = int{p256_order[static_cast<std::size_t>(i)]} - int{raw[32 + static_cast<std::size_t>(i)]} - borrow;
      borrow = d < 0 ? 1 : 0;
      raw[32 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
    }
  }
  return true;
}

// ---- construction from key material -------------------------------------------------------------

namespace {

struct param_bld_deleter {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct param_deleter {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

result<public_key> public_from(pkey_ptr pkey) {
  auto impl = key_impl::make(std::move(pkey), false);
  if (!impl) return impl.error();
  return public_key(std::move(*impl));
}

pkey_ptr from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, param_deleter> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    drain_openssl_errors();
    return nullptr;
  }
  return pkey_ptr(raw);
}

}  // namespace

result<public_key> ec_p256_public(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y) {
  if (x.size() != 32 || y.size() != 32) return make_error_code(errc::bad_key);
  std::array<std::uint8_t, 65> point{};
  point[0] = 0x04;
  std::memcpy(point.data() + 1, x.data(), 32);
  std::memcpy(point.data() + 33, y.data(), 32);
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_deleter> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return make_error_code(errc::crypto_failure);
  }
  auto pkey = from_params("EC", bld.get());
  if (!pkey) return make_error_code(errc::bad_key);
  // Refuse points off the curve or of the wrong order (invalid-curve attacks).
  pctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    drain_openssl_errors();
    return make_error_code(errc::bad_key);
  }
  return public_from(std::move(pkey));
}

result<public_key> ed25519_public(std::span<const std::uint8_t> x) {
  if (x.size() != 32) return make_error_code(errc::bad_key);
  pkey_ptr pkey(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, x.data(), x.size()));
  if (!pkey) {
    drain_openssl_errors();
    return make_error_code(errc::bad_key);
  }
  return public_from(std::move(pkey));
}

result<public_key> rsa_public(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e) {
  // RFC 7518 §6.3.1: minimal encodings. e is small in practice; a huge e only slows verification.
  if (n.empty() || e.empty() || n[0] == 0 || e[0] == 0 || e.size() > 8) return make_error_code(errc::bad_key);
  if (n.size() * 8 < min_rsa_bits || n.size() * 8 > max_rsa_bits) return make_error_code(errc::bad_key);
  if ((e.back() & 1) == 0 || (e.size() == 1 && e[0] < 3)) return make_error_code(errc::bad_key);
  bn_ptr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  bn_ptr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_deleter> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return make_error_code(errc::crypto_failure);
  }
  auto pkey = from_params("RSA", bld.get());
  if (!pkey) return make_error_code(errc::bad_key);
  return public_from(std::move(pkey));
}

result<signing_key> ed25519_private(std::span<const std::uint8_t> seed) {
  if (seed.size() != 32) return make_error_code(errc::bad_key);
  pkey_ptr pkey(EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed.data(), seed.size()));
  if (!pkey) return make_error_code(errc::bad_key);
  auto impl = key_impl::make(std::move(pkey), true);
  if (!impl) return impl.error();
  public_key pub(*impl);
  return signing_key(std::move(*impl), std::move(pub));
}

}  // namespace detail

// ---- signing_key ------------------------------------------------------------------------------------

namespace {

result<signing_key> signing_from(detail::pkey_ptr pkey, algorithm expected) {
  if (!pkey) return make_error_code(errc::bad_key);
  auto impl = detail::key_impl::make(std::move(pkey), true);
  if (!impl) return impl.error();
  if ((*impl)->alg() != expected) return make_error_code(errc::bad_key);
  public_key pub(*impl);
  return signing_key(std::move(*impl), std::move(pub));
}

}  // namespace

result<signing_key> signing_key::generate(algorithm alg, unsigned rsa_bits) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case algorithm::es256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case algorithm::eddsa: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case algorithm::rs256:
      if (rsa_bits < detail::min_rsa_bits || rsa_bits > detail::max_rsa_bits) return make_error_code(errc::bad_key);
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
      break;
  }
  if (raw == nullptr) {
    detail::drain_openssl_errors();
    return make_error_code(errc::crypto_failure);
  }
  return signing_from(detail::pkey_ptr(raw), alg);
}

result<signing_key> signing_key::from_pkcs8(std::span<const std::uint8_t> der, algorithm alg) {
  const unsigned char* p = der.data();
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (p8 == nullptr || p != der.data() + der.size()) {
    PKCS8_PRIV_KEY_INFO_free(p8);
    detail::drain_openssl_errors();
    return make_error_code(errc::bad_key);
  }
  detail::pkey_ptr pkey(EVP_PKCS82PKEY(p8));
  PKCS8_PRIV_KEY_INFO_free(p8);  // clears the private octets as it frees them
  if (!pkey) detail::drain_openssl_errors();
  return signing_from(std::move(pkey), alg);
}

result<secret_bytes> signing_key::to_pkcs8() const {
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(impl_->pkey());
  if (p8 == nullptr) return make_error_code(errc::crypto_failure);
  unsigned char* buf = nullptr;
  const int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (len <= 0 || buf == nullptr) return make_error_code(errc::crypto_failure);
  secret_bytes out(std::vector<std::uint8_t>(buf, buf + len));
  OPENSSL_clear_free(buf, static_cast<std::size_t>(len));
  return out;
}

}  // namespace parley::jose
