// The dialog state: JSON round trip, strict parsing, and reset (never a crash) on anything that
// does not fit.
#include "test_support.hpp"

#include <parley/assistant/dialog.hpp>
#include <parley/assistant/error.hpp>
#include <parley/assistant/state.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <gtest/gtest.h>

#include <random>

namespace parley::assistant {
namespace {

std::shared_ptr<const definition> test_def() {
  static const auto def = testing::must_load(testing::test_definition);
  return def;
}

dialog_state sample() {
  dialog_state s;
  s.definition_version = 3;
  s.welcomed = true;
  s.flow = "lost_card";
  s.step = "block";
  s.attempts = 1;
  s.values = {{"card", std::string("debit")},
              {"when", std::string("2026-01-01")},
              {"list", std::vector<std::string>{"a", "b \"quoted\""}}};
  s.misses = 2;
  s.pending = pending_action{"act_x", action_kind::call_api, "", 1767225600};
  s.action_seq = 4;
  s.awaiting_secret = true;
  return s;
}

TEST(State, RoundTripsThroughJson) {
  const auto s = sample();
  const auto json = to_json(s);
  auto back = state_from_json(json);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(to_json(*back), json);
  const dialog_state empty;
  EXPECT_EQ(*state_from_json(to_json(empty)), empty);
}

TEST(State, StrictParsing) {
  const auto good = to_json(sample());
  auto replace = [&](std::string_view from, std::string_view to) {
    auto s = good;
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  };
  auto error_of = [](std::string_view text) {
    auto r = state_from_json(text);
    return r ? error_code{} : r.error();
  };
  EXPECT_EQ(error_of(""), errc::corrupt_state);
  EXPECT_EQ(error_of("not json"), errc::corrupt_state);
  EXPECT_EQ(error_of("[]"), errc::corrupt_state);
  EXPECT_EQ(error_of("{}"), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"v\":1", "\"v\":2")), errc::state_version);
  EXPECT_EQ(error_of(replace("\"welcomed\":true", "\"welcomed\":1")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"attempts\":1", "\"attempts\":-1")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"misses\":2", "\"misses\":2,\"extra\":0")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"misses\":2", "\"misses\":2,\"misses\":3")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"call_api\"", "\"launch_rockets\"")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"card\":\"debit\"", "\"card\":5")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"a\",", "1,")), errc::corrupt_state);
  EXPECT_EQ(error_of(replace("\"id\":\"act_x\"", "\"id\":\"\"")), errc::corrupt_state);
  EXPECT_EQ(error_of(good + "x"), errc::corrupt_state);
  EXPECT_FALSE(error_of(good + " \n"));  // trailing white space is still one JSON document
  EXPECT_EQ(state_from_json(good, 10).error(), errc::state_too_large);
}

TEST(State, RestoreResetsCorruptStatesAndLogsOnlyTheReason) {
  core::testing::log_capture logs;
  core::testing::counter_random rng;
  core::testing::fake_clock clock;
  const engine e({}, rng, clock);
  const auto s = e.restore(*test_def(), "{\"flow\": \"secret-sesame\"", "conv-9");
  EXPECT_EQ(s.definition_version, 3);
  EXPECT_TRUE(s.flow.empty());
  EXPECT_FALSE(s.welcomed);
  EXPECT_TRUE(logs.contains("conv-9"));
  EXPECT_TRUE(logs.contains("corrupt dialog state"));
  EXPECT_FALSE(logs.contains("sesame"));
  // Empty: a new conversation, nothing to log.
  EXPECT_EQ(e.restore(*test_def(), "", "conv-9").definition_version, 3);
}

TEST(State, RestoreResetsStatesOfAnotherDefinitionVersion) {
  core::testing::log_capture logs;
  core::testing::counter_random rng;
  core::testing::fake_clock clock;
  const engine e({}, rng, clock);
  auto old = sample();
  old.definition_version = 2;
  const auto s = e.restore(*test_def(), to_json(old), "conv-7");
  EXPECT_EQ(s.definition_version, 3);
  EXPECT_TRUE(s.flow.empty());
  EXPECT_TRUE(s.values.empty());
  EXPECT_FALSE(s.pending);
  EXPECT_TRUE(s.welcomed);     // kept: no second welcome
  EXPECT_EQ(s.action_seq, 4);  // kept
  EXPECT_TRUE(logs.contains("reason=definition_version"));
}

TEST(State, RestoreDropsFlowsAndIntentsTheDefinitionNoLongerHas) {
  core::testing::counter_random rng;
  core::testing::fake_clock clock;
  const engine e({}, rng, clock);
  auto gone = sample();
  gone.flow = "removed_flow";
  auto s = e.restore(*test_def(), to_json(gone), "c");
  EXPECT_TRUE(s.flow.empty());
  EXPECT_FALSE(s.pending);
  auto bad_step = sample();
  bad_step.step = "removed_step";
  EXPECT_TRUE(e.restore(*test_def(), to_json(bad_step), "c").flow.empty());
  auto login = sample();
  login.flow.clear();
  login.step.clear();
  login.values.clear();
  login.attempts = 0;
  login.pending = pending_action{"act_y", action_kind::start_login, "removed_intent", 0};
  EXPECT_FALSE(e.restore(*test_def(), to_json(login), "c").pending);
  login.pending->intent = "balance";
  EXPECT_TRUE(e.restore(*test_def(), to_json(login), "c").pending);
}

TEST(State, TurnResetsAStateThatDoesNotFit) {
  core::testing::counter_random rng;
  core::testing::fake_clock clock;
  const engine e({}, rng, clock);
  dialog_state s;
  s.definition_version = 3;
  s.flow = "lost_card";
  s.step = "nonexistent";
  incoming in;
  in.text = "opening hours";
  const auto r = e.turn(*test_def(), s, in);
  EXPECT_EQ(testing::texts(r), "We open at nine.");
  EXPECT_TRUE(r.state.flow.empty());
}

// Mutated and truncated states must never crash restore() or the turn after it.
TEST(State, SurvivesMutatedInput) {
  core::testing::counter_random rng;
  core::testing::fake_clock clock;
  const engine e({}, rng, clock);
  const auto def = test_def();
  const auto good = to_json(sample());
  std::mt19937 gen(12345);  // fixed seed: the test is repeatable
  incoming in;
  in.text = "yes";
  for (int i = 0; i < 2000; ++i) {
    auto s = good;
    const int edits = 1 + static_cast<int>(gen() % 4);
    for (int k = 0; k < edits; ++k) {
      const auto pos = gen() % s.size();
      switch (gen() % 3) {
        case 0:
          s[pos] = static_cast<char>(gen() % 256);
          break;
        case 1:
          s.erase(pos, 1 + gen() % 8);
          break;
        default:
          s.insert(pos, 1, "{}[]\":,0a\\"[gen() % 10]);
          break;
      }
      if (s.empty()) s = "x";
    }
    const auto state = e.restore(*def, s, "fuzz");
    EXPECT_NO_THROW((void)e.turn(*def, state, in));
  }
}

}  // namespace
}  // namespace parley::assistant
