#include "activity.hpp"
#include "url_util.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace parley::bot {
namespace {

namespace json = boost::json;

json::value doc(std::string_view text) { return *core::parse_json(text); }

constexpr std::string_view message = R"({
  "type": "message", "id": "c1|0000004", "serviceUrl": "http://127.0.0.1:8401/", "channelId": "directline",
  "conversation": {"id": "c1"}, "from": {"id": "dl_abc", "name": "Anna", "role": "user"},
  "recipient": {"id": "bankx-assistant", "name": "BankX", "role": "bot"},
  "text": "I lost my card", "locale": "en-GB", "localTimestamp": "2026-11-28T10:00:00.000+01:00",
  "channelData": {"clientActivityID": "x"}, "entities": []
})";

TEST(activity, parses_a_message_and_ignores_unknown_members) {
  auto a = parse_activity(doc(message));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->type, "message");
  EXPECT_EQ(a->id, "c1|0000004");
  EXPECT_EQ(a->service_url, "http://127.0.0.1:8401/");
  EXPECT_EQ(a->channel_id, "directline");
  EXPECT_EQ(a->conversation_id, "c1");
  EXPECT_EQ(a->from.id, "dl_abc");
  EXPECT_EQ(a->recipient.role, "bot");
  EXPECT_EQ(a->text, "I lost my card");
  ASSERT_TRUE(a->utc_offset);
  EXPECT_EQ(a->utc_offset->count(), 60);
}

TEST(activity, refuses_missing_required_members_and_wrong_types) {
  for (const auto* bad : {
           R"({"serviceUrl":"http://x/","conversation":{"id":"c"}})",                  // no type
           R"({"type":"","serviceUrl":"http://x/","conversation":{"id":"c"}})",        // empty type
           R"({"type":"message","conversation":{"id":"c"}})",                          // no serviceUrl
           R"({"type":"message","serviceUrl":"http://x/"})",                           // no conversation
           R"({"type":"message","serviceUrl":"http://x/","conversation":"c"})",        // conversation not object
           R"({"type":"message","serviceUrl":"http://x/","conversation":{"id":7}})",   // id not string
           R"({"type":"message","serviceUrl":"http://x/","conversation":{"id":"c"},"text":5})",
           R"({"type":"message","serviceUrl":"http://x/","conversation":{"id":"c"},"from":"u"})",
           R"({"type":"conversationUpdate","serviceUrl":"http://x/","conversation":{"id":"c"},"membersAdded":{}})",
           R"({"type":"conversationUpdate","serviceUrl":"http://x/","conversation":{"id":"c"},"membersAdded":[1]})",
           R"([1,2,3])",
       }) {
    auto a = parse_activity(doc(bad));
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error(), make_error_code(errc::bad_activity));
  }
}

TEST(activity, enforces_size_limits) {
  activity_limits l;
  l.max_text_bytes = 10;
  EXPECT_FALSE(parse_activity(doc(message), l));
  json::object o = doc(message).as_object();
  o["value"] = json::object{{"x", std::string(20000, 'a')}};
  EXPECT_FALSE(parse_activity(o));
  json::array many;
  for (int i = 0; i < 51; ++i) many.push_back(json::object{{"id", "u" + std::to_string(i)}});
  o = doc(message).as_object();
  o["membersAdded"] = many;
  EXPECT_FALSE(parse_activity(o));
}

TEST(activity, utc_offsets) {
  EXPECT_EQ(utc_offset_of("2026-11-28T10:00:00.000-05:30")->count(), -330);
  EXPECT_EQ(utc_offset_of("2026-11-28T10:00:00Z")->count(), 0);
  EXPECT_FALSE(utc_offset_of("2026-11-28T10:00:00"));
  EXPECT_FALSE(utc_offset_of("garbage"));
  EXPECT_FALSE(utc_offset_of("2026-11-28T10:00:00+25:00"));
}

TEST(activity, conversation_update_with_the_user_is_a_join) {
  auto a = parse_activity(doc(R"({"type":"conversationUpdate","serviceUrl":"http://x/","conversation":{"id":"c"},
      "recipient":{"id":"bot"},"from":{"id":"dl_u"},"membersAdded":[{"id":"bot"},{"id":"dl_u"}]})"));
  ASSERT_TRUE(a);
  auto in = to_incoming(*a, false);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, assistant::activity_kind::conversation_update);
  EXPECT_TRUE(in->user_joined);

  auto bot_only = parse_activity(doc(R"({"type":"conversationUpdate","serviceUrl":"http://x/","conversation":{"id":"c"},
      "recipient":{"id":"bot"},"membersAdded":[{"id":"bot"}]})"));
  ASSERT_TRUE(bot_only);
  EXPECT_FALSE(to_incoming(*bot_only, false)->user_joined);
}

TEST(activity, message_and_event_become_assistant_input_other_types_do_not) {
  auto a = parse_activity(doc(message));
  auto in = to_incoming(*a, true);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, assistant::activity_kind::message);
  EXPECT_EQ(in->text, "I lost my card");
  EXPECT_EQ(in->conversation_id, "c1");
  EXPECT_EQ(in->user_id, "dl_abc");
  EXPECT_EQ(in->locale, "en-GB");
  EXPECT_TRUE(in->logged_in);

  auto ev = parse_activity(doc(R"({"type":"event","name":"webchat/join","serviceUrl":"http://x/","conversation":{"id":"c"},"value":{"a":1}})"));
  auto evin = to_incoming(*ev, false);
  ASSERT_TRUE(evin);
  EXPECT_EQ(evin->kind, assistant::activity_kind::event);
  EXPECT_EQ(evin->name, "webchat/join");
  EXPECT_TRUE(evin->value.is_object());

  for (const auto* t : {"typing", "endOfConversation", "invoke", "installationUpdate"}) {
    auto other = parse_activity(json::object{{"type", t}, {"serviceUrl", "http://x/"}, {"conversation", {{"id", "c"}}}});
    ASSERT_TRUE(other);
    EXPECT_FALSE(to_incoming(*other, false)) << t;
  }
}

TEST(activity, reply_mapping_has_markdown_buttons_and_input_hint) {
  assistant::reply r;
  r.text = "Which card is it?";
  r.suggested_actions.push_back({assistant::button_kind::im_back, "Debit card", json::value("debit")});
  r.suggested_actions.push_back({assistant::button_kind::post_back, "Balance", json::object{{"intent", "balance"}}});
  r.hint = assistant::input_hint::expecting_input;
  const auto o = reply_activity(r, "dl_abc", "en-GB");
  EXPECT_EQ(o.at("type"), "message");
  EXPECT_EQ(o.at("text"), "Which card is it?");
  EXPECT_EQ(o.at("textFormat"), "markdown");
  EXPECT_EQ(o.at("locale"), "en-GB");
  EXPECT_EQ(o.at("inputHint"), "expectingInput");
  const auto& sa = o.at("suggestedActions").as_object();
  EXPECT_EQ(sa.at("to").as_array().at(0), "dl_abc");
  const auto& actions = sa.at("actions").as_array();
  ASSERT_EQ(actions.size(), 2U);
  EXPECT_EQ(actions[0].at("type"), "imBack");
  EXPECT_EQ(actions[0].at("title"), "Debit card");
  EXPECT_EQ(actions[0].at("value"), "debit");
  EXPECT_EQ(actions[1].at("type"), "postBack");
  EXPECT_EQ(actions[1].at("value").at("intent"), "balance");
  EXPECT_FALSE(o.contains("channelData"));
}

TEST(activity, plain_reply_has_no_buttons_or_hint_and_secret_prompts_are_flagged) {
  assistant::reply r;
  r.text = "Hello";
  auto o = reply_activity(r, "dl_abc", "");
  EXPECT_FALSE(o.contains("suggestedActions"));
  EXPECT_FALSE(o.contains("inputHint"));
  EXPECT_FALSE(o.contains("locale"));
  r.expects_secret = true;
  o = reply_activity(r, "dl_abc", "");
  EXPECT_EQ(o.at("channelData").at("parley").at("expectsSecret"), true);
  EXPECT_EQ(typing_activity().at("type"), "typing");
  EXPECT_EQ(end_of_conversation_activity().at("type"), "endOfConversation");
}

TEST(url_util, dot_segments_are_escaped_whole) {
  // Issue 14: a slot value ".." in an operation's path ("/accounts/{account}") would climb a level.
  EXPECT_EQ(encode_segment(".."), "%2E%2E");
  EXPECT_EQ(encode_segment("."), "%2E");
  EXPECT_EQ(encode_segment("a..b"), "a..b");
  EXPECT_EQ(encode_segment("../x"), "..%2Fx");
}

}  // namespace
}  // namespace parley::bot
