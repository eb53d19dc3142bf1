// The bot side of the channel against real sockets: the client-credentials token endpoint and the
// documents bots read, the Connector API with its authentication rules, idempotent retries,
// updates, deletions, members, attachments, and anonymous bots on loopback.
#include "channel_fixture.hpp"

namespace parley::channel::test {
namespace {

using net::method;

std::string conv_id(const json::object& o) { return std::string(o.at("conversationId").as_string()); }

http_result bot_post(harness& h, const std::string& conv, const std::string& token, const json::object& activity,
                     const std::string& request_id = {}, const std::string& suffix = {}) {
  net::header_map extra;
  if (!request_id.empty()) extra.set("x-ms-client-request-id", request_id);
  return h.call(method::post, "/v3/conversations/" + conv + "/activities" + suffix, token, json::serialize(activity),
                "application/json", extra);
}

json::array client_view(harness& h, const json::object& conv) {
  auto r = h.get("/v3/directline/conversations/" + conv_id(conv) + "/activities?watermark=",
                 std::string(conv.at("token").as_string()));
  return r.json().at("activities").as_array();
}

TEST(ChannelConnector, TokenEndpointAndMetadata) {
  harness h;
  const auto base = h.base_url();
  auto meta = h.get("/botframework.com/v2.0/.well-known/openid-configuration", {});
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(meta.json().at("token_endpoint").as_string(), base + "/botframework.com/oauth2/v2.0/token");
  EXPECT_EQ(meta.json().at("authorization_endpoint").as_string(), base + "/botframework.com/oauth2/v2.0/authorize");
  EXPECT_TRUE(meta.json().contains("issuer"));
  auto keys = h.get(std::string(meta.json().at("jwks_uri").as_string()).substr(base.size()), {});
  EXPECT_EQ(keys.status, 200);
  EXPECT_EQ(h.get("/nosuchtenant/v2.0/.well-known/openid-configuration", {}).status, 404);

  auto to_bot = h.get("/v1/.well-known/openidconfiguration", {});
  ASSERT_EQ(to_bot.status, 200);
  auto jwks = h.get(std::string(to_bot.json().at("jwks_uri").as_string()).substr(base.size()), {});
  ASSERT_EQ(jwks.status, 200);
  const auto jwks_doc = jwks.json();
  const auto& key = jwks_doc.at("keys").at(0);
  EXPECT_EQ(key.at("kty"), "RSA");
  EXPECT_EQ(key.at("endorsements").at(0), "directline");

  const auto form = [&](const std::string& fields) {
    return h.call(method::post, "/botframework.com/oauth2/v2.0/token", {}, fields, "application/x-www-form-urlencoded");
  };
  const std::string scope = "&scope=" + h.scope_encoded() + "%2F.default";
  auto ok = form("grant_type=client_credentials&client_id=app-bankx&client_secret=" + password_a + scope +
                 "&x-client-SKU=msal.js.node&client-request-id=abc");  // MSAL's telemetry is ignored
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json().at("token_type"), "Bearer");
  EXPECT_EQ(ok.json().at("expires_in").as_int64(), 3600);
  EXPECT_TRUE(ok.json().contains("access_token"));
  EXPECT_EQ(std::string(ok.headers.get("cache-control").value_or("")), "no-store");

  auto wrong = form("grant_type=client_credentials&client_id=app-bankx&client_secret=wrong-password-0123456789" + scope);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json().at("error"), "invalid_client");
  EXPECT_EQ(form("grant_type=client_credentials&client_id=nobody&client_secret=" + password_a + scope).status, 401);
  EXPECT_EQ(form("grant_type=password&client_id=app-bankx&client_secret=" + password_a + scope).json().at("error"),
            "unsupported_grant_type");
  EXPECT_EQ(form("grant_type=client_credentials&client_id=app-bankx&client_secret=" + password_a +
                 "&scope=https%3A%2F%2Fapi.botframework.com%2F.default")
                .json()
                .at("error"),
            "invalid_scope");
  EXPECT_EQ(form("grant_type=client_credentials&grant_type=client_credentials").json().at("error"), "invalid_request");
  // Bot A's app id under bot B's tenant.
  EXPECT_EQ(h.call(method::post, "/otherbank/oauth2/v2.0/token", {},
                   "grant_type=client_credentials&client_id=app-bankx&client_secret=" + password_a + scope,
                   "application/x-www-form-urlencoded")
                .status,
            401);
  // HTTP Basic client authentication (client_secret_basic).
  net::header_map basic;
  basic.set("Authorization", "Basic " + core::base64_encode(std::span<const std::uint8_t>(
                                             reinterpret_cast<const std::uint8_t*>(("app-bankx:" + password_a).data()),
                                             ("app-bankx:" + password_a).size())));
  EXPECT_EQ(h.call(method::post, "/botframework.com/oauth2/v2.0/token", {}, "grant_type=client_credentials" + scope,
                   "application/x-www-form-urlencoded", basic)
                .status,
            200);
}

TEST(ChannelConnector, BotTokenMustBelongToTheConversationsBot) {
  harness h;
  const auto conv = h.start_conversation();
  const auto mine = h.bot_token();
  const auto other = h.bot_token("app-other");
  const json::object reply{{"type", "message"}, {"text", "proactive hello"}, {"from", {{"id", "dl_someone"}}}};
  EXPECT_EQ(bot_post(h, conv_id(conv), other, reply).status, 404);  // other tenant: does not exist for it
  EXPECT_EQ(bot_post(h, conv_id(conv), "", reply).status, 401);     // no token (not an anonymous bot)
  EXPECT_EQ(bot_post(h, conv_id(conv), "garbage.token.here", reply).status, 403);
  // A Direct Line token is not a bot token.
  EXPECT_EQ(bot_post(h, conv_id(conv), std::string(conv.at("token").as_string()), reply).status, 403);
  auto ok = bot_post(h, conv_id(conv), mine, reply);
  ASSERT_EQ(ok.status, 200) << ok.body;
  const auto view = client_view(h, conv);
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view[0].at("from").at("id"), "bankx-assistant");  // the channel sets `from`
  EXPECT_EQ(view[0].at("text"), "proactive hello");
  h.clock().advance(2h);
  auto expired = bot_post(h, conv_id(conv), mine, reply);
  EXPECT_EQ(expired.status, 403);
  EXPECT_EQ(expired.code(), "TokenExpired");
}

TEST(ChannelConnector, RetriedPostsAreIdempotentByClientRequestId) {
  harness h;
  const auto conv = h.start_conversation();
  const auto token = h.bot_token();
  const json::object reply{{"type", "message"}, {"text", "once"}};
  auto a = bot_post(h, conv_id(conv), token, reply, "11111111-aaaa");
  auto b = bot_post(h, conv_id(conv), token, reply, "11111111-aaaa");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.json().at("id"), b.json().at("id"));
  EXPECT_EQ(client_view(h, conv).size(), 1u);
  // Without the header, two identical bodies are two messages.
  bot_post(h, conv_id(conv), token, reply);
  bot_post(h, conv_id(conv), token, reply);
  EXPECT_EQ(client_view(h, conv).size(), 3u);
}

TEST(ChannelConnector, UpdateDeleteMembersAndAttachments) {
  harness h;
  const auto conv = h.start_conversation();
  const auto token = h.bot_token();
  auto sent = bot_post(h, conv_id(conv), token, json::object{{"type", "message"}, {"text", "v1"}});
  const std::string id(sent.json().at("id").as_string());
  const auto escaped = test_bot::escape(id);
  auto put = h.call(method::put, "/v3/conversations/" + conv_id(conv) + "/activities/" + escaped, token,
                    R"({"type":"message","text":"v2"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().at("id").as_string(), id);
  auto view = client_view(h, conv);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[1].at("id").as_string(), id);  // same id: Web Chat replaces the message
  EXPECT_EQ(view[1].at("text"), "v2");
  auto del = h.call(method::delete_, "/v3/conversations/" + conv_id(conv) + "/activities/" + escaped, token);
  EXPECT_EQ(del.status, 200);
  view = client_view(h, conv);
  ASSERT_EQ(view.size(), 3u);
  EXPECT_EQ(view[2].at("type"), "messageDelete");
  EXPECT_EQ(h.call(method::put, "/v3/conversations/" + conv_id(conv) + "/activities/nope", token,
                   R"({"type":"message"})").status,
            404);

  auto members = h.get("/v3/conversations/" + conv_id(conv) + "/members", token);
  ASSERT_EQ(members.status, 200);
  auto list = core::parse_json(members.body);
  ASSERT_TRUE(list && list->is_array());
  EXPECT_EQ(list->as_array().size(), 2u);
  EXPECT_EQ(h.get("/v3/conversations/" + conv_id(conv) + "/activities/" + escaped + "/members", token).status, 200);

  auto att = h.post("/v3/conversations/" + conv_id(conv) + "/attachments", token,
                    json::object{{"type", "text/plain"}, {"name", "r.txt"}, {"originalBase64", "aGVsbG8="}});
  ASSERT_EQ(att.status, 200) << att.body;
  const std::string att_id(att.json().at("id").as_string());
  auto file = h.get("/v3/attachments/" + att_id + "/views/original", token);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, "hello");
  EXPECT_EQ(h.get("/v3/attachments/" + att_id + "/views/original", h.bot_token("app-other")).status, 404);

  auto member = h.get("/v3/conversations/" + conv_id(conv) + "/members/bankx-assistant", token);
  EXPECT_EQ(member.status, 200);
  EXPECT_EQ(member.json().at("id"), "bankx-assistant");
  EXPECT_EQ(h.get("/v3/conversations/" + conv_id(conv) + "/members/nobody", token).status, 404);

  // A transcript, appended in order, each with the bot as sender.
  const auto before = client_view(h, conv).size();
  auto history = h.post("/v3/conversations/" + conv_id(conv) + "/activities/history", token,
                        json::object{{"activities", json::array{json::object{{"type", "message"}, {"text", "h1"}},
                                                                json::object{{"type", "message"}, {"text", "h2"}}}}});
  ASSERT_EQ(history.status, 200) << history.body;
  view = client_view(h, conv);
  ASSERT_EQ(view.size(), before + 2);
  EXPECT_EQ(view[before].at("text"), "h1");
  EXPECT_EQ(view[before + 1].at("text"), "h2");
  EXPECT_EQ(view[before + 1].at("id"), history.json().at("id"));
  EXPECT_EQ(view[before + 1].at("from").at("id"), "bankx-assistant");
  EXPECT_EQ(h.post("/v3/conversations/" + conv_id(conv) + "/activities/history", token, json::object{{"x", 1}}).status, 400);

  EXPECT_EQ(h.get("/v3/conversations", token).code(), "NotSupported");
  auto proactive = h.post("/v3/conversations", token, json::object{{"bot", {{"id", "x"}}}});
  EXPECT_EQ(proactive.status, 403);
  EXPECT_EQ(proactive.code(), "NotSupported");
}

TEST(ChannelConnector, AnonymousBotOnLoopbackNeedsNoToken) {
  harness::settings st;
  st.anonymous_bot = true;
  harness h(st);
  const auto conv = h.start_conversation();
  ASSERT_TRUE(h.bot().wait_for(1));
  EXPECT_EQ(h.bot().received()[0].authorization, "");  // nothing signed for an anonymous bot
  auto posted = h.post("/v3/directline/conversations/" + conv_id(conv) + "/activities", std::string(conv.at("token").as_string()),
                       json::object{{"type", "message"}, {"text", "hi"}});
  EXPECT_EQ(posted.status, 200) << posted.body;
  const auto view = client_view(h, conv);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[1].at("text"), "echo: hi");
}

TEST(ChannelConnector, AnInProcessBotIsNeverReachedAnonymouslyOverHttp) {
  // Issue 14: a [[channel.bots]] entry with endpoint "in-process" and no app_id let any loopback
  // caller speak as that bot through the Connector API.
  harness::settings st;
  st.anonymous_bot = true;
  st.in_process = true;
  harness h(st);
  const auto conv = h.start_conversation();
  const json::object forged{{"type", "message"}, {"text", "I am the bank"}};
  EXPECT_EQ(bot_post(h, conv_id(conv), "", forged).status, 401);
  for (const auto& a : client_view(h, conv)) {
    if (a.as_object().contains("text")) {
      EXPECT_NE(a.at("text"), "I am the bank");
    }
  }
}

TEST(ChannelConnector, AuthenticatedBotRepliesWithItsToken) {
  harness h;
  h.bot().set_token(h.bot_token());
  const auto conv = h.start_conversation();
  auto posted = h.post("/v3/directline/conversations/" + conv_id(conv) + "/activities", std::string(conv.at("token").as_string()),
                       json::object{{"type", "message"}, {"text", "hi"}});
  EXPECT_EQ(posted.status, 200) << posted.body;
  const auto view = client_view(h, conv);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[1].at("text"), "echo: hi");
}

}  // namespace
}  // namespace parley::channel::test
