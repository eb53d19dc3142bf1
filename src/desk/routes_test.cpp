// The desk's routes over real sockets (127.0.0.1, port 0), with the two tenants' IdPs behind the
// outbound-client seam (test_idp.hpp: real signatures, real PKCE and single-use codes). Every
// attack of issue 18 that is about the desk's own checks is here, each refused; the same flows
// against the real oidc-provider IdP are in tests/integration/desk_idp_test.cpp.
#include "probe.hpp"
#include "test_support.hpp"
#include "ws_client.hpp"

#include <parley/audit/testing/memory_sink.hpp>
#include <parley/core/async.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/desk/service.hpp>
#include <parley/net/server.hpp>
#include <parley/store/testing/memory_desk_store.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley::desk {
namespace {

using namespace std::chrono_literals;
using testing::run;

struct answer {
  int status = 0;
  net::test::raw_response raw;
  boost::json::value json;
  [[nodiscard]] std::string location() const { return raw.header("location"); }
};

// A browser's cookie jar for one origin, fed by Set-Cookie.
struct jar {
  std::map<std::string, std::string> cookies;
  void take(const net::test::raw_response& r) {
    for (auto [it, end] = r.headers.equal_range("set-cookie"); it != end; ++it) {
      const std::string& v = it->second;
      const auto eq = v.find('=');
      const auto semi = v.find(';');
      const std::string name = v.substr(0, eq);
      const std::string value = v.substr(eq + 1, semi - eq - 1);
      if (v.find("Max-Age=0") != std::string::npos) {
        cookies.erase(name);
      } else {
        cookies[name] = value;
      }
    }
  }
  [[nodiscard]] std::string header() const {
    if (cookies.empty()) return {};
    std::string out = "Cookie: ";
    for (const auto& [k, v] : cookies) out += k + "=" + v + "; ";
    out.resize(out.size() - 2);
    return out + "\r\n";
  }
};

class desk_routes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("parley-desk-routes-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "index.html")
        << "<!doctype html><title>desk</title><script src=\"/desk/app/desk.js\"></script>";
    std::ofstream(dir_ / "desk.js") << "console.log('desk')";
    ASSERT_TRUE(run(conversations.ensure_tenant("bankx")));
    ASSERT_TRUE(run(conversations.ensure_tenant("harbour")));
    ASSERT_TRUE(run(conversations.create_conversation("bankx", "conv-bankx-1", "bot", "dl_u1")));
    ASSERT_TRUE(run(conversations.create_conversation("harbour", "conv-harbour-1", "bot", "dl_u2")));
    start();
  }
  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    auto o = testing::two_tenants();
    o.app_dir = dir_.string();
    desk_ = service::create(std::move(o),
                            dependencies{io_, conversations, sessions, idps.client, audit, clock, core::os_random()});
    server_ = std::make_unique<net::server>(io_, net::server_options{}, metrics_);
    auto routes = std::make_shared<net::router>();
    desk_->add_routes(*routes);
    net::listener_options l;
    l.name = "desk";
    l.address = "127.0.0.1";
    l.port = 0;
    auto bound = server_->listen(l, routes);
    ASSERT_TRUE(bound);
    port_ = bound->port;
    origin_ = "http://127.0.0.1:" + std::to_string(port_);
    ASSERT_TRUE(desk_->start(bound->base_url()));
    threads_ = std::make_unique<core::thread_group>(io_, 2, "desk-test");
  }
  void stop() {
    if (!threads_) return;
    desk_->stop();
    boost::asio::co_spawn(io_, server_->shutdown(), boost::asio::use_future).get();
    io_.stop();
    threads_->join();
    threads_.reset();
  }

  answer call(std::string_view method, const std::string& target, const jar* cookies = nullptr,
              std::string headers = {}, const std::string& body = {}) {
    net::test::probe p(port_);
    EXPECT_TRUE(p.connected());
    if (cookies) headers += cookies->header();
    p.send(std::string(method) + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    answer a;
    auto raw = p.read_response(10s);
    if (!raw) return a;
    a.status = raw->status;
    a.raw = *raw;
    boost::system::error_code ec;
    if (!raw->body.empty() && raw->header("content-type").find("json") != std::string::npos) {
      a.json = boost::json::parse(raw->body, ec);
    }
    return a;
  }
  // An API call as the desk app makes it: CSRF header and, for state changes, the Origin.
  answer api(std::string_view method, const std::string& target, const jar& cookies, const std::string& body = {}) {
    std::string h = "X-Parley-Desk: 1\r\nOrigin: " + origin_ + "\r\n";
    if (!body.empty()) h += "Content-Type: application/json\r\n";
    return call(method, target, &cookies, h, body);
  }

  // GET /desk/login/{tenant}: the redirect to the IdP.
  answer begin(const std::string& tenant, jar& browser) {
    auto a = call("GET", "/desk/login/" + tenant, &browser);
    browser.take(a.raw);
    return a;
  }
  // The callback's path and query from the IdP's redirect URL.
  std::string local(const std::string& url) { return url.substr(origin_.size()); }
  // The whole sign-in of `sub` at `tenant`'s IdP; returns the final answer of the callback.
  answer sign_in(const std::string& tenant, const std::string& sub, jar& browser) {
    auto start = begin(tenant, browser);
    EXPECT_EQ(start.status, 303);
    auto back = (tenant == "bankx" ? idps.bankx : idps.harbour).authorize(start.location(), sub);
    EXPECT_TRUE(back);
    if (!back) return {};
    auto done = call("GET", local(*back), &browser);
    browser.take(done.raw);
    return done;
  }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& e : audit.entries()) out.push_back(e.tenant_id + " " + e.event);
    return out;
  }
  std::string last_details() const { return audit.entries().empty() ? "" : audit.entries().back().details; }

  core::testing::fake_clock clock;
  testing::two_idps idps{clock};
  store::testing::memory_desk_store sessions;
  store::testing::memory_store conversations;
  audit::testing::memory_sink audit;
  net::metrics_registry metrics_;
  boost::asio::io_context io_;
  std::shared_ptr<service> desk_;
  std::unique_ptr<net::server> server_;
  std::unique_ptr<core::thread_group> threads_;
  std::uint16_t port_ = 0;
  std::string origin_;
  std::filesystem::path dir_;
};

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
