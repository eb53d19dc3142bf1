// The channel's side of a handoff to a consultant (ADR 0021) against real sockets: a bot's
// handoff.initiate through the Connector API, the desk's steps through channel::service, what the
// bot, the client and the desk each see, the rules (one handoff at a time, the owner's state,
// tenants) and the user leaving.
#include "channel_fixture.hpp"

#include <parley/channel/error.hpp>
#include <parley/channel/handoff.hpp>

namespace parley::channel::test {
namespace {

using net::method;

std::string conv_id(const json::object& o) {
  return std::string(o.at("conversationId").as_string());
}
std::string token_of(const json::object& o) {
  return std::string(o.at("token").as_string());
}

class recording_desk final : public handoff_listener {
 public:
  void handoff_requested(const handoff_request& r) override {
    std::lock_guard lock(m_);
    requests_.push_back(r);
  }
  void handoff_abandoned(std::string_view tenant, std::string_view conversation) override {
    std::lock_guard lock(m_);
    abandoned_.push_back(std::string(tenant) + "/" + std::string(conversation));
  }
  std::vector<handoff_request> requests() const {
    std::lock_guard lock(m_);
    return requests_;
  }
  std::vector<std::string> abandoned() const {
    std::lock_guard lock(m_);
    return abandoned_;
  }

 private:
  mutable std::mutex m_;
  std::vector<handoff_request> requests_;
  std::vector<std::string> abandoned_;
};

/// Waits (polling, up to 10 s) until `pred` holds.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

template <class T>
T run(harness& h, asio::awaitable<T> a) {
  return asio::co_spawn(h.io(), std::move(a), asio::use_future).get();
}

http_result bot_post(harness& h, const std::string& conv, const json::object& activity,
                     const std::string& request_id = {}) {
  net::header_map extra;
  if (!request_id.empty()) extra.set("x-ms-client-request-id", request_id);
  return h.call(method::post, "/v3/conversations/" + conv + "/activities", h.bot_token(), json::serialize(activity),
                "application/json", extra);
}

json::array client_view(harness& h, const json::object& conv) {
  auto r = h.get("/v3/directline/conversations/" + conv_id(conv) + "/activities?watermark=", token_of(conv));
  return r.json().at("activities").as_array();
}

/// The handoff.status states the bot received, in order.
std::vector<std::string> statuses(harness& h) {
  std::vector<std::string> out;
  for (const auto& r : h.bot().received()) {
    if (r.activity.contains("name") && r.activity.at("name") == "handoff.status") {
      out.emplace_back(r.activity.at("value").at("state").as_string());
    }
  }
  return out;
}

std::size_t messages_to_bot(harness& h) {
  std::size_t n = 0;
  for (const auto& r : h.bot().received()) n += r.activity.at("type") == "message" ? 1 : 0;
  return n;
}

/// The widget's parley.handoff events, as {state, consultant name}.
std::vector<std::pair<std::string, std::string>> widget_events(harness& h, const json::object& conv) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& a : client_view(h, conv)) {
    const auto& o = a.as_object();
    if (o.contains("name") && o.at("name") == "parley.handoff") {
      const auto& v = o.at("value").as_object();
      std::string who = v.contains("consultant") ? std::string(v.at("consultant").at("name").as_string()) : "";
      out.emplace_back(std::string(v.at("state").as_string()), who);
    }
  }
  return out;
}

json::object initiate(std::string_view queue = "cards") {
  return json::object{
      {"type", "event"},
      {"name", "handoff.initiate"},
      {"value",
       {{"reason", "the user asked for a person"},
        {"failedIntent", "unblock_card"},
        {"queue", queue},
        {"priority", 2}}},
      {"attachments",
       json::array{json::object{{"contentType", "application/json"},
                                {"name", "Transcript"},
                                {"content", {{"activities", json::array{json::object{{"type", "message"}}}}}}}}}};
}

TEST(ChannelHandoff, ABotsHandoffIsQueuedAcceptedOwnedAndHandedBack) {
  recording_desk desk;
  harness::settings st;
  st.handoff = &desk;
  harness h(st);
  auto conv = h.start_conversation();
  const auto id = conv_id(conv);

  auto sent = bot_post(h, id, initiate(), "req-1");
  ASSERT_EQ(sent.status, 200) << sent.body;
  // A retry of the same POST is the same handoff (botbuilder retries with the same request id).
  ASSERT_EQ(bot_post(h, id, initiate(), "req-1").status, 200);
  ASSERT_EQ(desk.requests().size(), 1u);
  const auto r = desk.requests().front();
  EXPECT_EQ(r.tenant_id, "bankx");
  EXPECT_EQ(r.conversation_id, id);
  EXPECT_EQ(r.bot_id, "bankx-assistant");
  EXPECT_EQ(r.queue, "cards");
  EXPECT_EQ(r.failed_intent, "unblock_card");
  EXPECT_EQ(r.priority, 2);
  EXPECT_EQ(r.transcript_activities, 1u);
  EXPECT_EQ(r.activity_id, std::string(sent.json().at("id").as_string()));
  auto stored = run(h, h.store().get_conversation("bankx", id));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->state, store::conversation_state::waiting_for_consultant);
  // The widget sees "finding a consultant", never the bot's routing context or transcript.
  for (const auto& a : client_view(h, conv)) EXPECT_NE(a.at("type"), "handoff") << json::serialize(a);
  for (const auto& a : client_view(h, conv)) {
    EXPECT_FALSE(a.as_object().contains("name") && a.at("name") == "handoff.initiate");
  }
  EXPECT_EQ(widget_events(h, conv), (std::vector<std::pair<std::string, std::string>>{{"waiting", ""}}));
  // One handoff at a time.
  EXPECT_EQ(bot_post(h, id, initiate()).status, 409);

  // The desk tells the widget where it stands, then a consultant takes it.
  ASSERT_TRUE(run(h, h.channel().update_handoff("bankx", id, 2, std::chrono::seconds(90))));
  ASSERT_TRUE(run(h, h.channel().accept_handoff("bankx", id, "Anna")));
  EXPECT_TRUE(eventually([&] { return statuses(h) == std::vector<std::string>{"accepted"}; }));
  EXPECT_EQ(widget_events(h, conv),
            (std::vector<std::pair<std::string, std::string>>{{"waiting", ""}, {"waiting", ""}, {"accepted", "Anna"}}));
  // Accepted twice: the second is refused (the desk's compare-and-set decides who; this is the net).
  auto again = run(h, h.channel().accept_handoff("bankx", id, "Ben"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::wrong_state);

  // The user's message is stored and streamed, not delivered to the bot.
  const auto before = messages_to_bot(h);
  auto user = h.post("/v3/directline/conversations/" + id + "/activities", token_of(conv),
                     json::object{{"type", "message"}, {"text", "hello, is someone there?"}});
  ASSERT_EQ(user.status, 200) << user.body;
  auto typing =
      h.post("/v3/directline/conversations/" + id + "/activities", token_of(conv), json::object{{"type", "typing"}});
  ASSERT_EQ(typing.status, 200);
  // The consultant answers; the bot hears neither.
  auto reply = run(h, h.channel().send_as_consultant("bankx", id, "Anna", false, "Hello, I'm Anna. How can I help?"));
  ASSERT_TRUE(reply) << reply.error().message();
  ASSERT_TRUE(run(h, h.channel().send_as_consultant("bankx", id, "Anna", true, {})));
  std::this_thread::sleep_for(200ms);  // give a wrong delivery the time to happen
  EXPECT_EQ(messages_to_bot(h), before);
  bool seen_user = false;
  bool seen_consultant = false;
  for (const auto& a : client_view(h, conv)) {
    if (a.at("type") != "message") continue;
    if (a.at("from").at("role") == "user" && a.at("text") == "hello, is someone there?") seen_user = true;
    if (a.at("from").at("id") == "consultant") {
      seen_consultant = true;
      EXPECT_EQ(a.at("from").at("name"), "Anna");
      EXPECT_EQ(a.at("text"), "Hello, I'm Anna. How can I help?");
      EXPECT_EQ(a.at("channelData").at("parley").at("sender"), "consultant");
      EXPECT_EQ(std::string(a.at("id").as_string()), *reply);
    }
  }
  EXPECT_TRUE(seen_user);
  EXPECT_TRUE(seen_consultant);
  auto page = run(h, h.store().read_activities("bankx", id, 0, 100));
  ASSERT_TRUE(page);
  std::size_t by_consultant = 0;
  for (const auto& rec : page->activities) by_consultant += rec.sender_role == "consultant" ? 1 : 0;
  EXPECT_EQ(by_consultant, 2u);  // the message and the typing

  // Hand-back with an intent to resume: the bot gets completed, the next message goes to the bot.
  ASSERT_TRUE(run(h, h.channel().end_handoff("bankx", id, handoff_outcome::completed, "card unblocked", "balance")));
  EXPECT_TRUE(eventually([&] { return statuses(h) == std::vector<std::string>{"accepted", "completed"}; }));
  for (const auto& rec : h.bot().received()) {
    if (rec.activity.contains("name") && rec.activity.at("name") == "handoff.status" &&
        rec.activity.at("value").at("state") == "completed") {
      EXPECT_EQ(rec.activity.at("value").at("message"), "card unblocked");
      EXPECT_EQ(rec.activity.at("value").at("resumeIntent"), "balance");
      EXPECT_EQ(std::string(rec.activity.at("conversation").at("id").as_string()), id);
    }
  }
  EXPECT_EQ(widget_events(h, conv).back(), (std::pair<std::string, std::string>{"completed", ""}));
  auto back = h.post("/v3/directline/conversations/" + id + "/activities", token_of(conv),
                     json::object{{"type", "message"}, {"text", "thanks"}});
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(messages_to_bot(h), before + 1);
  auto after = run(h, h.channel().send_as_consultant("bankx", id, "Anna", false, "still here"));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), errc::wrong_state);
}

TEST(ChannelHandoff, WithoutADeskTheBotHearsFailedAtOnce) {
  harness h;
  auto conv = h.start_conversation();
  ASSERT_EQ(bot_post(h, conv_id(conv), initiate()).status, 200);
  EXPECT_TRUE(eventually([&] { return statuses(h) == std::vector<std::string>{"failed"}; }));
  auto stored = run(h, h.store().get_conversation("bankx", conv_id(conv)));
  EXPECT_EQ(stored->state, store::conversation_state::with_bot);
  EXPECT_TRUE(widget_events(h, conv).empty());
}

TEST(ChannelHandoff, BadInputWrongStatesAndOtherTenantsAreRefused) {
  recording_desk desk;
  harness::settings st;
  st.handoff = &desk;
  harness h(st);
  auto conv = h.start_conversation();
  const auto id = conv_id(conv);
  // A client can never start or answer a handoff.
  EXPECT_EQ(h.post("/v3/directline/conversations/" + id + "/activities", token_of(conv),
                   json::object{{"type", "event"}, {"name", "handoff.initiate"}})
                .status,
            400);
  // Bad routing context: 400, nothing queued.
  auto bad = initiate();
  bad["value"].as_object()["priority"] = 11;
  EXPECT_EQ(bot_post(h, id, bad).status, 400);
  EXPECT_TRUE(desk.requests().empty());
  // The desk's steps need the right state.
  EXPECT_EQ(run(h, h.channel().accept_handoff("bankx", id, "Anna")).error(), errc::wrong_state);
  EXPECT_EQ(run(h, h.channel().end_handoff("bankx", id, handoff_outcome::completed, {}, {})).error(),
            errc::wrong_state);
  EXPECT_EQ(run(h, h.channel().send_as_consultant("bankx", id, "Anna", false, "hi")).error(), errc::wrong_state);
  ASSERT_EQ(bot_post(h, id, initiate()).status, 200);
  // Another tenant's desk finds nothing; names that are addresses are refused.
  EXPECT_EQ(run(h, h.channel().accept_handoff("otherbank", id, "Eve")).error(), errc::not_found);
  EXPECT_EQ(run(h, h.channel().accept_handoff("bankx", id, "anna@bankx.example")).error(), errc::bad_argument);
  EXPECT_EQ(run(h, h.channel().update_handoff("bankx", id, 0, std::chrono::seconds(1))).error(), errc::bad_argument);
  ASSERT_TRUE(run(h, h.channel().accept_handoff("bankx", id, "Anna")));
  EXPECT_EQ(run(h, h.channel().send_as_consultant("otherbank", id, "Eve", false, "hi")).error(), errc::not_found);
  EXPECT_EQ(run(h, h.channel().send_as_consultant("bankx", id, "Anna", false, std::string(17 * 1024, 'x'))).error(),
            errc::too_large);
  EXPECT_EQ(run(h, h.channel().send_as_consultant("bankx", id, "Anna", false, {})).error(), errc::bad_argument);
  EXPECT_EQ(run(h, h.channel().end_handoff("bankx", id, handoff_outcome::failed, {}, "balance")).error(),
            errc::bad_argument);  // only a completed handoff resumes an intent
  // Failure reaches the bot as failed.
  ASSERT_TRUE(run(h, h.channel().end_handoff("bankx", id, handoff_outcome::failed, "nobody available", {})));
  EXPECT_TRUE(eventually([&] { return statuses(h) == std::vector<std::string>{"accepted", "failed"}; }));
}

TEST(ChannelHandoff, TheUserLeavingEndsTheHandoff) {
  recording_desk desk;
  harness::settings st;
  st.handoff = &desk;
  harness h(st);
  auto conv = h.start_conversation();
  const auto id = conv_id(conv);
  ASSERT_EQ(bot_post(h, id, initiate()).status, 200);
  ASSERT_TRUE(run(h, h.channel().accept_handoff("bankx", id, "Anna")));
  auto end = h.post("/v3/directline/conversations/" + id + "/activities", token_of(conv),
                    json::object{{"type", "endOfConversation"}});
  EXPECT_EQ(end.status, 200) << end.body;
  EXPECT_TRUE(eventually([&] { return !desk.abandoned().empty(); }));
  EXPECT_EQ(desk.abandoned().front(), "bankx/" + id);
  EXPECT_EQ(run(h, h.channel().send_as_consultant("bankx", id, "Anna", false, "hello?")).error(), errc::wrong_state);
}

/// The widget's parley.handoff events with their transferred flag.
std::vector<std::string> widget_steps(harness& h, const json::object& conv) {
  std::vector<std::string> out;
  for (const auto& a : client_view(h, conv)) {
    const auto& o = a.as_object();
    if (!o.contains("name") || o.at("name") != "parley.handoff") continue;
    const auto& v = o.at("value").as_object();
    std::string step(v.at("state").as_string());
    if (v.contains("consultant")) step += " " + std::string(v.at("consultant").at("name").as_string());
    if (v.contains("transferred") && v.at("transferred") == true) step += " (transferred)";
    out.push_back(step);
  }
  return out;
}

TEST(ChannelHandoff, ATransferKeepsTheConversationFromTheBotAndTellsTheWidget) {
  recording_desk desk;
  harness::settings st;
  st.handoff = &desk;
  harness h(st);
  auto conv = h.start_conversation();
  const auto id = conv_id(conv);
  ASSERT_EQ(bot_post(h, id, initiate()).status, 200);
  // Only a conversation with a consultant can be transferred.
  EXPECT_EQ(run(h, h.channel().transfer_handoff("bankx", id, {})).error(), errc::wrong_state);
  ASSERT_TRUE(run(h, h.channel().accept_handoff("bankx", id, "Anna")));
  EXPECT_TRUE(eventually([&] { return statuses(h) == std::vector<std::string>{"accepted"}; }));
  EXPECT_EQ(run(h, h.channel().transfer_handoff("otherbank", id, {})).error(), errc::not_found);
  EXPECT_EQ(run(h, h.channel().transfer_handoff("bankx", id, "bo@bankx.example")).error(), errc::bad_argument);

  // To another queue: the widget is told, then its place; the user writes meanwhile and the bot
  // hears nothing of it (no answer in between), nor a status.
  ASSERT_TRUE(run(h, h.channel().transfer_handoff("bankx", id, {})));
  ASSERT_TRUE(run(h, h.channel().update_handoff("bankx", id, 1, std::chrono::seconds(60))));
  const auto before = messages_to_bot(h);
  auto user = h.post("/v3/directline/conversations/" + id + "/activities", token_of(conv),
                     json::object{{"type", "message"}, {"text", "are you still there?"}});
  ASSERT_EQ(user.status, 200) << user.body;
  // The next consultant takes over (not a second accept: the bot is not told again).
  EXPECT_EQ(run(h, h.channel().accept_handoff("bankx", id, "Bo")).error(), errc::wrong_state);
  ASSERT_TRUE(run(h, h.channel().transfer_handoff("bankx", id, "Bo")));
  ASSERT_TRUE(run(h, h.channel().send_as_consultant("bankx", id, "Bo", false, "Bo here.")));
  std::this_thread::sleep_for(200ms);  // give a wrong delivery the time to happen
  EXPECT_EQ(messages_to_bot(h), before);
  EXPECT_EQ(statuses(h), std::vector<std::string>{"accepted"});
  EXPECT_EQ(run(h, h.store().get_conversation("bankx", id))->state, store::conversation_state::with_consultant);
  EXPECT_EQ(widget_steps(h, conv), (std::vector<std::string>{"waiting", "accepted Anna", "waiting (transferred)",
                                                             "waiting", "accepted Bo (transferred)"}));
  // Hand-back as usual.
  ASSERT_TRUE(run(h, h.channel().end_handoff("bankx", id, handoff_outcome::completed, {}, {})));
  EXPECT_TRUE(eventually([&] { return statuses(h) == std::vector<std::string>{"accepted", "completed"}; }));
}

}  // namespace
}  // namespace parley::channel::test
