#include "model.hpp"
#include "test_support.hpp"

#include <parley/assistant/definition.hpp>

#include <gtest/gtest.h>

namespace parley::assistant {
namespace {

constexpr std::string_view minimal = R"(
[assistant]
name = "Test"

[[intents]]
id = "hours"
examples = ["opening hours"]
say = "We open at nine."
)";

std::vector<std::string> errors_of(std::string_view toml) {
  auto r = load_definition(toml, "test.toml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.def, nullptr);
  return r.errors;
}

// True if one error contains every needle.
bool has_error(const std::vector<std::string>& errors, std::initializer_list<std::string_view> needles) {
  for (const auto& e : errors) {
    bool all = true;
    for (auto n : needles) all = all && e.find(n) != std::string::npos;
    if (all) return true;
  }
  return false;
}

std::string dump(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

#define EXPECT_ERROR(toml, ...)                                  \
  do {                                                           \
    const auto errs_ = errors_of(toml);                          \
    EXPECT_TRUE(has_error(errs_, {__VA_ARGS__})) << dump(errs_); \
  } while (false)

TEST(Loader, LoadsAMinimalDefinition) {
  auto def = testing::must_load(minimal);
  ASSERT_TRUE(def);
  EXPECT_EQ(def->name(), "Test");
  EXPECT_EQ(def->version(), 1);
  EXPECT_EQ(def->intent_ids(), std::vector<std::string>{"hours"});
  EXPECT_EQ(def->matcher().intent_count(), 1u);
}

TEST(Loader, LoadsTheExamples) {
  auto bankx = testing::must_load_file(testing::examples_dir() / "bankx" / "assistant.toml");
  ASSERT_TRUE(bankx);
  EXPECT_EQ(bankx->name(), "BankX Assistant");
  EXPECT_GE(bankx->intent_ids().size(), 15u);
  auto echo = testing::must_load_file(testing::examples_dir() / "echo" / "assistant.toml");
  ASSERT_TRUE(echo);
  EXPECT_TRUE(echo->intent_ids().empty());
}

TEST(Loader, SyntaxErrorsHaveLineAndColumn) {
  const auto errs = errors_of("[assistant]\nname = \"x\"\nversion = = 2\n");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_TRUE(errs[0].starts_with("test.toml:3:")) << errs[0];
}

// toml++ 3.3.0 aborts on a table header that starts with vertical white space (core/toml_text.hpp).
TEST(Loader, CharactersTomlForbidsAreRefusedBeforeParsing) {
  for (const char* text : {"[\fassistant]\n", "[[\rintents]]\n",
                           "[\xe2\x80\xa8"
                           "assistant]\n"}) {
    const auto errs = errors_of(text);
    ASSERT_EQ(errs.size(), 1u) << text;
    EXPECT_TRUE(errs[0].starts_with("test.toml:1:")) << errs[0];
  }
}

TEST(Loader, UnreadableFile) {
  auto r = load_definition_file("/nonexistent/assistant.toml");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("cannot read"), std::string::npos);
}

TEST(Loader, UnknownKeysAtEveryLevel) {
  EXPECT_ERROR(std::string(minimal) + "colour = \"red\"\n", "test.toml:", "colour: unknown key");
  EXPECT_ERROR(std::string(minimal) + "[welcome]\nsay = \"hi\"\nsai = \"typo\"\n", "welcome.sai: unknown key");
  EXPECT_ERROR(R"([assistant]
name = "T"
[[intents]]
id = "a"
examples = ["x"]
say = "y"
requires_logon = true
)",
               "test.toml:7:", "intents[0].requires_logon: unknown key");
  EXPECT_ERROR(R"([assistant]
name = "T"
[[flows]]
id = "f"
[[flows.steps]]
id = "s"
type = "say"
say = "hi"
choices = []
)",
               "flows[0].steps[0].choices: unknown key");
  EXPECT_ERROR(std::string(minimal) + "[messages]\nwelcome = \"hi\"\n", "messages.welcome: unknown key");
}

TEST(Loader, MissingAndWronglyTypedValues) {
  EXPECT_ERROR("[[intents]]\nid = \"a\"\nexamples = [\"x\"]\nsay = \"y\"\n", "assistant: missing");
  EXPECT_ERROR("[assistant]\nversion = 1\n", "assistant.name: missing (required)");
  EXPECT_ERROR("[assistant]\nname = 5\n", "test.toml:2:", "assistant.name: expected a string, found integer");
  EXPECT_ERROR("[assistant]\nname = \"T\"\nversion = 0\n", "assistant.version: must be between 1 and");
  EXPECT_ERROR(std::string(minimal) + "[matcher]\nthreshold = 1.5\n", "matcher.threshold: must be between 0 and 1");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nsay = \"y\"\n", "intents[0].examples: missing");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nexamples = \"x\"\nsay = \"y\"\n",
               "intents[0].examples: expected an array of strings, found string");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nexamples = [\"x\"]\n",
               "intents[0]: an intent needs `say`, `response` or `flow`");
}

TEST(Loader, EmptyVariationsAndExamples) {
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nexamples = [\"x\"]\nsay = []\n",
               "intents[0].say: needs at least one variation");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nexamples = [\"x\"]\nsay = [\"ok\", \"  \"]\n",
               "intents[0].say: [1] is empty");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nexamples = []\nsay = \"y\"\n",
               "intents[0].examples: needs at least one example");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"a\"\nexamples = [\"?!\"]\nsay = \"y\"\n",
               "intents[0].examples: [0] has no words");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[responses]]\nid = \"r\"\nsay = []\n",
               "responses[0].say: needs at least one");
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[flows]]\nid = \"f\"\n", "flows[0].steps: a flow needs at least one step");
}

TEST(Loader, DuplicateIds) {
  EXPECT_ERROR(std::string(minimal) + "[[intents]]\nid = \"hours\"\nexamples = [\"when open\"]\nsay = \"x\"\n",
               "intents[1].id: duplicate intent id \"hours\"");
  EXPECT_ERROR(std::string(minimal) +
                   "[[flows]]\nid = \"f\"\n[[flows.steps]]\nid = \"s\"\ntype = \"say\"\nsay = \"a\"\n"
                   "[[flows]]\nid = \"f\"\n[[flows.steps]]\nid = \"s\"\ntype = \"say\"\nsay = \"a\"\n",
               "flows[1].id: duplicate flow id \"f\"");
  EXPECT_ERROR(std::string(minimal) +
                   "[[flows]]\nid = \"f\"\n[[flows.steps]]\nid = \"s\"\ntype = \"say\"\nsay = \"a\"\n"
                   "[[flows.steps]]\nid = \"s\"\ntype = \"say\"\nsay = \"b\"\n",
               "flows[0].steps[1].id: duplicate step id");
  EXPECT_ERROR(
      std::string(minimal) + "[[responses]]\nid = \"r\"\nsay = \"a\"\n[[responses]]\nid = \"r\"\nsay = \"b\"\n",
      "responses[1].id: duplicate response id \"r\"");
  // The same utterance (after normalisation and stemming) in two intents.
  EXPECT_ERROR(std::string(minimal) + "[[intents]]\nid = \"other\"\nexamples = [\"Opening Hours!\"]\nsay = \"x\"\n",
               "intents[1].examples: [0] \"Opening Hours!\" is the same utterance as intents[0].examples[0]");
  EXPECT_ERROR(std::string(minimal) + R"(
[[flows]]
id = "f"
[[flows.steps]]
id = "c"
type = "ask"
expect = "choice"
prompt = "Which?"
choices = [{ value = "a" }, { value = "a" }]
)",
               "flows[0].steps[0].choices[1].value: duplicate choice \"a\"");
}

TEST(Loader, BadIds) {
  EXPECT_ERROR("[assistant]\nname = \"T\"\n[[intents]]\nid = \"Opening Hours\"\nexamples = [\"x\"]\nsay = \"y\"\n",
               "intents[0].id: \"Opening Hours\" is not an id");
}

TEST(Loader, UndefinedReferences) {
  EXPECT_ERROR(std::string(minimal) + "[[intents]]\nid = \"b\"\nexamples = [\"bb\"]\nflow = \"nowhere\"\n",
               "intents[1].flow: no flow \"nowhere\"");
  EXPECT_ERROR(std::string(minimal) + "[[intents]]\nid = \"b\"\nexamples = [\"bb\"]\nresponse = \"nothing\"\n",
               "intents[1].response: no response \"nothing\"");
  EXPECT_ERROR(std::string(minimal) + "[welcome]\nsay = \"hi\"\nbuttons = [{ title = \"X\", intent = \"ghost\" }]\n",
               "test.toml:", "welcome.buttons[0].intent: no intent \"ghost\"");
  EXPECT_ERROR(std::string(minimal) + "[fallback]\nsay = \"?\"\nhandoff_after = 2\nhandoff_flow = \"ghost\"\n",
               "fallback.handoff_flow: no flow \"ghost\"");
  EXPECT_ERROR(std::string(minimal) + "[fallback]\nsay = \"?\"\nhandoff_after = 2\n",
               "fallback: handoff_after and handoff_flow go together");
}

constexpr std::string_view flow_head = R"(
[assistant]
name = "T"
[[flows]]
id = "f"
)";

TEST(Loader, UndefinedSlotsInPlaceholdersAndArguments) {
  // A placeholder naming a slot that is asked later (or never).
  EXPECT_ERROR(std::string(flow_head) + R"(
[[flows.steps]]
id = "early"
type = "say"
say = "You chose {card}"
[[flows.steps]]
id = "card"
type = "ask"
expect = "text"
prompt = "Which?"
)",
               "flows[0].steps[0].say: {card} names no slot or action result before this step");
  // An argument naming no slot.
  EXPECT_ERROR(std::string(flow_head) + R"(
[[flows.steps]]
id = "go"
type = "action"
action = "call_api"
operation = "block_card"
arguments = ["card"]
)",
               "flows[0].steps[0].arguments: no slot or result \"card\" before this step");
  // Outside flows only the built-ins exist.
  EXPECT_ERROR(std::string(minimal) + "[welcome]\nsay = \"Hi {name}\"\n", "welcome.say: {name} names no slot");
  // A shared response is checked where it is used.
  EXPECT_ERROR(std::string(minimal) +
                   "[[responses]]\nid = \"r\"\nsay = \"Ref {reference}\"\n"
                   "[[intents]]\nid = \"b\"\nexamples = [\"bb\"]\nresponse = \"r\"\n",
               "intents[1].response: response \"r\" uses {reference} names no slot");
  // Syntax errors in templates.
  EXPECT_ERROR(std::string(minimal) + "[welcome]\nsay = \"Hi {there\"\n", "welcome.say: unclosed '{'");
}

TEST(Loader, StepRules) {
  EXPECT_ERROR(std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"dance\"\n",
               "flows[0].steps[0].type: must be \"say\", \"ask\", \"confirm\" or \"action\"");
  EXPECT_ERROR(
      std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"ask\"\nexpect = \"colour\"\nprompt = \"?\"\n",
      "flows[0].steps[0].expect: must be");
  EXPECT_ERROR(std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"ask\"\nexpect = \"text\"\n",
               "flows[0].steps[0].prompt: missing (required)");
  EXPECT_ERROR(
      std::string(flow_head) +
          "[[flows.steps]]\nid = \"s\"\ntype = \"ask\"\nexpect = \"text\"\nprompt = \"?\"\npattern = \"[a-\"\n",
      "flows[0].steps[0].pattern: invalid regular expression");
  EXPECT_ERROR(
      std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"ask\"\nexpect = \"choice\"\nprompt = \"?\"\n",
      "flows[0].steps[0].choices: an ask step with expect = \"choice\" needs `choices`");
  EXPECT_ERROR(std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"action\"\naction = \"call_api\"\n",
               "flows[0].steps[0].operation: missing (required)");
  EXPECT_ERROR(std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"action\"\naction = \"launch\"\n",
               "flows[0].steps[0].action: must be");
  EXPECT_ERROR(std::string(flow_head) +
                   "[[flows.steps]]\nid = \"s\"\ntype = \"action\"\naction = \"handoff\"\noperation = \"x\"\n",
               "flows[0].steps[0].operation: only for action = \"call_api\"");
  // A handoff's routing (ADR 0021): the channel's rule for queue names, priorities 0..9.
  EXPECT_ERROR(std::string(flow_head) +
                   "[[flows.steps]]\nid = \"s\"\ntype = \"action\"\naction = \"handoff\"\nqueue = \"Cards Team\"\n",
               "flows[0].steps[0].queue: must be 1..64");
  EXPECT_ERROR(std::string(flow_head) +
                   "[[flows.steps]]\nid = \"s\"\ntype = \"action\"\naction = \"call_api\"\n"
                   "operation = \"op\"\nqueue = \"cards\"\n",
               "flows[0].steps[0].queue: only for action = \"handoff\"");
  EXPECT_ERROR(
      std::string(flow_head) + "[[flows.steps]]\nid = \"s\"\ntype = \"action\"\naction = \"handoff\"\npriority = 10\n",
      "flows[0].steps[0].priority");
  EXPECT_ERROR(
      std::string(flow_head) + "[[flows.steps]]\nid = \"text\"\ntype = \"ask\"\nexpect = \"text\"\nprompt = \"?\"\n",
      "flows[0].steps[0].id: \"text\" is a built-in placeholder");
  EXPECT_ERROR(std::string(flow_head) +
                   "[[flows.steps]]\nid = \"a\"\ntype = \"ask\"\nexpect = \"text\"\nprompt = \"?\"\n"
                   "[[flows.steps]]\nid = \"b\"\ntype = \"action\"\naction = \"call_api\"\noperation = \"op\"\n"
                   "results = [\"a\"]\n",
               "flows[0].steps[1].results: \"a\" is already the name of a slot");
  EXPECT_ERROR(
      std::string(flow_head) +
          "[[flows.steps]]\nid = \"a\"\ntype = \"ask\"\nexpect = \"number\"\nprompt = \"?\"\nmin = 5\nmax = 1\n",
      "flows[0].steps[0].min: is greater than max");
  EXPECT_ERROR(
      std::string(minimal) + "[[intents]]\nid = \"b\"\nexamples = [\"bb\"]\nsay = \"x\"\nnot_logged_in = \"y\"\n",
      "intents[1].not_logged_in: only for intents with requires_login = true");
}

TEST(Loader, ReportsEveryProblemAtOnce) {
  const auto errs = errors_of(R"(
[assistant]
name = "T"
colour = "red"
[[intents]]
id = "a"
examples = []
say = "x"
[[intents]]
id = "a"
examples = ["y"]
flow = "none"
)");
  EXPECT_GE(errs.size(), 4u) << dump(errs);
}

TEST(Loader, ButtonsNeedATitleAndOneTarget) {
  EXPECT_ERROR(std::string(minimal) + "[welcome]\nsay = \"hi\"\nbuttons = [{ value = \"x\" }]\n",
               "welcome.buttons[0].title: missing");
  EXPECT_ERROR(std::string(minimal) +
                   "[welcome]\nsay = \"hi\"\nbuttons = [{ title = \"X\", value = \"x\", intent = \"hours\" }]\n",
               "welcome.buttons[0]: a button has exactly one of");
  EXPECT_ERROR(
      std::string(minimal) + "[welcome]\nsay = \"hi\"\nbuttons = [{ title = \"X\", value = \"x\", type = \"call\" }]\n",
      "welcome.buttons[0].type: must be \"imBack\" or \"postBack\"");
}

TEST(Loader, DefaultsAndOptionalParts) {
  auto def = testing::must_load(std::string(minimal) + R"(
[matcher]
threshold = 0.7
margin = 0.1
[messages]
busy = ["Wait", "Hold on"]
)");
  ASSERT_TRUE(def);
  const auto& m = def->model();
  EXPECT_DOUBLE_EQ(def->matcher().options().threshold, 0.7);
  EXPECT_DOUBLE_EQ(def->matcher().options().margin, 0.1);
  EXPECT_EQ(m.messages.busy.variations.size(), 2u);
  EXPECT_FALSE(m.messages.cancelled.empty());  // default
  EXPECT_FALSE(m.fallback.empty());            // default
  EXPECT_EQ(m.intents[0].title, "Hours");      // derived from the id
  EXPECT_FALSE(m.cancel_phrases.empty());
}

}  // namespace
}  // namespace parley::assistant
