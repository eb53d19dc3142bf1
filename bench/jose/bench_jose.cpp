// Sign and verify throughput of Parley's JWS code, per algorithm, single-threaded, to compare with
// `openssl speed ecdsap256 ed25519 rsa2048` (run.sh runs both and writes bench/results/jose.md).
//   raw_sign / raw_verify: the signature operation alone on a JWS signing input (what openssl
//     speed measures, plus SHA-256 of the ~250-byte input and, for ES256, the raw<->DER conversion);
//   token_sign: claims -> compact JWS; token_validate: compact JWS -> validated claims (parse,
//     header checks, key lookup, verify, JSON payload, claim checks): the per-token cost;
//   uncached_verify: the same verify with a fresh OpenSSL context per call, to show what the
//     prepared-context pool saves.
#include "key_impl.hpp"

#include <parley/core/clock.hpp>
#include <parley/jose/token.hpp>

#include <benchmark/benchmark.h>

#include <openssl/evp.h>

namespace jose = parley::jose;

namespace {

struct setup {
  explicit setup(jose::algorithm alg)
      : key(*jose::signing_key::generate(alg)),
        keys(*jose::jwks::make({jose::jwk{key.public_part(), key.kid(), {}, std::nullopt}})),
        validator(profile(alg), parley::core::system_clock()) {
    const auto now = parley::core::system_clock().now();
    c.set("iss", "https://channel.example").set("aud", "https://channel.example/directline");
    c.set("conv", "8a3f0c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b").set("user", "dl_Zk3mQ9x7R2vT8wLp4sN6yA");
    c.set_time("iat", now).set_time("nbf", now).set_time("exp", now + std::chrono::minutes{30});
    token = *jose::sign(c, key, "dl+jwt");
    input = token.substr(0, token.rfind('.'));
    signature = *key.impl()->sign(jose::detail::as_bytes(input));
  }
  static jose::profile profile(jose::algorithm alg) {
    jose::profile p;
    p.name = "bench";
    p.issuers = {"https://channel.example"};
    p.audiences = {"https://channel.example/directline"};
    p.algorithms = {alg};
    p.typ = "dl+jwt";
    return p;
  }
  jose::signing_key key;
  jose::jwks keys;
  jose::token_validator validator;
  jose::claims c;
  std::string token, input;
  std::vector<std::uint8_t> signature;
};

setup& get(jose::algorithm alg) {
  static setup es(jose::algorithm::es256), ed(jose::algorithm::eddsa), rs(jose::algorithm::rs256);
  return alg == jose::algorithm::es256 ? es : alg == jose::algorithm::eddsa ? ed : rs;
}

void raw_sign(benchmark::State& state, jose::algorithm alg) {
  auto& s = get(alg);
  for (auto _ : state) benchmark::DoNotOptimize(s.key.impl()->sign(jose::detail::as_bytes(s.input)));
}

void raw_verify(benchmark::State& state, jose::algorithm alg) {
  auto& s = get(alg);
  for (auto _ : state) {
    if (!s.key.impl()->verify(jose::detail::as_bytes(s.input), s.signature, true)) state.SkipWithError("verify failed");
  }
}

void token_sign(benchmark::State& state, jose::algorithm alg) {
  auto& s = get(alg);
  for (auto _ : state) benchmark::DoNotOptimize(jose::sign(s.c, s.key, "dl+jwt"));
}

void token_validate(benchmark::State& state, jose::algorithm alg) {
  auto& s = get(alg);
  for (auto _ : state) {
    if (!s.validator.validate(s.token, s.keys)) state.SkipWithError("validate failed");
  }
}

// What a straightforward implementation does: a new EVP_MD_CTX + DigestVerifyInit per call.
void uncached_verify(benchmark::State& state, jose::algorithm alg) {
  auto& s = get(alg);
  EVP_PKEY* pkey = s.key.impl()->pkey();
  std::vector<std::uint8_t> sig = s.signature;
  if (alg == jose::algorithm::es256) {
    std::array<std::uint8_t, 72> der{};
    const auto n = jose::detail::ecdsa_raw_to_der(std::span<const std::uint8_t, 64>(sig.data(), 64), der);
    sig.assign(der.begin(), der.begin() + static_cast<long>(n));
  }
  const EVP_MD* md = alg == jose::algorithm::eddsa ? nullptr : EVP_sha256();
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey) == 1 &&
                    EVP_DigestVerify(ctx, sig.data(), sig.size(),
                                     reinterpret_cast<const unsigned char*>(s.input.data()), s.input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) state.SkipWithError("verify failed");
  }
}

}  // namespace

#define PARLEY_JOSE_BENCH(fn)                                              \
  BENCHMARK_CAPTURE(fn, ES256, jose::algorithm::es256)->MinTime(1.0);      \
  BENCHMARK_CAPTURE(fn, EdDSA, jose::algorithm::eddsa)->MinTime(1.0);      \
  BENCHMARK_CAPTURE(fn, RS256, jose::algorithm::rs256)->MinTime(1.0);

PARLEY_JOSE_BENCH(raw_sign)
PARLEY_JOSE_BENCH(raw_verify)
PARLEY_JOSE_BENCH(token_sign)
PARLEY_JOSE_BENCH(token_validate)
PARLEY_JOSE_BENCH(uncached_verify)

BENCHMARK_MAIN();
