// The cost of checking the conversation token every Direct Line call carries: one ES256
// verification with its claim checks (verify_cache_entries = 0), against a hit in the channel's
// verification cache (SHA-256 of the token, a map lookup, the expiry check). Also issuing one.
#include <parley/channel/tokens.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
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

void issue(benchmark::State& state) {
  static setup s(0);
  for (auto _ : state) benchmark::DoNotOptimize(s.tokens->issue_conversation_token(s.grant, 30min));
}

}  // namespace

BENCHMARK(verify_uncached)->Unit(benchmark::kMicrosecond);
BENCHMARK(verify_cached)->Unit(benchmark::kMicrosecond);
BENCHMARK(issue)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
