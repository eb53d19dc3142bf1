// Cost of the credential guard per message (it runs on every message a user sends): ordinary chat
// messages, messages with credentials, and long adversarial inputs that would be quadratic for a
// backtracking or rescanning matcher. Built twice by run.sh: against the guard of a base revision
// ("before") and of the working tree ("after"), with the same flags.
#include <parley/guard/credential_guard.hpp>

#include <benchmark/benchmark.h>

#include <string>

namespace {

std::string repeat(std::string_view unit, std::size_t bytes) {
  std::string s;
  while (s.size() < bytes) s += unit;
  s.resize(bytes);
  return s;
}

const std::string& input(int which) {
  static const std::string inputs[] = {
      "Hi, I would like to know the balance of my savings account please",
      "my card 4111 1111 1111 1111 was stolen yesterday, please block it",
      repeat("Transfer 1,250.00 EUR to Anna's savings on 2024-03-15, reference BX-2024-000123. ", 4096),
      repeat("4 4 4 4 4 4 4 4 ", 65536),
      repeat("password -pw-pw-pin-pw ", 65536),
      repeat("DE89 3704 0044 ", 65536),
      repeat("a", 65536),
  };
  return inputs[which];
}

const char* const names[] = {"chat",         "card",          "paragraph_4k", "digits_64k",
                             "keywords_64k", "iban_like_64k", "letters_64k"};

void BM_guard(benchmark::State& state) {
  const auto& text = input(static_cast<int>(state.range(0)));
  state.SetLabel(names[state.range(0)]);
  for (auto _ : state) {
    auto g = parley::guard::guard_credentials(text);
    benchmark::DoNotOptimize(g);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_guard)->DenseRange(0, 6);

}  // namespace

BENCHMARK_MAIN();
