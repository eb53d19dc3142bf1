// AEAD throughput of crypto::aead_key against the raw EVP calls it is built on. run.sh runs this
// beside `openssl speed` and writes bench/results/crypto.md.
#include <parley/crypto/aead.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/crypto/sealed_secret.hpp>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>
#include <vector>

namespace {

using parley::crypto::aead_key;
using parley::crypto::aead_options;

// A store-like context: tenant, conversation and record id.
const std::string context = "tenant=bankx;conversation=c-7f3a9c0e1d2b;record=000017";

aead_key make_key(bool keep_key_schedule = true) {
  aead_options o;
  o.keep_key_schedule = keep_key_schedule;
  o.max_seals = ~std::uint64_t{0};  // a benchmark seals far more than a real key may
  return std::move(*aead_key::generate("c-7f3a9c0e1d2b", 1, o));
}

void BM_seal(benchmark::State& state) {
  auto key = make_key(state.range(1) != 0);
  std::vector<std::uint8_t> plaintext(static_cast<std::size_t>(state.range(0)), 0x61);
  std::vector<std::uint8_t> out(key.sealed_size(plaintext.size()));
  for (auto _ : state) {
    auto n = key.seal(plaintext, parley::crypto::as_bytes(context), out);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_open(benchmark::State& state) {
  auto key = make_key(state.range(1) != 0);
  std::vector<std::uint8_t> plaintext(static_cast<std::size_t>(state.range(0)), 0x61);
  auto sealed = *key.seal(plaintext, parley::crypto::as_bytes(context));
  std::vector<std::uint8_t> out(plaintext.size());
  for (auto _ : state) {
    auto n = key.open(sealed, parley::crypto::as_bytes(context), out);
    if (!n) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// The floor: the EVP calls of one record (new IV, AAD, data, tag) with a fixed IV and no framing,
// like `openssl speed -aead`.
void BM_evp_record(benchmark::State& state) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  unsigned char key[32], iv[12] = {}, tag[16];
  RAND_bytes(key, sizeof key);
  EVP_EncryptInit_ex2(ctx, cipher, key, nullptr, nullptr);
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(state.range(0)), 0x61), out(buf.size());
  int n = 0;
  for (auto _ : state) {
    EVP_EncryptInit_ex2(ctx, nullptr, nullptr, iv, nullptr);
    EVP_EncryptUpdate(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(context.data()),
                      static_cast<int>(context.size()));
    EVP_EncryptUpdate(ctx, out.data(), &n, buf.data(), static_cast<int>(buf.size()));
    EVP_EncryptFinal_ex(ctx, out.data() + n, &n);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
    benchmark::DoNotOptimize(out.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// A bank token sealed once and opened for each call to the client's API.
void BM_sealed_secret_open(benchmark::State& state) {
  auto sealer = *parley::crypto::secret_sealer::create();
  auto token = *sealer.seal(std::string(1024, 't'), "bankx/c-7f3a9c0e1d2b/u-1/access-token");
  for (auto _ : state) {
    auto n = token.with_plaintext([](std::string_view t) { return t.size(); });
    benchmark::DoNotOptimize(n);
  }
}

}  // namespace

// Args: {record bytes, keep_key_schedule}
BENCHMARK(BM_seal)->ArgNames({"bytes", "cached_ctx"})->Args({1024, 1})->Args({65536, 1})->Args({1024, 0});
BENCHMARK(BM_open)->ArgNames({"bytes", "cached_ctx"})->Args({1024, 1})->Args({65536, 1})->Args({1024, 0});
BENCHMARK(BM_evp_record)->ArgName("bytes")->Arg(1024)->Arg(65536);
BENCHMARK(BM_sealed_secret_open);

BENCHMARK_MAIN();
