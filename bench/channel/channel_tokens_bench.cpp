// The cost of checking the conversation token every Direct Line call carries: one ES256
// verification with its claim checks (verify_cache_entries = 0), against a hit in the channel's
// verification cache (SHA-256 of the token, a map lookup, the expiry check). Also issuing one.
// For sender-constrained tokens (issue 14, DPoP): the cached token check plus what the channel
// does with a request's proof — verify it (the proof key parsed once per key, or every time),
// record its jti in the replay cache, check a nonce (HMAC) — each proof fresh, as the widget's.
#include <parley/channel/tokens.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <filesystem>
#include <vector>
#include <unistd.h>

namespace channel = parley::channel;
using namespace std::chrono_literals;

namespace {

struct setup {
  explicit setup(std::size_t cache_entries) {
    static int instances = 0;  // each setup has its own key file (its own wrapping key)
    dir = std::filesystem::temp_directory_path() / ("parley-bench-tokens-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(cache_entries) + "-" + std::to_string(++instances));
    parley::jose::key_store_options ko;
    ko.file = dir / "keys.json";
    keys = std::move(*parley::jose::signing_key_store::open(ko, channel::token_service::key_purposes(), wrapper,
                                                            parley::core::system_clock()));
    opts.public_url = "https://chat.bank.example";
    opts.verify_cache_entries = cache_entries;
    (void)channel::resolve_urls(opts);
    tokens = std::make_unique<channel::token_service>(opts, *keys, parley::core::system_clock(), parley::core::os_random());
    grant.conversation_id = "8a3f0c1e2b4d4e6f9a1b3c";
    grant.user_id = "dl_Zk3mQ9x7R2vT8wLp4sN6yA";
    grant.bot_id = "bankx-assistant";
    grant.tenant_id = "bankx";
    grant.session_id = "Zk3mQ9x7R2vT8wLp4sN6yA";
    grant.session_start = std::chrono::system_clock::now();
    token = tokens->issue_conversation_token(grant, 30min)->token;
  }
  ~setup() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
  parley::jose::testing::test_key_wrapper wrapper;
  std::unique_ptr<parley::jose::signing_key_store> keys;
  channel::options opts;
  std::unique_ptr<channel::token_service> tokens;
  channel::conversation_grant grant;
  std::string token;
};

void verify_uncached(benchmark::State& state) {
  static setup s(0);
  for (auto _ : state) benchmark::DoNotOptimize(s.tokens->verify_conversation_token(s.token));
}

void verify_cached(benchmark::State& state) {
  static setup s(100'000);
  (void)s.tokens->verify_conversation_token(s.token);
  for (auto _ : state) benchmark::DoNotOptimize(s.tokens->verify_conversation_token(s.token));
}

// Fresh proofs for one bound token, made outside the timed region in batches.
struct proof_source {
  explicit proof_source(const setup& s) : key(*parley::jose::signing_key::generate(parley::jose::algorithm::es256)) {
    auto g = s.grant;
    g.jkt = key.kid();
    token = s.tokens->issue_conversation_token(g, 30min)->token;
  }
  void refill(std::size_t n) {
    proofs.clear();
    for (std::size_t i = 0; i < n; ++i) {
      parley::jose::claims c;
      c.set("jti", parley::core::random_id(parley::core::os_random(), "", 18));
      c.set("htm", "GET");
      c.set("htu", url);
      c.set_time("iat", std::chrono::system_clock::now());
      c.set("ath", parley::jose::dpop_ath(token));
      proofs.push_back(*parley::jose::make_dpop_proof(key, c));
    }
    next = 0;
  }
  parley::jose::signing_key key;
  std::string token;
  std::string url = "https://chat.bank.example/v3/directline/conversations/8a3f0c1e2b4d4e6f9a1b3c/activities";
  std::vector<std::string> proofs;
  std::size_t next = 0;
};

void bound_request(benchmark::State& state, std::size_t key_cache) {
  static setup s(100'000);
  proof_source src(s);
  parley::jose::dpop_options o;
  o.key_cache_entries = key_cache;
  parley::jose::dpop_verifier verifier(o, parley::core::system_clock());
  parley::jose::dpop_replay_cache replay({.window = 70s, .max_entries = 10'000'000, .max_per_key = 10'000'000});
  const std::array<std::uint8_t, 32> nonce_key{};
  (void)s.tokens->verify_conversation_token(src.token);  // the token itself is cached, as in steady use
  src.refill(4096);
  for (auto _ : state) {
    if (src.next == src.proofs.size()) {
      state.PauseTiming();
      src.refill(4096);
      state.ResumeTiming();
    }
    auto g = s.tokens->verify_conversation_token(src.token);
    auto p = verifier.verify(src.proofs[src.next++], {"GET", src.url, src.token});
    if (!g || !p || p->jkt != g->jkt) state.SkipWithError("proof refused");
    if (!replay.record(p->jkt, p->jti, std::chrono::steady_clock::now())) state.SkipWithError("replayed");
    const std::array<std::uint8_t, 8> window{};
    benchmark::DoNotOptimize(parley::crypto::hmac_sha256(nonce_key, window));  // the nonce check
  }
}

void verify_bound_request(benchmark::State& state) { bound_request(state, 4096); }
void verify_bound_request_no_key_cache(benchmark::State& state) { bound_request(state, 0); }

void issue(benchmark::State& state) {
  static setup s(0);
  for (auto _ : state) benchmark::DoNotOptimize(s.tokens->issue_conversation_token(s.grant, 30min));
}

}  // namespace

BENCHMARK(verify_uncached)->Unit(benchmark::kMicrosecond);
BENCHMARK(verify_cached)->Unit(benchmark::kMicrosecond);
BENCHMARK(verify_bound_request)->Unit(benchmark::kMicrosecond);
BENCHMARK(verify_bound_request_no_key_cache)->Unit(benchmark::kMicrosecond);
BENCHMARK(issue)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
