// Benchmarks of the assistant runtime (see README.md): intent matching on the BankX definition
// and on a synthetic 50 intents x 15 examples one, a whole dialog turn as the bot makes it
// (restore the stored state, turn, serialise the new state), and loading a definition.
#include <parley/assistant/definition.hpp>
#include <parley/assistant/dialog.hpp>
#include <parley/assistant/matcher.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/core/random.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace parley;

std::filesystem::path examples() {
  return PARLEY_EXAMPLES_DIR;
}

std::shared_ptr<const assistant::definition> load(const char* name) {
  auto r = assistant::load_definition_file(examples() / name / "assistant.toml");
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::abort();
  }
  return r.def;
}

// Real user phrasings: a mix of matches, typos, ambiguous and out-of-scope messages.
const std::vector<std::string> bankx_queries = {
    "What are your opening hours?",
    "where is your closest branch",
    "I lost my debit card yesterday",
    "how much is the annual credit card fee",
    "what is my balanse",
    "can you help me with my password",
    "I want to talk to a real person",
    "what's the weather like today",
    "fees",
    "I want to transfer money to my savings account",
    "thank you so much",
    "the quick brown fox jumps over the lazy dog",
    "is it safe to log in to online banking",
    "show me my last transactions",
    "hello there!",
    "how do I cook pasta",
};

// A synthetic definition of `intents` intents with `per_intent` examples each: every intent has
// its own topic words, mixed with words shared by all intents, as real definitions are.
std::vector<assistant::intent_examples> synthetic(std::size_t intents, std::size_t per_intent, std::mt19937& gen) {
  const std::vector<std::string> shared = {"what", "is",   "my", "how",    "do",   "i",    "can",
                                           "you",  "the",  "a",  "please", "want", "to",   "need",
                                           "show", "tell", "me", "about",  "when", "where"};
  auto word = [&](std::size_t len) {
    std::string w;
    for (std::size_t k = 0; k < len; ++k) w += static_cast<char>('a' + gen() % 26);
    return w;
  };
  std::vector<assistant::intent_examples> out;
  for (std::size_t i = 0; i < intents; ++i) {
    std::vector<std::string> topic;
    for (int k = 0; k < 6; ++k) topic.push_back(word(4 + gen() % 6));
    assistant::intent_examples ie{"intent_" + std::to_string(i), {}};
    for (std::size_t e = 0; e < per_intent; ++e) {
      std::string text;
      const std::size_t words = 4 + gen() % 5;
      for (std::size_t w = 0; w < words; ++w) {
        if (!text.empty()) text += ' ';
        text += (gen() % 2) ? topic[gen() % topic.size()] : shared[gen() % shared.size()];
      }
      ie.examples.push_back(text);
    }
    out.push_back(std::move(ie));
  }
  return out;
}

void match_bankx(benchmark::State& state) {
  const auto def = load("bankx");
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = def->matcher().match(bankx_queries[i++ % bankx_queries.size()]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(match_bankx);

void match_synthetic(benchmark::State& state) {
  std::mt19937 gen(42);  // fixed: the same definition and queries on every run
  const auto intents =
      synthetic(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)), gen);
  const assistant::intent_matcher m(intents);
  // Queries: examples with one word swapped for a typo or an unknown word, plus pure noise.
  std::vector<std::string> queries;
  for (int q = 0; q < 64; ++q) {
    const auto& ie = intents[gen() % intents.size()];
    std::string text = ie.examples[gen() % ie.examples.size()];
    if (q % 4 == 1) text[gen() % text.size()] = 'x';
    if (q % 4 == 2) text += " unknownword";
    if (q % 4 == 3) text = "completely unrelated words about nothing at all";
    queries.push_back(text);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = m.match(queries[i++ % queries.size()]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(match_synthetic)->Args({50, 15})->Args({20, 10})->Args({100, 30});

// One message as the bot handles it: restore the stored state, run the turn, store the state.
void turn(benchmark::State& state, const char* name, const std::vector<std::string>& messages) {
  const auto def = load(name);
  const assistant::engine engine({}, core::os_random(), core::system_clock());
  std::string stored = assistant::to_json(assistant::dialog_state{});
  assistant::incoming in;
  in.locale = "en-GB";
  in.conversation_id = "bench";
  std::size_t i = 0;
  for (auto _ : state) {
    in.text = messages[i++ % messages.size()];
    const auto s = engine.restore(*def, stored, in.conversation_id);
    auto r = engine.turn(*def, s, in);
    // A pending action would make every later message "busy": the bench stays out of actions.
    r.state.pending.reset();
    stored = assistant::to_json(r.state);
    benchmark::DoNotOptimize(r);
  }
}

void turn_echo(benchmark::State& state) {
  turn(state, "echo", {"Hello, world!", "How are *you* today?"});
}
BENCHMARK(turn_echo);

void turn_bankx_faq(benchmark::State& state) {
  turn(state, "bankx",
       {"What are your opening hours?", "where is your closest branch", "thanks", "what are the card fees"});
}
BENCHMARK(turn_bankx_faq);

void turn_bankx_lost_card_flow(benchmark::State& state) {
  turn(state, "bankx", {"I lost my card", "debit", "yesterday", "no"});
}
BENCHMARK(turn_bankx_lost_card_flow);

void load_bankx(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(load("bankx"));
}
BENCHMARK(load_bankx)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // The engine logs at info level; a benchmark measures the engine, not the terminal.
  (void)core::init_logging({"warn", ""});
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
