// The Direct Line side of the channel against real sockets: tokens, conversations, activities,
// polling, the WebSocket stream, uploads, bad input. Each error gets its documented status and
// body, and the conversation stays usable afterwards.
#include "channel_fixture.hpp"
#include "ws_client.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/testing/log_capture.hpp>
#include <parley/store/single_use.hpp>

namespace parley::channel::test {
namespace {

using net::method;

std::string token_of(const json::object& o) { return std::string(o.at("token").as_string()); }
std::string id_of(const json::object& o) { return std::string(o.at("conversationId").as_string()); }

// The decoded payload of a JWT (no verification: what directlinejs and Web Chat do).
json::object jwt_payload(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return *core::parse_json_object(*core::base64url_decode_string(token.substr(a + 1, b - a - 1)));
}

std::string conv_path(const std::string& id, const std::string& rest = {}) {
  return "/v3/directline/conversations/" + id + rest;
}

json::object message(std::string text, std::string client_id = "c-1") {
  return json::object{{"type", "message"},
                      {"text", std::move(text)},
                      {"from", {{"id", "someone-else"}, {"name", "Alice"}}},
                      {"channelData", {{"clientActivityID", std::move(client_id)}, {"custom", {{"n", 1}}}}}};
}

// Polls until `n` activities are visible after watermark 0 (the bot's reply may come later).
json::array poll_until(harness& h, const std::string& id, const std::string& token, std::size_t n) {
  json::array activities;
  for (int i = 0; i < 200; ++i) {
    auto r = h.get(conv_path(id, "/activities?watermark="), token);
    EXPECT_EQ(r.status, 200) << r.body;
    activities = r.json().at("activities").as_array();
    if (activities.size() >= n) break;
    std::this_thread::sleep_for(20ms);
  }
  return activities;
}

TEST(ChannelDirectLine, GenerateStartPostEchoAndReply) {
  harness h;
  auto gen = h.post("/v3/directline/tokens/generate", secret_a, json::object{});
  ASSERT_EQ(gen.status, 200) << gen.body;
  const auto g = gen.json();
  EXPECT_FALSE(g.contains("streamUrl"));
  EXPECT_EQ(g.at("expires_in").as_int64(), 1800);
  const auto claims = jwt_payload(token_of(g));
  const std::string user(claims.at("user").as_string());
  EXPECT_TRUE(user.starts_with("dl_"));  // bound even when the caller named nobody
  EXPECT_EQ(claims.at("conv"), g.at("conversationId"));

  auto started = h.call(method::post, "/v3/directline/conversations", token_of(g));
  ASSERT_EQ(started.status, 201) << started.body;
  const auto conv = started.json();
  EXPECT_EQ(id_of(conv), id_of(g));
  EXPECT_EQ(token_of(conv), token_of(g));
  EXPECT_TRUE(std::string(conv.at("streamUrl").as_string()).starts_with("ws://127.0.0.1:"));
  auto again = h.call(method::post, "/v3/directline/conversations", token_of(g));
  EXPECT_EQ(again.status, 200) << again.body;

  // The bot got conversationUpdate (bot and user added) with a channel-signed JWT.
  ASSERT_TRUE(h.bot().wait_for(1));
  const auto update = h.bot().received()[0];
  EXPECT_EQ(update.activity.at("type"), "conversationUpdate");
  EXPECT_EQ(update.activity.at("membersAdded").as_array().size(), 2u);
  EXPECT_EQ(update.activity.at("membersAdded").at(1).at("id").as_string(), user);
  ASSERT_TRUE(update.authorization.starts_with("Bearer "));
  const auto to_bot = jwt_payload(update.authorization.substr(7));
  EXPECT_EQ(to_bot.at("aud"), "app-bankx");
  EXPECT_EQ(to_bot.at("serviceurl"), update.activity.at("serviceUrl"));
  EXPECT_EQ(std::string(to_bot.at("serviceurl").as_string()), h.base_url() + "/");

  auto posted = h.post(conv_path(id_of(g), "/activities"), token_of(g), message("hello"));
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string activity_id(posted.json().at("id").as_string());
  EXPECT_EQ(activity_id, id_of(g) + "|0000002");  // 1 is the conversationUpdate

  const auto activities = poll_until(h, id_of(g), token_of(g), 2);
  ASSERT_EQ(activities.size(), 2u);  // the echo and the reply; never the conversationUpdate
  const auto& echo = activities[0].as_object();
  EXPECT_EQ(echo.at("id").as_string(), activity_id);
  EXPECT_EQ(echo.at("from").at("id").as_string(), user);  // forced from the token
  EXPECT_EQ(echo.at("from").at("role"), "user");
  EXPECT_EQ(echo.at("channelId"), "directline");
  EXPECT_EQ(json::serialize(echo.at("channelData")), R"({"clientActivityID":"c-1","custom":{"n":1}})");
  EXPECT_TRUE(echo.contains("timestamp"));
  const auto& reply = activities[1].as_object();
  EXPECT_EQ(reply.at("text"), "echo: hello");
  EXPECT_EQ(reply.at("from").at("id"), "bankx-assistant");
  EXPECT_EQ(reply.at("replyToId").as_string(), activity_id);
  EXPECT_GT(reply.at("timestamp").as_string(), echo.at("timestamp").as_string());
  // The bot got the activity as the channel shaped it.
  ASSERT_TRUE(h.bot().wait_for(2));
  EXPECT_EQ(h.bot().received()[1].activity.at("from").at("id").as_string(), user);
}

TEST(ChannelDirectLine, TokenParametersInBothCasesAndDlPrefix) {
  harness h;
  auto pascal = h.post("/v3/directline/tokens/generate", secret_a,
                       json::object{{"User", {{"Id", "dl_alice"}, {"Name", "Alice"}}},
                                    {"TrustedOrigins", json::array{"https://www.bankx.example"}}});
  ASSERT_EQ(pascal.status, 200) << pascal.body;
  EXPECT_EQ(jwt_payload(token_of(pascal.json())).at("user"), "dl_alice");
  auto camel = h.post("/v3/directline/tokens/generate", secret_a, json::object{{"user", {{"id", "dl_bob"}}}});
  EXPECT_EQ(jwt_payload(token_of(camel.json())).at("user"), "dl_bob");
  auto no_prefix = h.post("/v3/directline/tokens/generate", secret_a, json::object{{"user", {{"id", "bob"}}}});
  EXPECT_EQ(no_prefix.status, 400);
  EXPECT_EQ(no_prefix.code(), "BadArgument");
  // A token cannot mint tokens; a wrong secret is refused; no credentials is 401.
  EXPECT_EQ(h.post("/v3/directline/tokens/generate", token_of(camel.json()), json::object{}).status, 403);
  EXPECT_EQ(h.post("/v3/directline/tokens/generate", "wrong-secret-0123456789-abcdefgh", json::object{}).status, 403);
  auto none = h.post("/v3/directline/tokens/generate", "", json::object{});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.code(), "Unauthorized");
}

TEST(ChannelDirectLine, RefreshWhileValidThenTokenExpired) {
  harness h;
  const auto conv = h.start_conversation();
  // directlinejs posts no body and no Content-Type.
  auto refreshed = h.call(method::post, "/v3/directline/tokens/refresh", token_of(conv), {}, {});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const auto fresh = token_of(refreshed.json());
  EXPECT_NE(fresh, token_of(conv));
  EXPECT_EQ(id_of(refreshed.json()), id_of(conv));
  EXPECT_EQ(jwt_payload(fresh).at("user"), jwt_payload(token_of(conv)).at("user"));
  h.clock().advance(31min);
  auto expired = h.call(method::post, "/v3/directline/tokens/refresh", token_of(conv), {}, {});
  EXPECT_EQ(expired.status, 403);
  EXPECT_EQ(expired.code(), "TokenExpired");
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities?watermark="), token_of(conv)).code(), "TokenExpired");
}

TEST(ChannelDirectLine, TokensAndSecretsReachOnlyTheirOwnConversations) {
  harness h;
  const auto a = h.start_conversation();
  const auto b = h.start_conversation();
  auto cross = h.post(conv_path(id_of(b), "/activities"), token_of(a), message("x"));
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(cross.code(), "Forbidden");
  EXPECT_EQ(h.get(conv_path(id_of(b), "/activities?watermark="), token_of(a)).status, 403);
  EXPECT_EQ(h.get(conv_path(id_of(b)), token_of(a)).status, 403);
  // The other bot's secret: its conversations are another tenant's, so this one does not exist for it.
  EXPECT_EQ(h.get(conv_path(id_of(a), "/activities?watermark="), secret_b).status, 404);
  // The bot's own secret reaches any of its conversations.
  EXPECT_EQ(h.get(conv_path(id_of(a), "/activities?watermark="), secret_a).status, 200);
  EXPECT_EQ(h.post(conv_path(id_of(a), "/activities"), secret_a, message("via secret")).status, 200);
  // Unknown conversation.
  auto unknown = h.get(conv_path("nope", "/activities?watermark="), secret_a);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code(), "NotFound");
}

TEST(ChannelDirectLine, BadInputGetsItsStatusAndTheConversationStaysUsable) {
  harness h;
  const auto conv = h.start_conversation();
  const auto path = conv_path(id_of(conv), "/activities");
  const auto t = token_of(conv);
  struct bad {
    std::string body;
    std::string content_type;
    int status;
    std::string code;
  };
  for (const auto& b : std::vector<bad>{
           {"{\"type\":\"message\",", "application/json", 400, "BadSyntax"},
           {"{\"type\":\"message\",\"type\":\"event\"}", "application/json", 400, "BadSyntax"},  // duplicate member
           {"{\"type\":\"message\"}", "text/plain", 415, "UnsupportedMediaType"},
           {"[1,2]", "application/json", 400, "BadArgument"},
           {"{\"text\":\"no type\"}", "application/json", 400, "BadArgument"},
           {R"({"type":"event","name":"tokens/response","value":{"token":"stolen"}})", "application/json", 400, "BadArgument"},
           {R"({"type":"invoke","name":"signin/verifyState","value":{"state":"123456"}})", "application/json", 400, "BadArgument"},
           {R"({"type":"event","name":"handoff.initiate"})", "application/json", 400, "BadArgument"},
           {R"({"type":"message","from":{"id":"x","role":"bot"}})", "application/json", 400, "BadArgument"},
           {R"({"type":"conversationUpdate"})", "application/json", 400, "BadArgument"},
           {"{\"type\":\"message\",\"text\":\"" + std::string(300 * 1024, 'x') + "\"}", "application/json", 413, "PayloadTooLarge"},
       }) {
    auto r = h.call(method::post, path, t, b.body, b.content_type);
    EXPECT_EQ(r.status, b.status) << b.body.substr(0, 80);
    EXPECT_EQ(r.code(), b.code) << b.body.substr(0, 80) << " -> " << r.body;
  }
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities?watermark=abc"), t).status, 400);
  // Nothing of that was stored, and the conversation works.
  auto ok = h.post(path, t, message("still here"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  const auto activities = poll_until(h, id_of(conv), t, 2);
  EXPECT_EQ(activities.size(), 2u);
}

TEST(ChannelDirectLine, BotTimeoutIs504WhileLateRepliesStillArrive) {
  harness::settings st;
  st.bot_timeout = 500ms;
  harness h(st);
  const auto conv = h.start_conversation();
  h.bot().set_mode(test_bot::mode::late);  // answers after 1.5 s, replying through the Connector first
  const auto start = std::chrono::steady_clock::now();
  auto r = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("slow"));
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.code(), "BotError");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
  // The late reply is accepted and delivered; the echo was there from the start.
  const auto activities = poll_until(h, id_of(conv), token_of(conv), 2);
  ASSERT_EQ(activities.size(), 2u);
  EXPECT_EQ(activities[1].at("text"), "echo: slow");
  h.bot().set_mode(test_bot::mode::echo);
  EXPECT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("fast", "c-2")).status, 200);
}

// A failing (502) and a hanging (504) bot are tested over both delivery paths in
// channel_delivery_test.cpp; an HTTP bot answering garbage exists only on the protocol path.
TEST(ChannelDirectLine, BotThatAnswersGarbageIsBotError) {
  garbage_server garbage;
  harness::settings st;
  st.bot_endpoint = "http://127.0.0.1:" + std::to_string(garbage.port()) + "/api/messages";
  harness h(st);
  const auto conv = h.start_conversation();
  auto r = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("x"));
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.code(), "BotError");
  EXPECT_EQ(poll_until(h, id_of(conv), token_of(conv), 1).size(), 1u);
}

TEST(ChannelDirectLine, RetriedSendWithTheSameClientActivityIdIsStoredOnce) {
  harness h;
  const auto conv = h.start_conversation();
  h.bot().set_mode(test_bot::mode::fail);
  EXPECT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("hi", "same")).status, 502);
  h.bot().set_mode(test_bot::mode::echo);
  auto retry = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("hi", "same"));
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.json().at("id").as_string(), id_of(conv) + "|0000002");
  const auto activities = poll_until(h, id_of(conv), token_of(conv), 2);
  ASSERT_EQ(activities.size(), 2u);  // one echo, one reply
  EXPECT_EQ(activities[1].at("text"), "echo: hi");
}

TEST(ChannelDirectLine, ReconnectGivesAStreamUrlAndAcceptsEmptyWatermark) {
  harness h;
  const auto conv = h.start_conversation();
  auto r = h.get(conv_path(id_of(conv), "?watermark="), token_of(conv));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(id_of(r.json()), id_of(conv));
  EXPECT_TRUE(r.json().contains("token"));
  EXPECT_NE(r.json().at("streamUrl"), conv.at("streamUrl"));
  // A backend holding the secret gets a token and stream URL for a conversation whose token it
  // does not have (a new session of its own).
  auto revived = h.get(conv_path(id_of(conv), "?watermark=3"), secret_a);
  ASSERT_EQ(revived.status, 200);
  EXPECT_EQ(jwt_payload(token_of(revived.json())).at("user"), jwt_payload(token_of(conv)).at("user"));
  EXPECT_NE(jwt_payload(token_of(revived.json())).at("sid"), jwt_payload(token_of(conv)).at("sid"));
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities"), token_of(revived.json())).status, 200);
  // Once the client's session has expired the conversation is over (the bot heard it):
  // nothing revives it (channel_sessions_test.cpp).
  h.clock().advance(40min);
  EXPECT_EQ(h.get(conv_path(id_of(conv), "?watermark=3"), token_of(conv)).code(), "TokenExpired");
}

// The path and query of a ws:// URL.
std::string target_of(const std::string& url) { return url.substr(url.find('/', 5)); }

// Reads frames until `n` activities have arrived (keep-alive "" frames are skipped).
std::vector<json::object> read_activities(net::test::ws_client& ws, std::size_t n) {
  std::vector<json::object> out;
  while (out.size() < n) {
    auto m = ws.read(5s);
    if (!m) break;
    if (m->text.empty()) continue;
    auto o = core::parse_json_object(m->text);
    if (!o) break;
    EXPECT_TRUE(o->contains("watermark"));
    for (const auto& a : o->at("activities").as_array()) out.push_back(a.as_object());
  }
  return out;
}

TEST(ChannelDirectLine, StreamReplaysThenGoesLiveWithTypingOnlyThere) {
  harness h;
  const auto conv = h.start_conversation();
  const auto t = token_of(conv);
  // Posted before the socket opens: replayed on connect (the conversationUpdate is not).
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), t, message("early")).status, 200);
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  auto replayed = read_activities(ws, 2);
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_EQ(replayed[0].at("text"), "early");
  EXPECT_EQ(replayed[1].at("text"), "echo: early");
  EXPECT_TRUE(ws.write(""));  // directlinejs' keep-alive is ignored
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), t, json::object{{"type", "typing"}}).status, 200);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), t, message("live", "c-2")).status, 200);
  auto live = read_activities(ws, 3);
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[0].at("type"), "typing");
  EXPECT_EQ(live[1].at("text"), "live");
  EXPECT_EQ(live[2].at("text"), "echo: live");
  // Polling never shows the typing.
  const auto polled = poll_until(h, id_of(conv), t, 4);
  EXPECT_EQ(polled.size(), 4u);
  for (const auto& a : polled) EXPECT_NE(a.at("type"), "typing");
}

TEST(ChannelDirectLine, StreamTokenIsSingleUseAndOneSocketPerConversation) {
  harness h;
  const auto conv = h.start_conversation();
  const auto target = target_of(std::string(conv.at("streamUrl").as_string()));
  net::test::ws_client first;
  ASSERT_EQ(first.connect(h.port(), target), 101);
  net::test::ws_client reused;
  EXPECT_EQ(reused.connect(h.port(), target), 403);  // usable once
  net::test::ws_client no_token;
  EXPECT_EQ(no_token.connect(h.port(), conv_path(id_of(conv), "/stream?watermark=-")), 401);

  // A second socket (fresh stream URL) closes the first with "collision".
  auto again = h.get(conv_path(id_of(conv), "?watermark="), token_of(conv));
  net::test::ws_client second;
  ASSERT_EQ(second.connect(h.port(), target_of(std::string(again.json().at("streamUrl").as_string()))), 101);
  for (int i = 0; i < 20 && !first.closed(); ++i) (void)first.read(250ms);
  EXPECT_TRUE(first.closed());
  EXPECT_EQ(std::string(first.reason().reason.c_str()), "collision");
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("to the second")).status, 200);
  auto got = read_activities(second, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].at("text"), "to the second");

  // An expired stream token.
  auto late = h.get(conv_path(id_of(conv), "?watermark="), token_of(conv));
  h.clock().advance(2min);
  net::test::ws_client expired;
  EXPECT_EQ(expired.connect(h.port(), target_of(std::string(late.json().at("streamUrl").as_string()))), 403);
}

// What another node did with a stream token, as the shared store tells it (ADR 0025).
class shared_uses_stub final : public store::single_use_store {
 public:
  enum class answer { first_use, used_elsewhere, database_down };
  answer next = answer::first_use;
  std::vector<std::string> seen;  // "tenant/conversation/jti"
  asio::awaitable<result<bool>> use_once(std::string tenant, std::string conversation, std::string id) override {
    seen.push_back(tenant + "/" + conversation + "/" + id);
    if (next == answer::database_down)
      co_return result<bool>(boost::system::in_place_error, make_error_code(store::errc::unavailable));
    co_return next == answer::first_use;
  }
};

std::string jti_of_stream_url(const std::string& url) {
  const auto t = url.substr(url.find("t=") + 2);
  const auto first = t.find('.');
  auto payload = core::base64url_decode_string(t.substr(first + 1, t.find('.', first + 1) - first - 1));
  return std::string(json::parse(*payload).as_object().at("jti").as_string());
}

TEST(ChannelDirectLine, AStreamTokenSpentOnAnotherNodeIsRefusedAndADatabaseDownRefusesWith503) {
  shared_uses_stub uses;
  harness::settings st;
  st.shared_uses = &uses;
  harness h(st);
  const auto conv = h.start_conversation();
  const std::string url(conv.at("streamUrl").as_string());
  net::test::ws_client first;
  ASSERT_EQ(first.connect(h.port(), target_of(url)), 101);
  ASSERT_EQ(uses.seen.size(), 1u);  // recorded under the token's own jti
  EXPECT_EQ(uses.seen[0], "bankx/" + id_of(conv) + "/" + jti_of_stream_url(url));

  uses.next = shared_uses_stub::answer::used_elsewhere;  // this node never saw it; another did
  auto again = h.get(conv_path(id_of(conv), "?watermark="), token_of(conv));
  net::test::ws_client elsewhere;
  EXPECT_EQ(elsewhere.connect(h.port(), target_of(std::string(again.json().at("streamUrl").as_string()))), 403);

  uses.next = shared_uses_stub::answer::database_down;  // fail closed, and say why
  auto third = h.get(conv_path(id_of(conv), "?watermark="), token_of(conv));
  net::test::ws_client down;
  EXPECT_EQ(down.connect(h.port(), target_of(std::string(third.json().at("streamUrl").as_string()))), 503);
}

TEST(ChannelDirectLine, ReconnectWithWatermarkLosesNothingAndRepeatsNothing) {
  harness h;
  const auto conv = h.start_conversation();
  const auto t = token_of(conv);
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), t, message("one", "c-1")).status, 200);
  auto got = read_activities(ws, 2);
  ASSERT_EQ(got.size(), 2u);
  const std::string watermark = [&] {
    const std::string last(got.back().at("id").as_string());
    return last.substr(last.find('|') + 1);
  }();
  ws.close(1000);
  // While disconnected:
  ASSERT_EQ(h.post(conv_path(id_of(conv), "/activities"), t, message("two", "c-2")).status, 200);
  auto r = h.get(conv_path(id_of(conv), "?watermark=" + watermark), t);
  net::test::ws_client again;
  ASSERT_EQ(again.connect(h.port(), target_of(std::string(r.json().at("streamUrl").as_string()))), 101);
  auto rest = read_activities(again, 2);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].at("text"), "two");
  EXPECT_EQ(rest[1].at("text"), "echo: two");
  auto extra = again.read(300ms);  // nothing repeated after the replay (a keep-alive at most)
  EXPECT_TRUE(!extra || extra->text.empty());
}

std::string multipart(const std::string& boundary, const std::string& activity, const std::string& file_type,
                      const std::string& file) {
  return "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"activity\"; filename=\"blob\"\r\n"
         "Content-Type: application/vnd.microsoft.activity\r\n\r\n" +
         activity + "\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\nContent-Type: " + file_type +
         "\r\n\r\n" + file + "\r\n--" + boundary + "--\r\n";
}

TEST(ChannelDirectLine, UploadStoresFilesAndServesThemToTheConversationOnly) {
  harness h;
  const auto conv = h.start_conversation();
  const auto other = h.start_conversation();
  const auto t = token_of(conv);
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(1000, '\x01');
  const auto body = multipart("b0undary", R"({"type":"message","text":"my scan","channelData":{"clientActivityID":"u-1"},
      "attachments":[{"contentType":"image/png","name":"scan.png"}]})", "image/png", png);
  auto r = h.call(method::post, conv_path(id_of(conv), "/upload?userId=dl_whoever"), t, body,
                  "multipart/form-data; boundary=b0undary");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto activities = poll_until(h, id_of(conv), t, 1);
  ASSERT_GE(activities.size(), 1u);
  const auto& echo = activities[0];
  EXPECT_EQ(echo.at("text"), "my scan");
  const auto& att = echo.at("attachments").at(0);
  EXPECT_EQ(att.at("contentType"), "image/png");
  EXPECT_EQ(att.at("name"), "scan.png");
  const std::string url(att.at("contentUrl").as_string());
  ASSERT_TRUE(url.starts_with(h.base_url()));
  const auto path = url.substr(h.base_url().size());
  auto file = h.get(path, t);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, png);
  EXPECT_EQ(std::string(file.headers.get("content-type").value_or("")), "image/png");
  EXPECT_EQ(h.get(path, "").status, 401);
  EXPECT_EQ(h.get(path, token_of(other)).status, 403);
  // The bot got the same contentUrl and reads the file with its Connector bearer; another bot cannot.
  EXPECT_EQ(h.get(path, h.bot_token()).body, png);
  EXPECT_NE(h.get(path, h.bot_token("app-other")).status, 200);

  // A raw single file, a type that is not allowed, and a file over the limit.
  net::header_map disposition;
  disposition.set("Content-Disposition", "attachment; name=\"file\"; filename=\"note.txt\"");
  EXPECT_EQ(h.call(method::post, conv_path(id_of(conv), "/upload"), t, "plain text", "text/plain", disposition).status, 200);
  auto exe = h.call(method::post, conv_path(id_of(conv), "/upload"), t,
                    multipart("b", R"({"type":"message"})", "application/x-msdownload", "MZ"), "multipart/form-data; boundary=b");
  EXPECT_EQ(exe.status, 415);
  EXPECT_EQ(exe.code(), "UnsupportedMediaType");
  auto big = h.call(method::post, conv_path(id_of(conv), "/upload"), t,
                    multipart("b", R"({"type":"message"})", "image/png", std::string(300 * 1024, 'x')),
                    "multipart/form-data; boundary=b");
  EXPECT_EQ(big.status, 413);
  auto broken = h.call(method::post, conv_path(id_of(conv), "/upload"), t, "--b\r\ngarbage", "multipart/form-data; boundary=b");
  EXPECT_EQ(broken.status, 400);
}

TEST(ChannelDirectLine, CorsSessionIdAndOrigins) {
  harness h;
  const auto conv = h.start_conversation(json::object{{"trustedOrigins", json::array{"https://www.bankx.example"}}});
  net::header_map preflight;
  preflight.set("Origin", "https://www.bankx.example");
  preflight.set("Access-Control-Request-Method", "POST");
  preflight.set("Access-Control-Request-Headers", "authorization,content-type,x-ms-bot-agent");
  auto p = h.call(method::options, conv_path(id_of(conv), "/activities"), {}, {}, {}, preflight);
  EXPECT_EQ(p.status, 204) << p.body;
  EXPECT_EQ(std::string(p.headers.get("access-control-allow-origin").value_or("")), "https://www.bankx.example");
  preflight.set("Origin", "https://evil.example");
  EXPECT_EQ(h.call(method::options, conv_path(id_of(conv), "/activities"), {}, {}, {}, preflight).status, 403);

  // The other bot's origin passes the preflight (no credentials there) but not this bot's check.
  net::header_map other_origin;
  other_origin.set("Origin", "https://www.other.example");
  EXPECT_EQ(h.call(method::get, conv_path(id_of(conv), "/activities"), token_of(conv), {}, {}, other_origin).status, 403);

  net::header_map origin;
  origin.set("Origin", "https://www.bankx.example");
  auto s = h.call(method::get, "/v3/directline/session/getsessionid", token_of(conv), {}, {}, origin);
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(std::string(s.headers.get("access-control-allow-credentials").value_or("")), "true");
  const std::string session(s.json().at("sessionId").as_string());
  const auto cookie = std::string(s.headers.get("set-cookie").value_or(""));
  ASSERT_TRUE(cookie.starts_with("dlsession="));
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  origin.set("Cookie", cookie.substr(0, cookie.find(';')));
  auto same = h.call(method::get, "/v3/directline/session/getsessionid", token_of(conv), {}, {}, origin);
  EXPECT_EQ(same.json().at("sessionId").as_string(), session);  // the same browser, the same id
  EXPECT_FALSE(same.headers.contains("set-cookie"));
  // A planted second cookie of the same name is refused, never resolved by taking the first.
  origin.set("Cookie", cookie.substr(0, cookie.find(';')) + "; dlsession=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(h.call(method::get, "/v3/directline/session/getsessionid", token_of(conv), {}, {}, origin).status, 400);
}

// Over https the session cookie is a "__Host-" cookie (Secure, Path=/, no Domain), so that no
// sibling host or plain-http page can plant or overwrite it; a cookie without the prefix is not it.
TEST(ChannelDirectLine, SessionCookieIsHostPrefixedOverHttps) {
  harness::settings st;
  st.anonymous_bot = true;  // the bot's own token request would name the https scope
  st.tweak = [](options& o) { o.public_url = "https://chat.bank.example"; };
  harness h(st);
  const auto conv = h.start_conversation(json::object{{"trustedOrigins", json::array{"https://www.bankx.example"}}});
  net::header_map origin;
  origin.set("Origin", "https://www.bankx.example");
  auto s = h.call(method::get, "/v3/directline/session/getsessionid", token_of(conv), {}, {}, origin);
  ASSERT_EQ(s.status, 200) << s.body;
  const auto cookie = std::string(s.headers.get("set-cookie").value_or(""));
  ASSERT_TRUE(cookie.starts_with("__Host-dlsession=")) << cookie;
  EXPECT_NE(cookie.find("; Path=/;"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=None"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Domain"), std::string::npos) << cookie;
  const std::string session(s.json().at("sessionId").as_string());
  const auto pair = cookie.substr(0, cookie.find(';'));
  origin.set("Cookie", "dlsession=" + pair.substr(pair.find('=') + 1));  // the unprefixed name is not read
  auto other = h.call(method::get, "/v3/directline/session/getsessionid", token_of(conv), {}, {}, origin);
  EXPECT_NE(other.json().at("sessionId").as_string(), session);
  origin.set("Cookie", pair);
  auto same = h.call(method::get, "/v3/directline/session/getsessionid", token_of(conv), {}, {}, origin);
  EXPECT_EQ(same.json().at("sessionId").as_string(), session);
  EXPECT_FALSE(same.headers.contains("set-cookie"));
}

// A poll over the rate waits its turn (directlinejs stops polling for good on a 429), spaced at the
// sustained rate; once the conversation's queued polls would wait longer than max_throttle_delay the
// delay budget is spent and the poll is refused (issue 14: nobody parks unbounded waiting requests).
TEST(ChannelDirectLine, PollingIsDelayedWithinItsBudgetThenRefused) {
  harness::settings st;
  st.conversation_rate = 10;  // burst 40, then a token per 100 ms (of the fake clock, which stands still)
  st.max_throttle_delay = 250ms;
  harness h(st);
  const auto conv = h.start_conversation();
  const auto path = conv_path(id_of(conv), "/activities?watermark=");
  for (int i = 0; i < 40; ++i) ASSERT_EQ(h.get(path, token_of(conv)).status, 200) << "poll " << i;
  for (const auto wait : {100ms, 200ms}) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(h.get(path, token_of(conv)).status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - start, wait - 10ms);
  }
  const auto start = std::chrono::steady_clock::now();
  auto refused = h.get(path, token_of(conv));
  EXPECT_EQ(refused.status, 429);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);  // refused without waiting
  auto post = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), message("x"));
  EXPECT_EQ(post.status, 429);
  EXPECT_EQ(post.code(), "TooManyRequests");
  EXPECT_EQ(std::string(post.headers.get("retry-after").value_or("")), "1");
}

// Issue 14: a conversation's bucket is charged only once the caller is authorised for that
// conversation: a token of another conversation cannot spend it.
TEST(ChannelDirectLine, OnlyTheConversationsHoldersSpendItsBucket) {
  harness::settings st;
  st.conversation_rate = 1;  // burst 4; the fake clock stands still
  st.max_throttle_delay = 0ms;
  harness h(st);
  const auto victim = h.start_conversation();
  const auto attacker = h.start_conversation();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(h.get(conv_path(id_of(victim), "/activities?watermark="), token_of(attacker)).status, 403);
    EXPECT_EQ(h.post(conv_path(id_of(victim), "/activities"), token_of(attacker), message("x")).status, 403);
  }
  EXPECT_EQ(h.post(conv_path(id_of(victim), "/activities"), token_of(victim), message("mine")).status, 200);
  EXPECT_EQ(h.get(conv_path(id_of(victim), "/activities?watermark="), token_of(victim)).status, 200);
}

TEST(ChannelDirectLine, NoTokenOrSecretInTheLogs) {
  core::testing::log_capture logs;
  std::string token;
  {
    harness h;
    const auto conv = h.start_conversation();
    token = token_of(conv);
    (void)h.post(conv_path(id_of(conv), "/activities"), token, message("a private message text"));
    (void)poll_until(h, id_of(conv), token, 2);
  }
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.find(secret_a), std::string::npos) << line;
    EXPECT_EQ(line.find(token.substr(0, 40)), std::string::npos) << line;
    EXPECT_EQ(line.find("a private message text"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace parley::channel::test
