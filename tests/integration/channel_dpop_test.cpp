// Sender-constrained widget tokens (issue 14 §2, RFC 9449) against the real channel: a token
// bound to a key (cnf.jkt) is refused on every Direct Line route, the WebSocket included, unless
// the request carries a fresh proof signed by that key, for that method and URL, over that token,
// with the channel's nonce; proofs are single-use; clock skew has bounds; tenants that require
// bound tokens refuse bearer ones.
#include "channel_fixture.hpp"
#include "dpop_client.hpp"
#include "ws_client.hpp"

namespace parley::channel::test {
namespace {

using net::method;

std::string conv_path(const std::string& id, const std::string& rest = {}) {
  return "/v3/directline/conversations/" + id + rest;
}

json::object payload_of(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return *core::parse_json_object(*core::base64url_decode_string(token.substr(a + 1, b - a - 1)));
}

harness::settings bound_only() {
  harness::settings st;
  st.tweak = [](options& o) {
    for (auto& t : o.tenants) {
      if (t.id == "bankx") t.require_bound_tokens = true;
    }
  };
  return st;
}

// A widget: its key, its token and the channel's newest nonce.
struct widget {
  harness& h;
  dpop_client key;
  std::string token;
  std::string conversation;
  std::string stream_url;
  std::string nonce;

  explicit widget(harness& hh) : h(hh), key(hh.clock()) {}

  // What the bot does for it: tokens/generate with the thumbprint of the key it proved.
  void handshake() {
    auto gen = h.post("/v3/directline/tokens/generate", secret_a, json::object{{"dpopJkt", key.jkt()}});
    ASSERT_EQ(gen.status, 200) << gen.body;
    token = std::string(gen.json().at("token").as_string());
    conversation = std::string(gen.json().at("conversationId").as_string());
  }

  net::header_map auth(method m, const std::string& path, const std::string& t) {
    net::header_map headers;
    headers.set("Authorization", "DPoP " + t);
    proof_options o;
    o.nonce = nonce;
    headers.set("DPoP", key.proof(m == method::get ? "GET" : "POST", h.base_url() + path, t, o));
    return headers;
  }

  // A call with a fresh proof; a use_dpop_nonce answer is retried once with its nonce.
  http_result call(method m, const std::string& path, std::string body = {}, std::string type = "application/json") {
    for (int attempt = 0;; ++attempt) {
      auto r = h.call(m, path, {}, body, type, auth(m, path, token));
      if (const auto n = r.headers.get("DPoP-Nonce")) nonce = std::string(*n);
      if (r.status != 401 || r.code() != "UseDpopNonce" || attempt > 0) return r;
    }
  }

  void start() {
    handshake();
    auto r = call(method::post, "/v3/directline/conversations", "{}");
    ASSERT_EQ(r.status, 201) << r.body;
    stream_url = std::string(r.json().at("streamUrl").as_string());
  }
};

std::string target_of(const std::string& url) { return url.substr(url.find('/', 5)); }
std::string without_query(const std::string& url) { return url.substr(0, url.find('?')); }
std::string t_of(const std::string& url) { return url.substr(url.find("&t=") + 3); }

TEST(ChannelDpop, GenerateBindsTheTokenToTheProvenKey) {
  harness h(bound_only());
  widget w(h);
  w.handshake();
  EXPECT_EQ(std::string(payload_of(w.token).at("cnf").at("jkt").as_string()), w.key.jkt());
  // A bound token lives 5 minutes by default (the widget refreshes in the background).
  const auto p = payload_of(w.token);
  EXPECT_EQ(p.at("exp").as_int64() - p.at("iat").as_int64(), 300);
  // This tenant takes bound tokens only: a bearer token is not even issued.
  auto bearer = h.post("/v3/directline/tokens/generate", secret_a, json::object{});
  EXPECT_EQ(bearer.status, 403);
  EXPECT_EQ(bearer.code(), "NotSupported");
  EXPECT_EQ(h.post("/v3/directline/conversations", secret_a, json::object{}).status, 403) << "nor for a secret caller";
  EXPECT_EQ(h.post("/v3/directline/tokens/generate", secret_a, json::object{{"dpopJkt", "not-a-thumbprint"}}).status, 400);
  // Another tenant that allows bearer tokens gets 30-minute ones.
  auto other = h.post("/v3/directline/tokens/generate", secret_b, json::object{});
  ASSERT_EQ(other.status, 200);
  const auto q = payload_of(std::string(other.json().at("token").as_string()));
  EXPECT_FALSE(q.contains("cnf"));
  EXPECT_EQ(q.at("exp").as_int64() - q.at("iat").as_int64(), 1800);
}

TEST(ChannelDpop, ALiftedTokenIsRefusedOnEveryRouteWithoutTheKey) {
  harness h(bound_only());
  widget owner(h);
  owner.start();
  ASSERT_EQ(owner.call(method::post, conv_path(owner.conversation, "/activities"),
                       json::serialize(json::object{{"type", "message"}, {"text", "hello"}}))
                .status,
            200);
  // The thief has the token (a page's XSS, a proxy log), not the key: it tries it as a bearer
  // token, as a DPoP token without a proof, and with proofs of its own key.
  widget thief(h);
  thief.token = owner.token;
  thief.nonce = owner.nonce;
  const std::vector<std::pair<method, std::string>> routes = {
      {method::post, "/v3/directline/tokens/refresh"},
      {method::post, "/v3/directline/conversations"},
      {method::get, conv_path(owner.conversation, "?watermark=")},
      {method::get, conv_path(owner.conversation, "/activities?watermark=")},
      {method::post, conv_path(owner.conversation, "/activities")},
      {method::post, conv_path(owner.conversation, "/upload?userId=x")},
      {method::get, conv_path(owner.conversation, "/attachments/a1")},
      {method::get, "/v3/directline/session/getsessionid"},
  };
  const std::string body = json::serialize(json::object{{"type", "message"}, {"text", "stolen"}});
  for (const auto& [m, path] : routes) {
    const auto as_bearer = h.call(m, path, owner.token, body);
    EXPECT_EQ(as_bearer.status, 401) << path << " " << as_bearer.body;
    net::header_map no_proof;
    no_proof.set("Authorization", "DPoP " + owner.token);
    const auto bare = h.call(m, path, {}, body, "application/json", no_proof);
    EXPECT_EQ(bare.status, 401) << path;
    EXPECT_EQ(std::string(bare.headers.get("WWW-Authenticate").value_or("")), R"(DPoP algs="ES256")") << path;
    const auto foreign = thief.call(m, path, body);
    EXPECT_EQ(foreign.status, 401) << path << " " << foreign.body;
    EXPECT_NE(std::string(foreign.headers.get("WWW-Authenticate").value_or("")).find("invalid_dpop_proof"),
              std::string::npos)
        << path;
  }
  // And the stream: the owner's stream URL, lifted too.
  net::test::ws_client ws;
  EXPECT_EQ(ws.connect(h.port(), target_of(owner.stream_url)), 401) << "no proof";
  const auto stolen_proof = thief.key.proof("GET", without_query(owner.stream_url), t_of(owner.stream_url),
                                            {.nonce = owner.nonce});
  net::test::ws_client ws2;
  EXPECT_EQ(ws2.connect(h.port(), target_of(owner.stream_url), 1 << 20,
                        "parley-dpop, parley-dpop-proof." + stolen_proof),
            401)
      << "another key's proof";
  // Nothing the thief tried reached the conversation.
  auto polled = owner.call(method::get, conv_path(owner.conversation, "/activities?watermark="));
  ASSERT_EQ(polled.status, 200);
  const auto page = polled.json();  // named: a range-for over a temporary's member would dangle
  for (const auto& a : page.at("activities").as_array()) {
    if (a.as_object().contains("text")) {
      EXPECT_NE(a.at("text"), "stolen");
    }
  }
  // The owner still uses everything, the stream too: the refused attempts did not spend its URL.
  const auto proof = owner.key.proof("GET", without_query(owner.stream_url), t_of(owner.stream_url), {.nonce = owner.nonce});
  net::test::ws_client own;
  ASSERT_EQ(own.connect(h.port(), target_of(owner.stream_url), 1 << 20, "parley-dpop, parley-dpop-proof." + proof), 101);
  EXPECT_EQ(own.response_header("Sec-WebSocket-Protocol"), "parley-dpop");
  auto frame = own.read(5s);
  ASSERT_TRUE(frame);
  EXPECT_NE(frame->text.find("hello"), std::string::npos);
}

TEST(ChannelDpop, AProofIsForOneRequestAndUsableOnce) {
  harness h(bound_only());
  widget w(h);
  w.start();
  const auto path = conv_path(w.conversation, "/activities?watermark=");
  auto headers = w.auth(method::get, path, w.token);
  EXPECT_EQ(h.call(method::get, path, {}, {}, {}, headers).status, 200);
  auto replayed = h.call(method::get, path, {}, {}, {}, headers);
  EXPECT_EQ(replayed.status, 401) << "the same proof twice";
  // A proof for another method, URL or token is refused.
  net::header_map wrong;
  wrong.set("Authorization", "DPoP " + w.token);
  wrong.set("DPoP", w.key.proof("POST", h.base_url() + path, w.token, {.nonce = w.nonce}));
  EXPECT_EQ(h.call(method::get, path, {}, {}, {}, wrong).status, 401);
  wrong.set("DPoP", w.key.proof("GET", h.base_url() + conv_path(w.conversation, "?watermark="), w.token, {.nonce = w.nonce}));
  EXPECT_EQ(h.call(method::get, path, {}, {}, {}, wrong).status, 401);
  wrong.set("DPoP", w.key.proof("GET", "http://evil.example" + path, w.token, {.nonce = w.nonce}));
  EXPECT_EQ(h.call(method::get, path, {}, {}, {}, wrong).status, 401);
  wrong.set("DPoP", w.key.proof("GET", h.base_url() + path, "another.token.x", {.nonce = w.nonce}));
  EXPECT_EQ(h.call(method::get, path, {}, {}, {}, wrong).status, 401);
  wrong.set("DPoP", w.key.proof("GET", h.base_url() + path, w.token, {.nonce = w.nonce, .with_ath = false}));
  EXPECT_EQ(h.call(method::get, path, {}, {}, {}, wrong).status, 401);
  // (Two DPoP headers are refused: DpopCheck.OneProofHeaderOrSubprotocol, parley_channel_tests.)
}

TEST(ChannelDpop, NoncesAreRequiredAndRotate) {
  harness h(bound_only());
  widget w(h);
  w.handshake();
  auto first = h.call(method::post, "/v3/directline/conversations", {}, "{}", "application/json",
                      w.auth(method::post, "/v3/directline/conversations", w.token));
  EXPECT_EQ(first.status, 401);
  EXPECT_EQ(first.code(), "UseDpopNonce");
  EXPECT_NE(std::string(first.headers.get("WWW-Authenticate").value_or("")).find("use_dpop_nonce"), std::string::npos);
  const auto nonce = std::string(first.headers.get("DPoP-Nonce").value_or(""));
  ASSERT_FALSE(nonce.empty());
  w.nonce = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";  // not the channel's
  EXPECT_EQ(w.call(method::post, "/v3/directline/conversations", "{}").status, 201) << "retried with the real one";
  // A nonce lasts its window and the next one (1 to 2 minutes), no longer.
  w.nonce = nonce;
  h.clock().advance(61s);
  EXPECT_EQ(h.call(method::get, conv_path(w.conversation, "/activities"), {}, {}, {},
                   w.auth(method::get, conv_path(w.conversation, "/activities"), w.token))
                .status,
            200);
  h.clock().advance(60s);
  auto stale = h.call(method::get, conv_path(w.conversation, "/activities"), {}, {}, {},
                      w.auth(method::get, conv_path(w.conversation, "/activities"), w.token));
  EXPECT_EQ(stale.status, 401);
  EXPECT_EQ(stale.code(), "UseDpopNonce");
}

TEST(ChannelDpop, ClockSkewBounds) {
  harness h(bound_only());
  widget w(h);
  w.start();
  const auto path = conv_path(w.conversation, "/activities");
  auto with_offset = [&](std::chrono::seconds offset) {
    net::header_map headers;
    headers.set("Authorization", "DPoP " + w.token);
    headers.set("DPoP", w.key.proof("GET", h.base_url() + path, w.token, {.nonce = w.nonce, .iat_offset = offset}));
    return h.call(method::get, path, {}, {}, {}, headers).status;
  };
  EXPECT_EQ(with_offset(-59s), 200);   // a client clock a minute behind
  EXPECT_EQ(with_offset(-61s), 401);   // older than the proof's 60-second window
  EXPECT_EQ(with_offset(4s), 200);     // slightly ahead
  EXPECT_EQ(with_offset(6s), 401);     // too far ahead
  EXPECT_EQ(with_offset(-3600s), 401);
}

TEST(ChannelDpop, RefreshKeepsTheBindingAndRotates) {
  harness h(bound_only());
  widget w(h);
  w.start();
  auto r = w.call(method::post, "/v3/directline/tokens/refresh", {});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string next(r.json().at("token").as_string());
  EXPECT_EQ(std::string(payload_of(next).at("cnf").at("jkt").as_string()), w.key.jkt());
  EXPECT_EQ(payload_of(next).at("gen").as_int64(), 1);
  EXPECT_EQ(r.json().at("expires_in").as_int64(), 300);
  // The old one still works for 10 seconds (a request already on its way), then never again.
  const auto old = w.token;
  h.clock().advance(9s);
  EXPECT_EQ(w.call(method::get, conv_path(w.conversation, "/activities")).status, 200);
  h.clock().advance(2s);
  auto late = w.call(method::get, conv_path(w.conversation, "/activities"));
  EXPECT_EQ(late.status, 403);
  EXPECT_EQ(late.code(), "TokenExpired");
  w.token = next;
  EXPECT_EQ(w.call(method::get, conv_path(w.conversation, "/activities")).status, 200);
}

TEST(ChannelDpop, ABearerTokenMayNotPretendToBeBound) {
  harness h;  // bankx allows bearer tokens here
  const auto conv = h.start_conversation();
  const std::string t(conv.at("token").as_string());
  net::header_map headers;
  headers.set("Authorization", "DPoP " + t);
  EXPECT_EQ(h.call(method::get, conv_path(std::string(conv.at("conversationId").as_string()), "/activities"), {}, {}, {},
                   headers)
                .status,
            403);
  EXPECT_EQ(h.get(conv_path(std::string(conv.at("conversationId").as_string()), "/activities"), t).status, 200);
}

}  // namespace
}  // namespace parley::channel::test
