#include "activity.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cctype>
#include <gtest/gtest.h>

namespace parley::channel {
namespace {

namespace json = boost::json;

activity_context ctx() {
  return {"conv1", {"dl_alice", "", "user"}, {"bankx-assistant", "BankX Assistant", "bot"}, "http://127.0.0.1:8401/"};
}

json::value parse(std::string_view text) { return *core::parse_json(text); }

TEST(Activity, IdsAndSeqs) {
  EXPECT_EQ(activity_id("conv1", 4), "conv1|0000004");
  EXPECT_EQ(activity_id("conv1", 12345678), "conv1|12345678");
  EXPECT_EQ(activity_seq("conv1", "conv1|0000004"), 4u);
  EXPECT_EQ(activity_seq("conv1", "conv2|0000004"), std::nullopt);
  EXPECT_EQ(activity_seq("conv1", "conv1|"), std::nullopt);
  EXPECT_EQ(activity_seq("conv1", "conv1|0000000"), std::nullopt);
  EXPECT_EQ(activity_seq("conv1", "conv1|12x"), std::nullopt);
  EXPECT_EQ(activity_seq("conv1", "conv1"), std::nullopt);
}

TEST(Activity, AClientCannotNameItselfButTheTokensNameStays) {
  auto bound = ctx();
  bound.user.name = "Anna";
  auto a = normalize_client_activity(parse(R"({"type":"message","text":"hi","from":{"id":"x","name":"BankX Assistant"}})"),
                                     bound);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->at("from").at("name"), "Anna");
  auto b = normalize_client_activity(parse(R"({"type":"message","text":"hi","from":{"name":"BankX Assistant"}})"), ctx());
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->at("from").as_object().contains("name"));
}

TEST(Activity, TimestampFormat) {
  using namespace std::chrono;
  const auto t = system_clock::time_point{seconds{1767225600} + milliseconds{7}};
  EXPECT_EQ(iso_timestamp(t), "2026-01-01T00:00:00.007Z");
}

TEST(Activity, ClientActivityGetsTheBoundUserAndChannelFields) {
  auto a = normalize_client_activity(parse(R"({
    "type":"message","text":"hi","id":"client-id","timestamp":"1999-01-01T00:00:00Z","channelId":"webchat",
    "from":{"id":"dl_mallory","name":"Alice","role":"user"},"serviceUrl":"https://evil.example/",
    "recipient":{"id":"someone-else"},"conversation":{"id":"conv2"},"deliveryMode":"expectReplies",
    "callerId":"urn:botframework:azure","locale":"en-US","localTimestamp":"2026-01-01T11:00:00+01:00",
    "channelData":{"clientActivityID":"c-1","nested":{"a":[1,2,{"b":null}],"big":12345678901234567},"s":"x"}})"),
                                    ctx());
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->at("from").at("id"), "dl_alice");
  // The client's display name is dropped (issue 14): it could read as the bank's ("BankX
  // Assistant"); only a name bound at tokens/generate (ctx().user.name) is used.
  EXPECT_FALSE(a->at("from").as_object().contains("name"));
  EXPECT_EQ(a->at("from").at("role"), "user");
  EXPECT_EQ(a->at("recipient").at("id"), "bankx-assistant");
  EXPECT_EQ(a->at("recipient").at("role"), "bot");
  EXPECT_EQ(a->at("conversation").at("id"), "conv1");
  EXPECT_EQ(a->at("channelId"), "directline");
  EXPECT_EQ(a->at("serviceUrl"), "http://127.0.0.1:8401/");
  EXPECT_FALSE(a->contains("id"));
  EXPECT_FALSE(a->contains("timestamp"));
  EXPECT_FALSE(a->contains("deliveryMode"));
  EXPECT_FALSE(a->contains("callerId"));
  EXPECT_EQ(a->at("locale"), "en-US");
  EXPECT_EQ(a->at("localTimestamp"), "2026-01-01T11:00:00+01:00");
  EXPECT_EQ(json::serialize(a->at("channelData")),
            R"({"clientActivityID":"c-1","nested":{"a":[1,2,{"b":null}],"big":12345678901234567},"s":"x"})");
}

TEST(Activity, ClientMayNotSendChannelOrBotOnlyActivities) {
  for (const char* body : {
           R"({"type":"event","name":"tokens/response","value":{"token":"x"}})",
           R"({"type":"event","name":"Tokens/Response"})",
           R"({"type":"invoke","name":"signin/verifyState","value":{"state":"123456"}})",
           R"({"type":"invoke","name":"signin/tokenExchange"})",
           R"({"type":"event","name":"handoff.initiate"})",
           R"({"type":"conversationUpdate","membersAdded":[]})",
           R"({"type":"handoff"})",
           R"({"type":"trace"})",
           R"({"type":"message","from":{"id":"x","role":"bot"}})",
           R"({"type":"message","from":{"role":"channel"}})",
       }) {
    auto a = normalize_client_activity(parse(body), ctx());
    ASSERT_FALSE(a) << body;
    EXPECT_EQ(a.error(), errc::forbidden_activity) << body;
  }
  EXPECT_TRUE(normalize_client_activity(parse(R"({"type":"event","name":"webchat/join"})"), ctx()));
  EXPECT_TRUE(normalize_client_activity(parse(R"({"type":"typing"})"), ctx()));
}

TEST(Activity, MalformedClientActivities) {
  for (const char* body : {R"([])", R"("message")", R"({})", R"({"type":""})", R"({"type":5})",
                           R"({"type":"message","from":"alice"})", R"({"type":"message","attachments":{}})",
                           R"({"type":"message","attachments":["x"]})", R"({"type":"message","text":{}})",
                           R"({"type":"message","entities":{}})", R"({"type":"event","name":7})"}) {
    auto a = normalize_client_activity(parse(body), ctx());
    ASSERT_FALSE(a) << body;
    EXPECT_EQ(a.error(), errc::bad_argument) << body;
  }
}

TEST(Activity, BotActivityIsFromTheBot) {
  auto a = normalize_bot_activity(
      parse(R"({"type":"message","text":"hello","id":"x","from":{"id":"dl_alice","role":"user"},"channelData":{"k":1}})"),
      ctx(), "conv1|0000003");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->at("from").at("id"), "bankx-assistant");
  EXPECT_EQ(a->at("from").at("role"), "bot");
  EXPECT_EQ(a->at("recipient").at("id"), "dl_alice");
  EXPECT_EQ(a->at("replyToId"), "conv1|0000003");
  EXPECT_FALSE(a->contains("id"));
  EXPECT_EQ(json::serialize(a->at("channelData")), R"({"k":1})");
  EXPECT_EQ(normalize_bot_activity(parse(R"({"text":"no type"})"), ctx(), std::nullopt).error(), errc::bad_argument);
}

TEST(Activity, ConversationUpdateAddsBotAndUser) {
  const auto u = conversation_update(ctx());
  EXPECT_EQ(u.at("type"), "conversationUpdate");
  const auto& added = u.at("membersAdded").as_array();
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].at("id"), "bankx-assistant");
  EXPECT_EQ(added[1].at("id"), "dl_alice");
  EXPECT_EQ(u.at("recipient").at("id"), "bankx-assistant");
  EXPECT_FALSE(delivered_to_clients("conversationUpdate"));
  EXPECT_TRUE(delivered_to_clients("typing"));
  EXPECT_FALSE(delivered_by_polling("typing"));
  EXPECT_TRUE(delivered_by_polling("message"));
}

// Random bytes whose base64url starts with '_' (0xFF...) once gave ids the store refused (500).
TEST(ConversationId, StartsWithALetterWhateverTheRandomBytes) {
  struct all_ones final : core::random_source {
    void fill(std::span<std::uint8_t> out) override { std::fill(out.begin(), out.end(), std::uint8_t{0xFF}); }
  } ones;
  const auto id = new_conversation_id(ones);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(id.front()))) << id;
  EXPECT_EQ(id.size(), 1u + 24u);
}

}  // namespace
}  // namespace parley::channel
