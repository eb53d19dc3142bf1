// The BankX example assistant: intent precision and recall on held-out phrasings, and its main
// conversations end to end.
#include "model.hpp"
#include "test_support.hpp"

#include <parley/assistant/dialog.hpp>
#include <parley/assistant/matcher.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace parley::assistant {
namespace {

using testing::conversation;
using testing::texts;
using testing::titles;

std::shared_ptr<const definition> bankx() {
  static const auto def = testing::must_load_file(testing::examples_dir() / "bankx" / "assistant.toml");
  return def;
}

struct labelled {
  std::string text;
  std::string expected;  // an intent id or "none"
};

std::vector<labelled> read_tsv(const std::filesystem::path& file) {
  std::vector<labelled> out;
  std::ifstream in(file);
  EXPECT_TRUE(in) << file;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    EXPECT_NE(tab, std::string::npos) << line;
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

struct metrics {
  std::size_t in_scope = 0, out_of_scope = 0;
  std::size_t predicted = 0;  // a single intent was predicted (match, not ambiguous)
  std::size_t correct = 0;    // ... and it was the expected one
  std::size_t ambiguous = 0;
  std::size_t false_on_none = 0;      // out-of-scope messages that matched an intent
  std::size_t ambiguous_correct = 0;  // ambiguous, with the expected intent among the two offered
  std::vector<std::string> mistakes;
  double precision() const { return predicted ? static_cast<double>(correct) / static_cast<double>(predicted) : 1.0; }
  double recall() const { return in_scope ? static_cast<double>(correct) / static_cast<double>(in_scope) : 1.0; }
};

metrics evaluate(const definition& def, const std::vector<labelled>& data) {
  metrics m;
  const auto ids = def.intent_ids();
  for (const auto& item : data) {
    const bool none = item.expected == "none";
    if (!none) {
      EXPECT_NE(std::find(ids.begin(), ids.end(), item.expected), ids.end()) << "unknown intent " << item.expected;
    }
    ++(none ? m.out_of_scope : m.in_scope);
    const auto r = def.matcher().match(item.text);
    std::string got = "none";
    if (r.kind == match_kind::match) {
      got = ids[*r.intent];
      ++m.predicted;
      if (got == item.expected) ++m.correct;
      if (none) ++m.false_on_none;
    } else if (r.kind == match_kind::ambiguous) {
      ++m.ambiguous;
      got = "ambiguous(" + ids[*r.intent] + "," + ids[*r.runner_up] + ")";
      if (ids[*r.intent] == item.expected || ids[*r.runner_up] == item.expected) ++m.ambiguous_correct;
    }
    if (got != item.expected) {
      m.mistakes.push_back(item.text + " -> " + got + " (expected " + item.expected + ", score " +
                           std::to_string(r.score) + ")");
    }
  }
  return m;
}

void report(const char* name, const metrics& m) {
  std::printf(
      "%s: %zu in scope, %zu out of scope; precision %.3f, recall %.3f; %zu ambiguous (%zu offering the "
      "right intent); %zu out-of-scope matched\n",
      name, m.in_scope, m.out_of_scope, m.precision(), m.recall(), m.ambiguous, m.ambiguous_correct, m.false_on_none);
  for (const auto& e : m.mistakes) std::printf("  %s\n", e.c_str());
}

// Precision: of the messages the matcher assigned to an intent, the share it got right (an
// out-of-scope message assigned to any intent is wrong). Recall: of the in-scope messages, the
// share assigned to the right intent (an ambiguous answer counts as not assigned, although the
// dialog then offers both intents). Measured when written: precision 0.988, recall 0.794, no
// out-of-scope message matched. The floors sit a little below, so that a deliberate change to
// the definition does not break the build but a real regression does.
TEST(BankX, HeldOutPrecisionAndRecall) {
  const auto data = read_tsv(testing::examples_dir() / "bankx" / "assistant_heldout.tsv");
  ASSERT_GE(data.size(), 100u);
  const auto m = evaluate(*bankx(), data);
  report("held-out", m);
  EXPECT_GE(m.precision(), 0.95);
  EXPECT_GE(m.recall(), 0.75);
  EXPECT_LE(m.false_on_none, 2u);
}

TEST(BankX, DevSetFigures) {
  const auto m = evaluate(*bankx(), read_tsv(testing::examples_dir() / "bankx" / "assistant_dev.tsv"));
  report("dev", m);
  EXPECT_GE(m.precision(), 0.9);
  EXPECT_GE(m.recall(), 0.9);
}

TEST(BankX, EveryExampleMatchesItsOwnIntent) {
  const auto& def = *bankx();
  for (const auto& intent : def.model().intents) {
    for (const auto& example : intent.examples) {
      const auto r = def.matcher().match(example);
      ASSERT_EQ(r.kind, match_kind::match) << example;
      EXPECT_EQ(def.model().intents[*r.intent].id, intent.id) << example;
    }
  }
}

TEST(BankX, WelcomeSaysItNeverAsksForPasswords) {
  conversation c(bankx());
  const auto r = c.join();
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_NE(r.replies[0].text.find("never ask for your password"), std::string::npos);
  EXPECT_EQ(titles(r.replies[0]).size(), 4u);
}

TEST(BankX, PasswordHelpSaysItNeverAsks) {
  conversation c(bankx());
  const auto r = c.say("can you help me with my password");
  EXPECT_EQ(r.intent, "password_help");
  EXPECT_NE(texts(r).find("**never** ask you for them"), std::string::npos);
}

TEST(BankX, FaqsAnswer) {
  conversation c(bankx());
  EXPECT_EQ(c.say("what are your opening hours?").intent, "opening_hours");
  EXPECT_NE(texts(c.say("where are your branches")).find("Market Square"), std::string::npos);
  EXPECT_NE(texts(c.say("what are the card fees")).find("Credit card"), std::string::npos);
  EXPECT_NE(texts(c.say("my card was stolen")).find("+44 20 7946 0199"), std::string::npos);
}

TEST(BankX, ReportALostCard) {
  conversation c(bankx());
  auto r = c.say("I think I lost my credit card");
  ASSERT_EQ(r.replies.size(), 2u);
  EXPECT_NE(r.replies[0].text.find("+44 20 7946 0199"), std::string::npos);  // the emergency number
  EXPECT_EQ(r.replies[1].text, "Which card is it?");
  r = c.click(r.replies[1].suggested_actions[1]);  // "Credit card"
  EXPECT_EQ(texts(r), "When did you last have it?");
  EXPECT_EQ(titles(r.replies[0]), (std::vector<std::string>{"Today", "Yesterday", "Earlier"}));
  r = c.say("last night");
  EXPECT_NE(texts(r).find("Shall I block your **credit card** now?"), std::string::npos);
  r = c.say("yes");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].operation, "block_card");
  EXPECT_EQ(r.actions[0].arguments, (std::map<std::string, std::string>{{"card", "credit"}, {"when", "yesterday"}}));
  r = c.complete(r, action_status::ok, {{"reference", std::string("BX-2026-0042")}});
  EXPECT_EQ(texts(r),
            "Done: your **credit card** is blocked. Your reference is **BX-2026-0042**. A new card will "
            "arrive by post within 5 working days.");
}

TEST(BankX, BalanceNeedsALogin) {
  conversation c(bankx());
  auto r = c.say("what's my balance?");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].kind, action_kind::start_login);
  c.logged_in = true;
  r = c.complete(r, action_status::ok);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].operation, "balance");
  r = c.complete(r, action_status::ok, {{"balances", std::vector<std::string>{"Current account: €1,234.56"}}});
  EXPECT_EQ(texts(r), "Your balances:\n\n- Current account: €1,234.56");
}

TEST(BankX, TransferWithExplicitConfirmation) {
  conversation c(bankx());
  c.logged_in = true;
  auto r = c.say("I want to move money between my accounts");
  EXPECT_EQ(texts(r), "From which account?");
  r = c.say("savings");
  r = c.say("current account");
  EXPECT_EQ(texts(r), "How much (in euro)?");
  r = c.say("whatever you think");
  EXPECT_NE(texts(r).find("between 0.01 and 100,000"), std::string::npos);
  r = c.say("€250.50");
  EXPECT_EQ(texts(r), "Please confirm: transfer **€250.5** from your **savings** account to your **current** account?");
  EXPECT_TRUE(r.actions.empty());  // nothing moves before the yes
  r = c.say("yes");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].operation, "transfer");
  EXPECT_EQ(r.actions[0].arguments, (std::map<std::string, std::string>{
                                        {"amount", "250.5"}, {"from_account", "savings"}, {"to_account", "current"}}));
  r = c.complete(r, action_status::denied, {});
  EXPECT_NE(texts(r).find("declined this transfer"), std::string::npos);
}

TEST(BankX, ThreeMissesOfferAConsultant) {
  conversation c(bankx());
  EXPECT_NE(texts(c.say("asdf")).find("Sorry"), std::string::npos);
  EXPECT_NE(texts(c.say("qwerty")).find("Sorry"), std::string::npos);
  auto r = c.say("zxcv");
  EXPECT_NE(texts(r).find("Would you like to talk to one of our consultants?"), std::string::npos);
  r = c.say("yes please");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].kind, action_kind::handoff);
}

TEST(BankX, TalkToAHumanHandsOff) {
  conversation c(bankx());
  auto r = c.say("I want to talk to a human");
  EXPECT_EQ(texts(r), "I'll connect you with one of our consultants.");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].kind, action_kind::handoff);
  EXPECT_EQ(r.actions[0].reason, "user_request");
  EXPECT_EQ(r.actions[0].queue, "general");  // the routing the definition names (ADR 0021)
  EXPECT_EQ(r.actions[0].priority, 0);
  EXPECT_EQ(r.actions[0].flow, "handoff");  // sent as failedIntent
  EXPECT_EQ(texts(c.complete(r, action_status::ok)),
            "A consultant will join this conversation shortly. Please stay here.");
}

TEST(BankX, LogoutWhenNotLoggedIn) {
  conversation c(bankx());
  const auto r = c.say("log me out");
  EXPECT_TRUE(r.actions.empty());
  EXPECT_EQ(texts(r), "You're not logged in, so there's nothing to log out of.");
}

}  // namespace
}  // namespace parley::assistant
