// Flows: slots, validation, re-prompts, giving up, cancelling, side questions, confirmations,
// action steps and their results.
#include "test_support.hpp"

#include <parley/assistant/dialog.hpp>

#include <gtest/gtest.h>

namespace parley::assistant {
namespace {

using testing::conversation;
using testing::texts;
using testing::titles;

std::shared_ptr<const definition> test_def() {
  static const auto def = testing::must_load(testing::test_definition);
  return def;
}

// The fake clock starts on 2026-01-01, so "yesterday" is 2025-12-31.
TEST(Flow, LostCardEndToEndWithButtons) {
  conversation c(test_def());
  auto r1 = c.say("I lost my card");
  ASSERT_EQ(r1.replies.size(), 1u);
  EXPECT_EQ(r1.replies[0].text, "Which card?");
  EXPECT_EQ(r1.replies[0].hint, input_hint::expecting_input);
  EXPECT_EQ(titles(r1.replies[0]), (std::vector<std::string>{"Debit card", "Credit card"}));
  EXPECT_EQ(r1.replies[0].suggested_actions[0].kind, button_kind::im_back);
  EXPECT_EQ(r1.state.flow, "lost_card");
  EXPECT_EQ(r1.state.step, "card");

  auto r2 = c.click(r1.replies[0].suggested_actions[0]);
  EXPECT_EQ(texts(r2), "When did you lose it?");
  EXPECT_EQ(std::get<std::string>(r2.state.values.at("card")), "debit");

  auto r3 = c.say("yesterday");
  EXPECT_EQ(texts(r3), "Block your debit card lost on 2025-12-31?");
  EXPECT_EQ(titles(r3.replies[0]), (std::vector<std::string>{"Yes", "No"}));

  auto r4 = c.click(r3.replies[0].suggested_actions[0]);
  EXPECT_TRUE(r4.replies.empty());
  ASSERT_EQ(r4.actions.size(), 1u);
  EXPECT_EQ(r4.actions[0].kind, action_kind::call_api);
  EXPECT_EQ(r4.actions[0].operation, "block_card");
  EXPECT_EQ(r4.actions[0].arguments, (std::map<std::string, std::string>{{"card", "debit"}, {"when", "2025-12-31"}}));
  EXPECT_EQ(r4.state.step, "block");

  auto r5 = c.complete(r4, action_status::ok, {{"reference", std::string("BX-1234")}, {"extra", std::string("x")}});
  EXPECT_EQ(texts(r5), "Blocked debit, ref BX-1234.");
  EXPECT_TRUE(r5.state.flow.empty());
  EXPECT_TRUE(r5.state.values.empty());  // the flow's data goes when the flow ends
  EXPECT_FALSE(r5.state.pending);
}

TEST(Flow, LostCardWithTypedAnswers) {
  conversation c(test_def());
  (void)c.say("please block my card");
  auto r = c.say("it's my Visa");
  EXPECT_EQ(std::get<std::string>(r.state.values.at("card")), "credit");
  r = c.say("on the 3rd of December");
  EXPECT_EQ(texts(r), "Block your credit card lost on 2025-12-03?");
  r = c.say("yes please");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].arguments.at("when"), "2025-12-03");
}

TEST(Flow, InvalidAnswersArePromptedAgainThenGivenUp) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  auto r1 = c.say("the blue one");
  EXPECT_EQ(texts(r1), "INVALID | Which card?");
  EXPECT_EQ(titles(r1.replies[1]), (std::vector<std::string>{"Debit card", "Credit card"}));
  EXPECT_EQ(r1.state.attempts, 1);
  EXPECT_EQ(r1.state.step, "card");
  auto r2 = c.say("the green one");
  EXPECT_EQ(texts(r2), "GAVE UP CARD");
  EXPECT_TRUE(r2.state.flow.empty());
  EXPECT_TRUE(r2.actions.empty());
}

TEST(Flow, StepRepromptReplacesTheDefault) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  (void)c.say("debit");
  auto r = c.say("tomorrow");  // the date must be in the past
  EXPECT_EQ(texts(r), "A date in the past, please (for example *yesterday*).");
  EXPECT_EQ(r.state.step, "when");
  r = c.say("today");
  EXPECT_EQ(r.state.step, "sure");
}

TEST(Flow, DefaultGiveUpAfterThreeAttempts) {
  conversation c(test_def());
  (void)c.say("verify my phone");
  (void)c.say("12");
  (void)c.say("1234567");
  auto r = c.say("abc");
  EXPECT_EQ(texts(r), "GIVE UP");
  EXPECT_TRUE(r.state.flow.empty());
  EXPECT_FALSE(r.state.awaiting_secret);
}

TEST(Flow, CancelLeavesTheFlow) {
  for (const char* word : {"cancel", "Stop!", "never mind", "forget it"}) {
    conversation c(test_def());
    (void)c.say("I lost my card");
    (void)c.say("debit");
    auto r = c.say(word);
    EXPECT_EQ(texts(r), "CANCELLED") << word;
    EXPECT_TRUE(r.state.flow.empty());
    EXPECT_TRUE(r.state.values.empty());
  }
}

TEST(Flow, DecliningTheConfirmationStops) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  (void)c.say("debit");
  (void)c.say("today");
  auto r = c.say("no, don't");
  EXPECT_EQ(texts(r), "NOT BLOCKED");
  EXPECT_TRUE(r.actions.empty());
  EXPECT_TRUE(r.state.flow.empty());
}

TEST(Flow, UnclearConfirmationIsAskedAgain) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  (void)c.say("debit");
  (void)c.say("today");
  auto r = c.say("hmm");
  EXPECT_EQ(texts(r), "INVALID | Block your debit card lost on 2026-01-01?");
  EXPECT_EQ(r.state.attempts, 1);
}

TEST(Flow, SideQuestionsAreAnsweredAndTheStepAskedAgain) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  auto r = c.say("when are you open?");
  EXPECT_EQ(texts(r), "We open at nine. | Which card?");
  EXPECT_EQ(r.state.attempts, 0);  // not an invalid answer
  EXPECT_EQ(r.state.step, "card");
  EXPECT_EQ(r.intent, "hours");
  r = c.say("credit");
  EXPECT_EQ(r.state.step, "when");
}

TEST(Flow, AskingForTheSameTaskRepeatsThePrompt) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  (void)c.say("visa");
  auto r = c.say("block my card");
  EXPECT_EQ(texts(r), "When did you lose it?");
  EXPECT_EQ(std::get<std::string>(r.state.values.at("card")), "credit");
}

TEST(Flow, AnotherTaskReplacesTheFlow) {
  conversation c(test_def());
  c.logged_in = true;
  (void)c.say("I lost my card");
  auto r = c.say("my balance");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].operation, "balance");
  EXPECT_EQ(r.state.flow, "balance");
  EXPECT_TRUE(r.state.values.empty());
}

TEST(Flow, ActionFailuresAreExplained) {
  const std::pair<action_status, const char*> cases[] = {{action_status::failed, "BLOCK FAILED"},
                                                         {action_status::timeout, "BLOCK TIMEOUT"},
                                                         // No `denied` text: the `failed` one is used.
                                                         {action_status::denied, "BLOCK FAILED"}};
  for (const auto& [status, message] : cases) {
    conversation c(test_def());
    (void)c.say("I lost my card");
    (void)c.say("debit");
    (void)c.say("today");
    auto action = c.say("yes");
    auto r = c.complete(action, status);
    EXPECT_EQ(texts(r), message);
    EXPECT_TRUE(r.state.flow.empty());
    EXPECT_FALSE(r.state.pending);
  }
}

TEST(Flow, AMissingDeclaredResultIsAFailure) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  (void)c.say("debit");
  (void)c.say("today");
  auto r = c.complete(c.say("yes"), action_status::ok, {{"something_else", std::string("x")}});
  EXPECT_EQ(texts(r), "BLOCK FAILED");
}

TEST(Flow, ActionWithoutFailureTextUsesTheDefault) {
  conversation c(test_def());
  c.logged_in = true;
  auto r = c.complete(c.say("my balance"), action_status::failed);
  EXPECT_EQ(texts(r), "ACTION FAILED");
}

TEST(Flow, ResultValuesAreEscapedAndCut) {
  options o;
  o.max_value_bytes = 16;
  conversation c(test_def(), o);
  (void)c.say("I lost my card");
  (void)c.say("debit");
  (void)c.say("today");
  auto r =
      c.complete(c.say("yes"), action_status::ok, {{"reference", std::string("[x](javascript:alert(1)) and more")}});
  EXPECT_EQ(texts(r), "Blocked debit, ref \\[x\\](javascript:a.");
}

TEST(Flow, WaitingForAnActionTheFlowIsBusy) {
  conversation c(test_def());
  (void)c.say("I lost my card");
  (void)c.say("debit");
  (void)c.say("today");
  auto action = c.say("yes");
  EXPECT_EQ(texts(c.say("debit")), "BUSY");
  auto r = c.complete(action, action_status::ok, {{"reference", std::string("R1")}});
  EXPECT_EQ(texts(r), "Blocked debit, ref R1.");
}

}  // namespace
}  // namespace parley::assistant
