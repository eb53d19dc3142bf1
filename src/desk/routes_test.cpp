// The desk's routes over real sockets (127.0.0.1, port 0), with the two tenants' IdPs behind the
// outbound-client seam (test_idp.hpp: real signatures, real PKCE and single-use codes). Every
// attack of issue 18 that is about the desk's own checks is here, each refused; the same flows
// against the real oidc-provider IdP are in tests/integration/desk_idp_test.cpp.
#include "routes_fixture.hpp"

namespace parley::desk {
namespace {

using test::answer;
using test::desk_routes;
using test::jar;

using namespace std::chrono_literals;
using testing::run;

TEST_F(desk_routes, the_authorization_request_is_code_with_pkce_s256_state_and_nonce) {
  jar b;
  auto a = begin("bankx", b);
  ASSERT_EQ(a.status, 303);
  const auto url = a.location();
  EXPECT_EQ(url.rfind("https://idp.bankx.example/tenant-1/auth?response_type=code&client_id=parley-desk&", 0), 0u);
  EXPECT_NE(url.find("code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(url.find("&state="), std::string::npos);
  EXPECT_NE(url.find("&nonce="), std::string::npos);
  EXPECT_NE(url.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A" + std::to_string(port_) + "%2Fdesk%2Fcallback%2Fbankx"),
            std::string::npos);
  // The browser got only a sign-in cookie: Lax (the IdP's redirect back is cross-site), __Host-.
  const auto set = a.raw.header("set-cookie");
  EXPECT_EQ(set.rfind("__Host-parley-desk-signin=", 0), 0u);
  EXPECT_NE(set.find("; Path=/; Secure; HttpOnly; SameSite=Lax"), std::string::npos);
  EXPECT_EQ(call("GET", "/desk/login/nowhere").status, 404);
}

TEST_F(desk_routes, a_consultant_of_each_tenant_signs_in_and_sees_only_their_tenant) {
  jar anna, hugo;
  auto a = sign_in("bankx", "anna", anna);
  ASSERT_EQ(a.status, 303);
  EXPECT_EQ(a.location(), "/desk/");
  const auto set = a.raw.header("set-cookie");
  EXPECT_EQ(set.rfind("__Host-parley-desk=bankx.", 0), 0u);
  EXPECT_NE(set.find("; Path=/; Secure; HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(set.find("Domain"), std::string::npos);
  EXPECT_EQ(anna.cookies.count("__Host-parley-desk-signin"), 0u);  // cleared after use
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);

  auto me = api("GET", "/desk/api/me", anna);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json.at("tenant"), "bankx");
  EXPECT_EQ(me.json.at("tenant_name"), "BankX");
  EXPECT_EQ(me.json.at("role"), "consultant");
  EXPECT_EQ(me.json.at("name"), "Anna Berg");
  EXPECT_EQ(me.raw.body.find("eyJ"), std::string::npos);  // no token ever reaches the browser

  auto list = api("GET", "/desk/api/conversations", anna);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json.at("conversations").as_array().size(), 1u);
  EXPECT_EQ(list.json.at("conversations").at(0).at("id"), "conv-bankx-1");
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-bankx-1", anna).status, 200);
  EXPECT_EQ(audit.entries().back().event, "desk.conversation_viewed");
  EXPECT_EQ(audit.entries().back().subject, "conv-bankx-1");
  // Another tenant's conversation by id: not found, whatever the guess.
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-harbour-1", anna).status, 404);
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-bankx-1", hugo).status, 404);
  auto hugos = api("GET", "/desk/api/conversations", hugo);
  ASSERT_EQ(hugos.json.at("conversations").as_array().size(), 1u);
  EXPECT_EQ(hugos.json.at("conversations").at(0).at("id"), "conv-harbour-1");
  EXPECT_EQ(events(),
            (std::vector<std::string>{"bankx desk.sign_in", "harbour desk.sign_in", "bankx desk.conversation_viewed"}));
}

TEST_F(desk_routes, a_replayed_code_or_callback_is_refused) {
  jar b;
  auto start = begin("bankx", b);
  auto back = idps.bankx.authorize(start.location(), "anna");
  ASSERT_EQ(call("GET", local(*back), &b).status, 303);
  // The same callback again: its state was used.
  auto again = call("GET", local(*back), &b);
  EXPECT_EQ(again.location(), "/desk/?error=sign_in_expired");
  EXPECT_NE(last_details().find("unknown_state"), std::string::npos);
  // The old code with a fresh state of this browser: the IdP refuses it (used, and PKCE differs).
  auto fresh = begin("bankx", b);
  const auto state = fresh.location().substr(fresh.location().find("state=") + 6, 43);
  const auto code = back->substr(back->find("code=") + 5, back->find('&') - back->find("code=") - 5);
  auto injected = call(
      "GET",
      "/desk/callback/bankx?code=" + code + "&state=" + state + "&iss=https%3A%2F%2Fidp.bankx.example%2Ftenant-1", &b);
  EXPECT_EQ(injected.location(), "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("code_refused"), std::string::npos);
  EXPECT_EQ(audit.entries().back().event, "desk.sign_in_failed");
}

TEST_F(desk_routes, mix_up_missing_and_wrong_state_and_another_browser_are_refused) {
  auto attempt = [&](const std::function<std::string(std::string)>& bend, jar& b) {
    auto start = begin("bankx", b);
    auto back = idps.bankx.authorize(start.location(), "anna");
    return call("GET", bend(local(*back)), &b);
  };
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  jar b;
  // Another IdP's iss (mix-up).
  auto a = attempt(
      [&](std::string u) {
        return replace(u, "iss=https%3A%2F%2Fidp.bankx.example%2Ftenant-1", "iss=https%3A%2F%2Flogin.harbour.example");
      },
      b);
  EXPECT_EQ(a.location(), "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("issuer_mismatch"), std::string::npos);
  // The IdP promises iss, so its absence is refused too.
  attempt([&](std::string u) { return u.substr(0, u.find("&iss=")); }, b);
  EXPECT_NE(last_details().find("issuer_mismatch"), std::string::npos);
  // No state; a state the desk never issued; harbour's state at bankx's callback.
  attempt(
      [&](std::string u) {
        const auto s = u.find("&state=");
        return u.substr(0, s) + u.substr(u.find('&', s + 1));
      },
      b);
  EXPECT_NE(last_details().find("missing_state"), std::string::npos);
  attempt(
      [&](std::string u) {
        const auto s = u.find("state=") + 6;
        return u.substr(0, s) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + u.substr(s + 43);
      },
      b);
  EXPECT_NE(last_details().find("unknown_state"), std::string::npos);
  jar h;
  auto hstart = begin("harbour", h);
  auto hback = idps.harbour.authorize(hstart.location(), "hugo");
  auto cross = call("GET", replace(local(*hback), "/desk/callback/harbour", "/desk/callback/bankx"), &h);
  EXPECT_EQ(cross.location(), "/desk/?error=sign_in_expired");
  // Login CSRF: the callback arrives in a browser that never started this sign-in.
  jar victim;
  auto start = begin("bankx", b);
  auto back = idps.bankx.authorize(start.location(), "anna");
  EXPECT_EQ(call("GET", local(*back), &victim).location(), "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("browser_mismatch"), std::string::npos);
  EXPECT_EQ(sessions.session_count(), 0u);
}

TEST_F(desk_routes, id_tokens_from_the_other_idp_or_for_someone_else_are_refused) {
  jar b;
  idps.bankx.sign_with(idps.harbour.key());
  EXPECT_EQ(sign_in("bankx", "anna", b).location(), "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("bad_token"), std::string::npos);
  idps.bankx.sign_with(std::nullopt);
  for (auto tweak : std::vector<std::function<void(jose::claims&)>>{
           [](jose::claims& c) { c.set("aud", "another-client"); },
           [](jose::claims& c) { c.set("azp", "another-client"); },
           [](jose::claims& c) { c.set("nonce", "a-nonce-of-another-sign-in"); },
           [](jose::claims& c) { c.set("iss", "https://login.harbour.example"); },
           [this](jose::claims& c) { c.set_time("exp", clock.now() - 5min).set_time("iat", clock.now() - 65min); },
           [this](jose::claims& c) { c.set_time("iat", clock.now() + 1h).set_time("exp", clock.now() + 2h); }}) {
    idps.bankx.tamper(tweak);
    EXPECT_EQ(sign_in("bankx", "anna", b).location(), "/desk/?error=sign_in_failed");
    EXPECT_NE(last_details().find("bad_token"), std::string::npos);
  }
  idps.bankx.tamper({});
  EXPECT_EQ(sign_in("bankx", "nobody", b).location(), "/desk/?error=no_role");
  EXPECT_EQ(sessions.session_count(), 0u);
}

TEST_F(desk_routes, state_changing_calls_need_the_csrf_header_and_an_allowed_origin) {
  jar b;
  ASSERT_EQ(sign_in("bankx", "anna", b).status, 303);
  EXPECT_EQ(call("POST", "/desk/api/logout", &b, "Origin: " + origin_ + "\r\n").status, 403);
  EXPECT_EQ(call("POST", "/desk/api/logout", &b, "X-Parley-Desk: 1\r\nOrigin: https://evil.example\r\n").status, 403);
  EXPECT_EQ(call("POST", "/desk/api/logout", &b, "X-Parley-Desk: 1\r\n").status, 403);  // no Origin
  EXPECT_EQ(call("GET", "/desk/api/me", &b).status, 403);  // every API call carries the header
  EXPECT_EQ(call("GET", "/desk/api/me", &b, "X-Parley-Desk: 1\r\n").status, 200);
  // No CORS for anyone: a preflight from another origin gets no permission.
  auto pre = call("OPTIONS", "/desk/api/logout", nullptr,
                  "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n"
                  "Access-Control-Request-Headers: x-parley-desk\r\n");
  EXPECT_FALSE(pre.raw.has("access-control-allow-origin"));
  EXPECT_EQ(api("GET", "/desk/api/me", b).status, 200);  // still signed in
}

TEST_F(desk_routes, the_events_websocket_checks_origin_and_session) {
  jar b;
  ASSERT_EQ(sign_in("bankx", "anna", b).status, 303);
  const std::string cookie = b.header().substr(8, b.header().size() - 10);
  {
    net::test::ws_client ws;
    ws.headers = {{"Cookie", cookie}, {"Origin", "https://evil.example"}};
    EXPECT_EQ(ws.connect(port_, "/desk/api/events"), 403);
  }
  {
    net::test::ws_client ws;
    ws.headers = {{"Cookie", cookie}};
    EXPECT_EQ(ws.connect(port_, "/desk/api/events"), 403);
  }
  {
    net::test::ws_client ws;
    ws.headers = {{"Origin", origin_}};
    EXPECT_EQ(ws.connect(port_, "/desk/api/events"), 401);
  }
  net::test::ws_client ws;
  ws.headers = {{"Cookie", cookie}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  auto hello = ws.read();
  ASSERT_TRUE(hello);
  auto h = boost::json::parse(hello->text);
  EXPECT_EQ(h.at("seq"), 1);
  EXPECT_EQ(h.at("type"), "hello");
  EXPECT_EQ(h.at("data").at("tenant"), "bankx");
  ASSERT_TRUE(ws.write(R"({"type":"ping"})"));
  auto pong = boost::json::parse(ws.read()->text);
  EXPECT_EQ(pong.at("seq"), 2);
  EXPECT_EQ(pong.at("type"), "pong");
}

TEST_F(desk_routes, a_session_id_fixed_before_sign_in_is_never_honoured) {
  jar b;
  const std::string planted = "bankx.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  b.cookies["__Host-parley-desk"] = planted;
  ASSERT_EQ(sign_in("bankx", "anna", b).status, 303);
  EXPECT_NE(b.cookies["__Host-parley-desk"], planted);
  jar attacker;
  attacker.cookies["__Host-parley-desk"] = planted;
  EXPECT_EQ(api("GET", "/desk/api/me", attacker).status, 401);
  EXPECT_EQ(api("GET", "/desk/api/me", b).status, 200);
}

TEST_F(desk_routes, a_stolen_cookie_is_worthless_after_logout_or_the_absolute_timeout) {
  jar b;
  ASSERT_EQ(sign_in("bankx", "anna", b).status, 303);
  const jar stolen = b;
  auto out = api("POST", "/desk/api/logout", b);
  ASSERT_EQ(out.status, 200);
  const std::string redirect(out.json.at("redirect").as_string());
  EXPECT_EQ(redirect.rfind("https://idp.bankx.example/tenant-1/session/end?id_token_hint=eyJ", 0), 0u);
  EXPECT_NE(redirect.find("post_logout_redirect_uri="), std::string::npos);
  EXPECT_NE(out.raw.header("set-cookie").find("__Host-parley-desk=; Max-Age=0"), std::string::npos);
  b.take(out.raw);
  auto after = api("GET", "/desk/api/me", stolen);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(events().back(), "bankx desk.sign_out");
  // The IdP sends the browser back with our state: the logout cookie matches it.
  const auto state = redirect.substr(redirect.find("&state=") + 7, 43);
  EXPECT_EQ(call("GET", "/desk/signed-out?state=" + state, &b).location(), "/desk/?signed_out=idp");
  EXPECT_EQ(call("GET", "/desk/signed-out?state=forged", &b).location(), "/desk/?signed_out=1");

  jar c;
  ASSERT_EQ(sign_in("bankx", "anna", c).status, 303);
  for (int i = 0; i < 59; ++i) {
    clock.advance(10min);
    ASSERT_EQ(api("GET", "/desk/api/me", c).status, 200) << i;  // active all along, 9 h 50 min
  }
  clock.advance(10min);  // 10 h after the sign-in
  EXPECT_EQ(api("GET", "/desk/api/me", c).status, 401);
  EXPECT_NE(last_details().find("absolute"), std::string::npos);
}

TEST_F(desk_routes, roles_are_enforced_on_the_server) {
  jar anna, sven, ada;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  ASSERT_EQ(sign_in("bankx", "ada", ada).status, 303);
  EXPECT_EQ(api("GET", "/desk/api/live", anna).status, 403);
  EXPECT_EQ(audit.entries().back().event, "desk.access_denied");
  EXPECT_EQ(api("GET", "/desk/api/live", sven).status, 200);
  EXPECT_EQ(api("GET", "/desk/api/settings", sven).status, 403);
  auto s = api("GET", "/desk/api/settings", ada);
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.json.at("idle_timeout_minutes"), 15);
  EXPECT_EQ(api("PUT", "/desk/api/settings", sven, R"({"version":0,"idle_timeout_minutes":5})").status, 403);
  EXPECT_EQ(api("PUT", "/desk/api/settings", ada, R"({"version":0,"idle_timeout_minutes":500})").status, 400);
  EXPECT_EQ(api("PUT", "/desk/api/settings", ada, R"({"version":0,"colour":"red"})").status, 400);
  auto changed = api("PUT", "/desk/api/settings", ada, R"({"version":0,"idle_timeout_minutes":5})");
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed.json.at("version"), 1);
  EXPECT_EQ(audit.entries().back().event, "desk.settings_changed");
  EXPECT_EQ(audit.entries().back().actor_role, "admin");
  EXPECT_EQ(api("PUT", "/desk/api/settings", ada, R"({"version":0,"idle_timeout_minutes":6})").status, 409);
  // The setting applies: 6 idle minutes end anna's session.
  clock.advance(6min);
  EXPECT_EQ(api("GET", "/desk/api/me", anna).status, 401);
}

TEST_F(desk_routes, back_channel_logout_closes_the_open_desk) {
  jar b;
  ASSERT_EQ(sign_in("bankx", "anna", b).status, 303);
  net::test::ws_client ws;
  ws.headers = {{"Cookie", b.header().substr(8, b.header().size() - 10)}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  ASSERT_TRUE(ws.read());  // hello
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  EXPECT_EQ(call("POST", "/desk/backchannel-logout/bankx", nullptr, form, "logout_token=garbage").status, 400);
  EXPECT_EQ(call("POST", "/desk/backchannel-logout/bankx", nullptr, form,
                 "logout_token=" + idps.harbour.logout_token("anna", ""))
                .status,
            400);
  auto ok = call("POST", "/desk/backchannel-logout/bankx", nullptr, form,
                 "logout_token=" + idps.bankx.logout_token("anna", "idp-session-1"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.raw.header("cache-control"), "no-store");
  auto ended = ws.read();
  ASSERT_TRUE(ended);
  auto e = boost::json::parse(ended->text);
  EXPECT_EQ(e.at("type"), "session.ended");
  EXPECT_EQ(e.at("data").at("reason"), "backchannel");
  EXPECT_FALSE(ws.read());
  EXPECT_EQ(ws.reason().code, 4401);
  EXPECT_EQ(api("GET", "/desk/api/me", b).status, 401);
}

TEST_F(desk_routes, without_an_audit_log_nothing_happens) {
  jar b;
  audit.fail(true);
  EXPECT_EQ(sign_in("bankx", "anna", b).location(), "/desk/?error=unavailable");
  EXPECT_EQ(sessions.session_count(), 0u);
  audit.fail(false);
  ASSERT_EQ(sign_in("bankx", "anna", b).status, 303);
  audit.fail(true);
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-bankx-1", b).status, 503);
}

TEST_F(desk_routes, the_app_page_has_a_strict_policy) {
  auto page = call("GET", "/desk/");
  ASSERT_EQ(page.status, 200);
  const auto csp = page.raw.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("style-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(call("GET", "/desk/app/desk.js").status, 200);
  EXPECT_EQ(call("GET", "/desk/app/../index.html").status, 404);
}

}  // namespace
}  // namespace parley::desk
