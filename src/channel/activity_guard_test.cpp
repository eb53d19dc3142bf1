#include "activity_guard.hpp"

#include "activity.hpp"

#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>

#include <string>

namespace parley::channel {
namespace {

namespace json = boost::json;
using guard::credential_kind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr std::string_view card = "4111 1111 1111 1111";

activity_context ctx() {
  return {"conv1", {"dl_alice", "", "user"}, {"bankx-assistant", "BankX Assistant", "bot"}, "http://127.0.0.1:8401/"};
}

// A client activity as the channel would store it: normalised, then guarded.
json::object guarded(std::string_view body, activity_guard_result* out = nullptr, guard::guard_mode mode = {}) {
  auto a = normalize_client_activity(*core::parse_json(body), ctx());
  EXPECT_TRUE(a) << body;
  auto r = guard_client_activity(*a, mode);
  if (out) *out = r;
  return std::move(*a);
}

std::string text_of(const json::object& a) {
  return json::serialize(a);
}

TEST(ActivityGuard, EveryClientActivityTypeIsGuarded) {
  for (const char* type : {"message", "typing", "event", "invoke", "endOfConversation", "messageReaction"}) {
    const std::string body = std::string(R"({"type":")") + type + R"(","name":"x","value":{"note":"card )" +
                             std::string(card) + R"("},"text":"pin is 4821"})";
    activity_guard_result r;
    const auto a = guarded(body, &r);
    EXPECT_THAT(text_of(a), Not(HasSubstr("4111 1111"))) << type;
    EXPECT_THAT(text_of(a), Not(HasSubstr("4821"))) << type;
    EXPECT_THAT(r.found, ElementsAre(credential_kind::pin, credential_kind::card_number)) << type;
  }
}

TEST(ActivityGuard, EveryClientControlledFieldIsGuarded) {
  activity_guard_result r;
  const auto a = guarded(R"({
    "type": "message",
    "text": "hello",
    "from": {"id": "x", "name": "password: hunter2"},
    "value": {"form": {"cardNumber": "4111111111111111", "list": ["cvv 123", 7, true, null]}},
    "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "name": "iban DE89370400440532013000.txt",
                     "content": {"body": [{"type": "TextBlock", "text": "my pin: 1234"}]}}],
    "channelData": {"clientActivityID": "c-1", "messageBack": {"displayText": "4111-1111-1111-1111"}},
    "entities": [{"type": "note", "text": "password - correct horse"}],
    "speak": "my password is Tr0ub4dor&3",
    "somethingElse": "5500 0055 5555 5559"
  })",
                         &r);
  const auto all = text_of(a);
  for (const char* secret : {"hunter2", "4111111111111111", "cvv 123", "DE89370400440532013000", "1234", "4111-1111",
                             "correct horse", "Tr0ub4dor", "5500 0055"}) {
    EXPECT_THAT(all, Not(HasSubstr(secret))) << secret;
  }
  // A client cannot name itself (the token's name, here none, is the only one): the typed name is gone.
  EXPECT_FALSE(a.at("from").as_object().contains("name"));
  EXPECT_EQ(a.at("value").at("form").at("cardNumber"), "\u2022\u2022\u2022\u2022 1111");
  EXPECT_EQ(a.at("value").at("form").at("list").at(1), 7) << "other values untouched";
  EXPECT_EQ(a.at("attachments").at(0).at("content").at("body").at(0).at("text"), "my pin: [hidden]");
  EXPECT_EQ(a.at("channelData").at("clientActivityID"), "c-1");
  EXPECT_EQ(a.at("text"), "hello");
  EXPECT_THAT(r.found,
              UnorderedElementsAre(credential_kind::password, credential_kind::card_number,
                                   credential_kind::security_code, credential_kind::iban, credential_kind::pin));
  EXPECT_FALSE(r.typed_text);
  std::vector<std::string> masked;
  for (const auto& k : a.at("channelData").at("parley").at("masked").as_array()) masked.emplace_back(k.as_string());
  EXPECT_THAT(masked, UnorderedElementsAre("password", "card_number", "security_code", "iban", "pin"));
}

TEST(ActivityGuard, MemberNamesAreGuardedToo) {
  const auto a =
      guarded(R"({"type":"event","name":"x","value":{"4111111111111111":1,"\u2022\u2022\u2022\u2022 1111":2}})");
  const auto& v = a.at("value").as_object();
  EXPECT_EQ(v.size(), 2u) << "nothing is lost: a name that collides gets a suffix";
  EXPECT_EQ(v.at("\u2022\u2022\u2022\u2022 1111"), 1);
  EXPECT_EQ(v.at("\u2022\u2022\u2022\u2022 1111#2"), 2);
  EXPECT_THAT(text_of(a), Not(HasSubstr("4111111111111111")));
  const auto top = guarded(R"({"type":"message","text":"hi","pin 4821":"x"})");
  EXPECT_TRUE(top.contains("pin [hidden]"));
}

TEST(ActivityGuard, WhatTheChannelSetsOrChecksIsLeftAlone) {
  // A client activity id that happens to look like a card number is an id, not a card.
  const auto a = guarded(R"({"type":"message","text":"hi","locale":"en-US",
    "channelData":{"clientActivityID":"4111111111111111","clientTimestamp":"2024-01-01T00:00:00Z"},
    "attachments":[{"contentType":"image/png","contentUrl":"https://x.example/4111111111111111.png"}]})");
  EXPECT_EQ(a.at("channelData").at("clientActivityID"), "4111111111111111");
  EXPECT_EQ(a.at("attachments").at(0).at("contentUrl"), "https://x.example/4111111111111111.png");
  EXPECT_FALSE(a.at("channelData").as_object().contains("parley"));
}

TEST(ActivityGuard, ClientChannelDataParleyIsReplacedWhenSomethingWasMasked) {
  const auto a = guarded(R"({"type":"message","text":"4111111111111111","channelData":{"parley":{"masked":[]}}})");
  EXPECT_EQ(json::serialize(a.at("channelData").at("parley")), R"({"masked":["card_number"]})");
  // Shapes the normaliser lets through are guarded too: channelData that is not an object.
  const auto b = guarded(R"({"type":"message","text":"hi","channelData":"4111111111111111"})");
  EXPECT_THAT(text_of(b), Not(HasSubstr("4111111111111111")));
}

TEST(ActivityGuard, AnExpectedSecretIsTheWholeTextOfAMessageAndIsKeptForTheBot) {
  activity_guard_result r;
  guard::guard_mode asked;
  asked.expects_secret = true;
  const auto a = guarded(R"({"type":"message","text":"492816","value":{"x":"4111111111111111"}})", &r, asked);
  EXPECT_EQ(a.at("text"), "[secret: 6 characters]");
  EXPECT_EQ(r.typed_text, "492816");
  EXPECT_THAT(r.found, ElementsAre(credential_kind::expected_secret, credential_kind::card_number));
  // Not a message: the prompt's answer is a message's text, nothing else.
  const auto e = guarded(R"({"type":"event","name":"n","text":"ordinary words"})", &r, asked);
  EXPECT_EQ(e.at("text"), "ordinary words");
  EXPECT_FALSE(r.typed_text);
}

TEST(ActivityGuard, WhileALoginWaitsForACodeBareCodesAreSecretsEverywhere) {
  activity_guard_result r;
  guard::guard_mode waiting;
  waiting.awaits_code = true;
  const auto a = guarded(R"({"type":"message","text":"492 816"})", &r, waiting);
  EXPECT_EQ(a.at("text"), "[secret: 7 characters]");
  EXPECT_EQ(r.typed_text, "492 816") << "delivered as typed: the login executor forwards it";
  const auto b = guarded(R"({"type":"message","text":"the code is 492816","value":{"otp":"492816"}})", &r, waiting);
  EXPECT_EQ(b.at("text"), "the code is [hidden]");
  EXPECT_EQ(b.at("value").at("otp"), "[hidden]");
  EXPECT_FALSE(r.typed_text);
  EXPECT_THAT(r.found, ElementsAre(credential_kind::one_time_code));
  EXPECT_TRUE(guard::warning_text(r.found).empty()) << "a code the login asked for: no warning";
  // Without a waiting login, a bare number is an ordinary number.
  EXPECT_EQ(guarded(R"({"type":"message","text":"492816"})").at("text"), "492816");
}

}  // namespace
}  // namespace parley::channel
