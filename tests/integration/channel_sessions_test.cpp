// Token sessions against the real channel (issue 14 §1, "Endless sessions from one stolen token"):
// refresh rotates (10 s of grace), a replaced token presented to refresh revokes the session, the
// reconnect GET mints nothing, no token outlives max_session, streams close when their session
// ends (4401) or is revoked (4403), tokens/revoke (bots only) and endOfConversation from either
// side end the conversation's tokens, and the bot hears when a conversation expires.
#include "channel_fixture.hpp"
#include "ws_client.hpp"

namespace parley::channel::test {
namespace {

using net::method;

std::string token_of(const json::object& o) { return std::string(o.at("token").as_string()); }
std::string id_of(const json::object& o) { return std::string(o.at("conversationId").as_string()); }
std::string conv_path(const std::string& id, const std::string& rest = {}) {
  return "/v3/directline/conversations/" + id + rest;
}
std::string target_of(const std::string& url) { return url.substr(url.find('/', 5)); }
json::object payload_of(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return *core::parse_json_object(*core::base64url_decode_string(token.substr(a + 1, b - a - 1)));
}
json::object message(std::string text) { return json::object{{"type", "message"}, {"text", std::move(text)}}; }

http_result refresh(harness& h, const std::string& token) {
  return h.call(method::post, "/v3/directline/tokens/refresh", token, {}, {});
}

// Waits (real time: the sweeper runs every second) until the socket is closed; its close code.
std::uint16_t close_code(net::test::ws_client& ws, std::chrono::seconds within = 10s) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!ws.closed() && std::chrono::steady_clock::now() < until) (void)ws.read(250ms);
  return ws.closed() ? static_cast<std::uint16_t>(ws.reason().code) : 0;
}

// The endOfConversation activities the bot received, by code.
std::vector<std::string> ends_seen_by_bot(harness& h) {
  std::vector<std::string> codes;
  for (const auto& r : h.bot().received()) {
    if (r.activity.contains("type") && r.activity.at("type") == "endOfConversation") {
      codes.emplace_back(r.activity.contains("code") ? std::string(r.activity.at("code").as_string()) : "");
    }
  }
  return codes;
}
bool bot_hears_end(harness& h, std::string_view code) {
  for (int i = 0; i < 500; ++i) {
    for (const auto& c : ends_seen_by_bot(h)) {
      if (c == code) return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(ChannelSessions, RefreshRotatesTheTokenWithTenSecondsOfGrace) {
  harness h;
  const auto conv = h.start_conversation();
  const auto first = token_of(conv);
  auto r = refresh(h, first);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto second = token_of(r.json());
  EXPECT_EQ(payload_of(second).at("sid"), payload_of(first).at("sid"));
  EXPECT_EQ(payload_of(second).at("sst"), payload_of(first).at("sst"));
  EXPECT_EQ(payload_of(second).at("gen").as_int64(), 1);
  h.clock().advance(9s);  // a request sent with the old token while the refresh was under way
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities"), first).status, 200);
  h.clock().advance(2s);
  for (const auto& [m, path] : std::vector<std::pair<method, std::string>>{
           {method::get, conv_path(id_of(conv), "/activities")},
           {method::get, conv_path(id_of(conv), "?watermark=")},
           {method::post, conv_path(id_of(conv), "/activities")}}) {
    auto dead = h.call(m, path, first, json::serialize(message("late")));
    EXPECT_EQ(dead.status, 403) << path;
    EXPECT_EQ(dead.code(), "TokenExpired") << path;
  }
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities"), second).status, 200);
}

TEST(ChannelSessions, AReplacedTokenPresentedToRefreshRevokesTheWholeSession) {
  harness h;
  const auto conv = h.start_conversation();
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  const auto stolen = token_of(conv);
  auto owner = refresh(h, stolen);  // the owner refreshes first
  ASSERT_EQ(owner.status, 200);
  h.clock().advance(11s);
  auto thief = refresh(h, stolen);  // then the thief tries the copy it took
  EXPECT_EQ(thief.status, 403);
  EXPECT_EQ(thief.code(), "TokenRevoked");
  // The channel cannot tell who is who: the whole session ends, the owner's newest token too.
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities"), token_of(owner.json())).code(), "TokenRevoked");
  EXPECT_EQ(refresh(h, token_of(owner.json())).code(), "TokenRevoked");
  EXPECT_EQ(close_code(ws), 4403);
  EXPECT_TRUE(bot_hears_end(h, "sessionRevoked")) << "the bot ends the user's login";
}

TEST(ChannelSessions, TheReconnectGetMintsNoToken) {
  harness h;
  const auto conv = h.start_conversation();
  auto r = h.get(conv_path(id_of(conv), "?watermark="), token_of(conv));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(token_of(r.json()), token_of(conv)) << "the same token, never a longer one";
  EXPECT_LE(r.json().at("expires_in").as_int64(), 1800);
  h.clock().advance(31min);
  EXPECT_EQ(h.get(conv_path(id_of(conv), "?watermark="), token_of(conv)).code(), "TokenExpired");
}

TEST(ChannelSessions, NoTokenOutlivesMaxSessionAndTheStreamClosesThen) {
  harness::settings st;
  st.tweak = [](options& o) {
    o.allow_short_token_lifetime = true;
    for (auto& t : o.tenants) {
      if (t.id == "bankx") t.max_session = 20min;
    }
  };
  harness h(st);
  const auto conv = h.start_conversation();
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  const auto start = payload_of(token_of(conv)).at("sst").as_int64();
  EXPECT_EQ(payload_of(token_of(conv)).at("exp").as_int64() - start, 20 * 60) << "cut at the session's end";
  // directlinejs refreshes every 15 minutes: the session still ends 20 minutes after it started.
  std::string t = token_of(conv);
  h.clock().advance(15min);
  auto r = refresh(h, t);
  ASSERT_EQ(r.status, 200);
  t = token_of(r.json());
  EXPECT_EQ(payload_of(t).at("exp").as_int64(), start + 20 * 60);
  EXPECT_EQ(r.json().at("expires_in").as_int64(), 5 * 60);
  h.clock().advance(5min);
  auto over = refresh(h, t);
  EXPECT_EQ(over.status, 403);
  EXPECT_EQ(over.code(), "TokenExpired");
  EXPECT_EQ(close_code(ws), 4401);
  EXPECT_TRUE(bot_hears_end(h, "sessionExpired")) << "the channel's conversation expiry reaches the bot";
}

TEST(ChannelSessions, AStreamClosesWhenItsSessionExpiresUnrefreshed) {
  harness h;
  const auto conv = h.start_conversation();
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  h.clock().advance(29min);
  std::this_thread::sleep_for(1500ms);  // a sweep at 29 minutes: nothing ends yet
  EXPECT_FALSE(ws.closed());
  h.clock().advance(2min);
  EXPECT_EQ(close_code(ws), 4401);
  EXPECT_TRUE(bot_hears_end(h, "sessionExpired"));
  // The conversation is over: a secret holder cannot revive it.
  EXPECT_EQ(h.get(conv_path(id_of(conv), "?watermark="), secret_a).status, 404);
}

TEST(ChannelSessions, RevokeIsForBotsAndEndsTheSessions) {
  harness h;
  const auto a = h.start_conversation();
  const auto b = h.start_conversation();
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(a.at("streamUrl").as_string()))), 101);
  const json::object by_conversation{{"conversationId", id_of(a)}};
  // Not with a conversation token, not another bot's secret, not for a conversation of another bot.
  EXPECT_EQ(h.post("/v3/directline/tokens/revoke", token_of(a), by_conversation).status, 403);
  EXPECT_EQ(h.post("/v3/directline/tokens/revoke", secret_b, by_conversation).status, 404);
  EXPECT_EQ(h.post("/v3/directline/tokens/revoke", secret_a, json::object{{"x", 1}}).status, 400);
  auto r = h.post("/v3/directline/tokens/revoke", secret_a, by_conversation);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("revoked").as_int64(), 1);
  EXPECT_EQ(close_code(ws), 4403);
  EXPECT_EQ(h.get(conv_path(id_of(a), "/activities"), token_of(a)).code(), "TokenRevoked");
  EXPECT_EQ(h.post(conv_path(id_of(a), "/activities"), token_of(a), message("after")).code(), "TokenRevoked");
  EXPECT_TRUE(bot_hears_end(h, "sessionRevoked"));
  EXPECT_EQ(h.get(conv_path(id_of(b), "/activities"), token_of(b)).status, 200) << "other conversations live on";
  // By token, with the bot's access token from the token endpoint.
  auto by_token = h.post("/v3/directline/tokens/revoke", h.bot_token(), json::object{{"token", token_of(b)}});
  ASSERT_EQ(by_token.status, 200) << by_token.body;
  EXPECT_EQ(by_token.json().at("revoked").as_int64(), 1);
  EXPECT_EQ(h.get(conv_path(id_of(b), "/activities"), token_of(b)).code(), "TokenRevoked");
}

TEST(ChannelSessions, TheClientsEndOfConversationEndsItsTokensAfterTheBotHasIt) {
  harness h;
  const auto conv = h.start_conversation();
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(h.port(), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  auto end = h.post(conv_path(id_of(conv), "/activities"), token_of(conv), json::object{{"type", "endOfConversation"}});
  ASSERT_EQ(end.status, 200) << end.body;
  EXPECT_TRUE(bot_hears_end(h, "")) << "the client's own endOfConversation reached the bot";
  // Its echo arrives, then the stream closes with 4403.
  bool echoed = false;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!ws.closed() && std::chrono::steady_clock::now() < until) {
    auto m = ws.read(250ms);
    if (m && m->text.find("endOfConversation") != std::string::npos) echoed = true;
  }
  EXPECT_TRUE(echoed);
  EXPECT_EQ(static_cast<int>(ws.reason().code), 4403);
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities"), token_of(conv)).code(), "TokenRevoked");
  EXPECT_EQ(refresh(h, token_of(conv)).code(), "TokenRevoked");
  auto stored = asio::co_spawn(h.io(), h.store().get_conversation("bankx", id_of(conv)), asio::use_future).get();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->state, store::conversation_state::ended);
}

TEST(ChannelSessions, TheBotsEndOfConversationEndsTheClientsTokens) {
  harness h;
  const auto conv = h.start_conversation();
  auto end = h.call(method::post, "/v3/conversations/" + id_of(conv) + "/activities", h.bot_token(),
                    json::serialize(json::object{{"type", "endOfConversation"}, {"code", "completedSuccessfully"}}));
  ASSERT_EQ(end.status, 200) << end.body;
  EXPECT_EQ(h.get(conv_path(id_of(conv), "/activities"), token_of(conv)).code(), "TokenRevoked");
}

}  // namespace
}  // namespace parley::channel::test
