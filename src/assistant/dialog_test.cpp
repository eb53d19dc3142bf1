// The engine outside flows: welcome, intents, fallback and handoff offer, ambiguity, login
// gating, pending actions, determinism and what gets logged.
#include "test_support.hpp"

#include <parley/assistant/dialog.hpp>
#include <parley/core/log.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <set>

namespace parley::assistant {
namespace {

using testing::conversation;
using testing::texts;
using testing::titles;

std::shared_ptr<const definition> test_def() {
  static const auto def = testing::must_load(testing::test_definition);
  return def;
}

TEST(Dialog, WelcomesTheUserOnceWhenTheyJoin) {
  conversation c(test_def());
  auto r = c.join();
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].text, "Welcome to Testy! I will never ask for your password.");
  EXPECT_EQ(titles(r.replies[0]), (std::vector<std::string>{"Hours", "Help"}));
  EXPECT_EQ(r.replies[0].suggested_actions[0].kind, button_kind::post_back);
  EXPECT_EQ(r.replies[0].suggested_actions[0].value, (boost::json::object{{"intent", "hours"}}));
  EXPECT_EQ(r.replies[0].suggested_actions[1].kind, button_kind::im_back);
  EXPECT_EQ(r.replies[0].suggested_actions[1].value, "what can you do");
  EXPECT_TRUE(r.state.welcomed);
  EXPECT_TRUE(c.join().replies.empty());
}

TEST(Dialog, WelcomeNeedsTheUserOrTheJoinEvent) {
  conversation c(test_def());
  incoming bot_only;
  bot_only.kind = activity_kind::conversation_update;
  EXPECT_TRUE(c.send(bot_only).replies.empty());
  incoming other;
  other.kind = activity_kind::event;
  other.name = "something/else";
  EXPECT_TRUE(c.send(other).replies.empty());
  incoming join;
  join.kind = activity_kind::event;
  join.name = "webchat/join";
  EXPECT_EQ(c.send(join).replies.size(), 1u);
  EXPECT_TRUE(c.join().replies.empty());
}

TEST(Dialog, AnswersAnIntent) {
  conversation c(test_def());
  auto r = c.say("When are you open?");
  EXPECT_EQ(texts(r), "We open at nine.");
  EXPECT_EQ(r.intent, "hours");
  EXPECT_GT(r.score, 0.5);
  EXPECT_EQ(r.replies[0].hint, input_hint::accepting_input);
  EXPECT_TRUE(r.actions.empty());
}

TEST(Dialog, IntentButtonsSelectWithoutMatching) {
  conversation c(test_def());
  const auto welcome = c.join();
  auto r = c.click(welcome.replies[0].suggested_actions[0]);
  EXPECT_EQ(texts(r), "We open at nine.");
  EXPECT_EQ(r.score, 1.0);
  // A postBack string is read as text.
  incoming in;
  in.value = "card fees";
  EXPECT_EQ(texts(c.send(in)), "Cards cost 10.");
  // An unknown intent in a button is just not understood.
  incoming bad;
  bad.value = boost::json::object{{"intent", "nope"}};
  EXPECT_NE(texts(c.send(bad)).find("Ask about hours"), std::string::npos);
}

TEST(Dialog, FallbackRephrasesThenOffersAConsultant) {
  conversation c(test_def());
  auto r1 = c.say("purple *monkey*");
  ASSERT_EQ(r1.replies.size(), 1u);
  EXPECT_NE(r1.replies[0].text.find("Ask about hours"), std::string::npos);
  EXPECT_NE(r1.replies[0].text.find("purple \\*monkey\\*"), std::string::npos);  // escaped
  EXPECT_EQ(r1.state.misses, 1);
  EXPECT_TRUE(r1.intent.empty());

  auto r2 = c.say("dishwasher");
  EXPECT_EQ(texts(r2), "Talk to a consultant?");
  EXPECT_EQ(titles(r2.replies[0]), (std::vector<std::string>{"Yes", "No"}));
  EXPECT_EQ(r2.replies[0].hint, input_hint::expecting_input);
  EXPECT_EQ(r2.state.misses, 0);
  EXPECT_EQ(r2.state.flow, "offer");

  auto r3 = c.click(r2.replies[0].suggested_actions[0]);
  ASSERT_EQ(r3.actions.size(), 1u);
  EXPECT_EQ(r3.actions[0].kind, action_kind::handoff);
  EXPECT_EQ(r3.actions[0].reason, "fallback");
  EXPECT_FALSE(r3.actions[0].id.empty());
  ASSERT_TRUE(r3.state.pending);
  EXPECT_EQ(r3.state.pending->id, r3.actions[0].id);

  auto r4 = c.complete(r3, action_status::ok);
  EXPECT_EQ(texts(r4), "Consultant coming.");
  EXPECT_FALSE(r4.state.pending);
  EXPECT_TRUE(r4.state.flow.empty());
}

TEST(Dialog, DecliningTheConsultantEndsTheOffer) {
  conversation c(test_def());
  (void)c.say("xyzzy");
  (void)c.say("plugh");
  auto r = c.say("no thanks");
  EXPECT_EQ(texts(r), "OK, no consultant.");
  EXPECT_TRUE(r.actions.empty());
  EXPECT_TRUE(r.state.flow.empty());
}

TEST(Dialog, AMatchResetsTheMissCounter) {
  conversation c(test_def());
  (void)c.say("xyzzy");
  (void)c.say("opening hours");
  auto r = c.say("plugh");
  EXPECT_EQ(r.state.misses, 1);
  EXPECT_NE(texts(r).find("Ask about hours"), std::string::npos);
}

TEST(Dialog, AmbiguousInputOffersBothIntents) {
  conversation c(test_def());
  auto r = c.say("fees");
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].text, "WHICH ONE?");
  EXPECT_EQ(titles(r.replies[0]), (std::vector<std::string>{"Card fees", "Transfer fees"}));
  EXPECT_EQ(r.state.misses, 0);
  EXPECT_EQ(texts(c.click(r.replies[0].suggested_actions[1])), "Transfers are free.");
}

TEST(Dialog, RequiresLoginStartsALoginAndResumesTheIntent) {
  conversation c(test_def());
  auto r1 = c.say("my balance");
  EXPECT_EQ(texts(r1), "LOGIN REQUIRED");
  ASSERT_EQ(r1.actions.size(), 1u);
  EXPECT_EQ(r1.actions[0].kind, action_kind::start_login);
  ASSERT_TRUE(r1.state.pending);
  EXPECT_EQ(r1.state.pending->intent, "balance");
  EXPECT_TRUE(r1.state.flow.empty());

  // The login succeeds (a fake result, as the login component will send): the intent runs.
  c.logged_in = true;
  auto r2 = c.complete(r1, action_status::ok);
  ASSERT_EQ(r2.actions.size(), 1u);
  EXPECT_EQ(r2.actions[0].kind, action_kind::call_api);
  EXPECT_EQ(r2.actions[0].operation, "balance");
  EXPECT_EQ(r2.intent, "balance");

  auto r3 =
      c.complete(r2, action_status::ok, {{"accounts", std::vector<std::string>{"Current: €1,200", "Savings: €5,000"}}});
  EXPECT_EQ(texts(r3), "Balances:\n\n- Current: €1,200\n- Savings: €5,000");
}

TEST(Dialog, RequiresLoginRunsDirectlyWhenLoggedIn) {
  conversation c(test_def());
  c.logged_in = true;
  auto r = c.say("my balance");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].kind, action_kind::call_api);
  EXPECT_TRUE(r.replies.empty());
}

TEST(Dialog, LoginFailureIsExplained) {
  const std::pair<action_status, const char*> cases[] = {{action_status::failed, "LOGIN FAILED"},
                                                         {action_status::denied, "LOGIN DENIED"},
                                                         {action_status::timeout, "LOGIN TIMEOUT"}};
  for (const auto& [status, message] : cases) {
    conversation c(test_def());
    auto r1 = c.say("statement please");
    auto r2 = c.complete(r1, status);
    EXPECT_EQ(texts(r2), message);
    EXPECT_TRUE(r2.actions.empty());
    EXPECT_FALSE(r2.state.pending);
    // The next message is handled normally.
    EXPECT_EQ(texts(c.say("opening hours")), "We open at nine.");
  }
  conversation ok(test_def());
  auto r = ok.complete(ok.say("statement please"), action_status::ok);
  EXPECT_EQ(texts(r), "STATEMENT SENT");
}

TEST(Dialog, ALoginThatEndedAtTheBackEndAsksToLogInAgain) {
  conversation c(test_def());
  c.logged_in = true;
  auto r1 = c.say("my balance");
  ASSERT_EQ(r1.actions.size(), 1u);
  // The bank answered 401 (the bot wiped the token): the flow ends, the user is told and offered
  // a button that runs the intent again.
  action_result gone;
  gone.action_id = r1.actions[0].id;
  gone.status = action_status::failed;
  gone.reason = std::string(not_logged_in_reason);
  auto r2 = c.resume(gone);
  EXPECT_EQ(texts(r2), "LOGIN EXPIRED");
  EXPECT_TRUE(r2.actions.empty());
  EXPECT_TRUE(r2.state.flow.empty());
  EXPECT_FALSE(r2.state.pending);
  ASSERT_EQ(r2.replies.size(), 1u);
  ASSERT_EQ(r2.replies[0].suggested_actions.size(), 1u);
  const auto button = r2.replies[0].suggested_actions[0];
  EXPECT_EQ(button.title, "Log in again");
  EXPECT_EQ(button.kind, button_kind::post_back);
  EXPECT_EQ(boost::json::serialize(button.value), R"({"intent":"balance"})");

  // The button logs in first, then runs the intent afresh.
  c.logged_in = false;
  auto r3 = c.click(button);
  EXPECT_EQ(texts(r3), "LOGIN REQUIRED");
  ASSERT_EQ(r3.actions.size(), 1u);
  EXPECT_EQ(r3.actions[0].kind, action_kind::start_login);
  EXPECT_EQ(r3.state.pending->intent, "balance");

  // Any other failure of the call is the step's own failure message, with no login button.
  conversation other(test_def());
  other.logged_in = true;
  auto o1 = other.say("my balance");
  action_result failed;
  failed.action_id = o1.actions[0].id;
  failed.status = action_status::failed;
  failed.reason = "status_500";
  auto o2 = other.resume(failed);
  EXPECT_EQ(texts(o2), "ACTION FAILED");
  EXPECT_TRUE(o2.replies[0].suggested_actions.empty());

  // In the flow of an intent that does not need the login the user may never have logged in: the
  // step's own failure message, not "your session ended".
  conversation card(test_def());
  card.say("I lost my card");
  card.say("Debit card");
  card.say("yesterday");
  auto b1 = card.say("yes");
  ASSERT_EQ(b1.actions.size(), 1u);
  action_result no_login;
  no_login.action_id = b1.actions[0].id;
  no_login.status = action_status::failed;
  no_login.reason = std::string(not_logged_in_reason);
  EXPECT_EQ(texts(card.resume(no_login)), "BLOCK FAILED");
}

TEST(Dialog, NotLoggedInAnswerInsteadOfALogin) {
  conversation c(test_def());
  auto r = c.say("log out");
  EXPECT_EQ(texts(r), "NOT LOGGED IN");
  EXPECT_TRUE(r.actions.empty());
  c.logged_in = true;
  EXPECT_EQ(texts(c.say("log out")), "BYE");
}

TEST(Dialog, WhileAnActionIsPendingTheUserIsAskedToWaitOrCancel) {
  conversation c(test_def());
  auto r1 = c.say("statement please");
  auto busy = c.say("opening hours");
  EXPECT_EQ(texts(busy), "BUSY");
  EXPECT_EQ(busy.replies[0].hint, input_hint::ignoring_input);
  EXPECT_TRUE(busy.state.pending);

  auto cancelled = c.say("cancel");
  EXPECT_EQ(texts(cancelled), "CANCELLED");
  EXPECT_FALSE(cancelled.state.pending);
  // The late result of the cancelled login changes nothing.
  const auto before = c.stored();
  auto late = c.complete(r1, action_status::ok);
  EXPECT_TRUE(late.replies.empty());
  EXPECT_EQ(c.stored(), before);
}

TEST(Dialog, AForgottenActionExpires) {
  conversation c(test_def());
  (void)c.say("statement please");
  c.clock().advance(std::chrono::minutes{14});
  EXPECT_EQ(texts(c.say("opening hours")), "BUSY");
  c.clock().advance(std::chrono::minutes{2});
  auto r = c.say("opening hours");
  EXPECT_EQ(texts(r), "We open at nine.");
  EXPECT_FALSE(r.state.pending);
}

TEST(Dialog, ResultsForOtherActionsAreIgnored) {
  conversation c(test_def());
  (void)c.say("statement please");
  const auto before = c.stored();
  action_result wrong;
  wrong.action_id = "act_forged";
  auto r = c.resume(wrong);
  EXPECT_TRUE(r.replies.empty());
  EXPECT_TRUE(r.actions.empty());
  EXPECT_EQ(c.stored(), before);
  // Nothing pending at all.
  conversation idle(test_def());
  EXPECT_TRUE(idle.resume(wrong).replies.empty());
}

TEST(Dialog, SecretPromptsAreFlagged) {
  conversation c(test_def());
  auto r1 = c.say("verify my phone");
  ASSERT_EQ(r1.replies.size(), 1u);
  EXPECT_TRUE(r1.replies[0].expects_secret);
  EXPECT_TRUE(r1.state.awaiting_secret);
  auto r2 = c.say("123456");
  EXPECT_FALSE(r2.state.awaiting_secret);
  ASSERT_EQ(r2.actions.size(), 1u);
  EXPECT_EQ(r2.actions[0].arguments, (std::map<std::string, std::string>{{"code", "123456"}}));
  EXPECT_EQ(texts(c.complete(r2, action_status::ok)), "Verified.");
}

TEST(Dialog, SameInputsGiveTheSameOutputs) {
  const std::vector<std::string> script = {"hi?",  "opening hours", "fees", "I lost my card",
                                           "visa", "yesterday",     "yes"};
  auto run = [&] {
    conversation c(test_def());
    std::vector<std::string> out{texts(c.join())};
    for (const auto& line : script) {
      const auto r = c.say(line);
      out.push_back(texts(r) + (r.actions.empty() ? "" : " action=" + r.actions[0].id));
    }
    out.push_back(c.stored());
    return out;
  };
  EXPECT_EQ(run(), run());
}

TEST(Dialog, VariationsComeFromTheRandomSource) {
  const auto def = test_def();
  std::set<std::string> seen;
  for (std::uint8_t seed = 0; seed < 16; ++seed) {
    core::testing::counter_random rng(seed);
    core::testing::fake_clock clock;
    const engine e({}, rng, clock);
    incoming in;
    in.text = "gibberish";
    seen.insert(texts(e.turn(*def, {}, in)));
  }
  EXPECT_EQ(seen.size(), 2u);
}

TEST(Dialog, EchoAssistantRepliesWithTheEscapedText) {
  conversation c(testing::must_load_file(testing::examples_dir() / "echo" / "assistant.toml"));
  EXPECT_EQ(texts(c.say("Hello, world!")), "Hello, world!");
  EXPECT_EQ(texts(c.say("hello *world* <script>")), "hello \\*world\\* \\<script\\>");
  EXPECT_TRUE(c.say("   ").replies.empty());
  EXPECT_TRUE(c.join().replies.empty());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(texts(c.say("again")), "again");  // never offers a consultant
}

TEST(Dialog, LongInputIsCut) {
  options o;
  o.max_input_bytes = 64;
  conversation c(testing::must_load_file(testing::examples_dir() / "echo" / "assistant.toml"), o);
  const auto r = c.say(std::string(1000, 'x'));
  EXPECT_EQ(r.replies.at(0).text, std::string(64, 'x'));
  // Never in the middle of a UTF-8 sequence.
  std::string euros;
  for (int i = 0; i < 40; ++i) euros += "\xe2\x82\xac";
  EXPECT_EQ(c.say(euros).replies.at(0).text.size(), 63u);
}

TEST(Dialog, NeverLogsWhatTheUserWrites) {
  core::logger("assistant")->set_level(spdlog::level::trace);
  core::testing::log_capture logs;
  conversation c(test_def());
  (void)c.join();
  (void)c.say("opening hours sesame-4711");
  (void)c.say("gibberish sesame-4711");
  auto r = c.say("I lost my card sesame-4711");
  (void)c.say("sesame-4711 visa");
  (void)c.say("yesterday sesame-4711");
  auto action = c.say("yes sesame-4711");
  (void)c.complete(action, action_status::ok, {{"reference", std::string("REF-sesame-4711")}});
  (void)c.eng().restore(c.def(), "{\"sesame-4711\": 1}", "conv-1");
  EXPECT_FALSE(logs.contains("sesame")) << logs.lines().size() << " lines";
  EXPECT_TRUE(logs.contains("conv-1"));
  EXPECT_TRUE(logs.contains("lost_card"));
  core::logger("assistant")->set_level(spdlog::level::info);
}

}  // namespace
}  // namespace parley::assistant
