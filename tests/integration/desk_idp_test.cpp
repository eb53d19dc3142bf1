// The desk against the real test identity provider (examples/test-idp: npm oidc-provider, one
// provider per tenant with its own keys, started as the demo starts it), over the real encrypted
// SQLite store and real sockets. The test plays the browser: one cookie jar for 127.0.0.1 (as a
// browser keeps it: cookies ignore ports), the IdP's own login form, redirects followed by hand.
#include "child_process.hpp"
#include "probe.hpp"
#include "test_idp_process.hpp"
#include "ws_client.hpp"

#include <parley/audit/testing/memory_sink.hpp>
#include <parley/core/async.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/core/testing/run.hpp>
#include <parley/desk/service.hpp>
#include <parley/net/client.hpp>
#include <parley/net/server.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>

namespace parley::desk {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using parley::core::testing::run;

struct answer {
  int status = 0;
  net::test::raw_response raw;
  boost::json::value json;
  [[nodiscard]] std::string location() const { return raw.header("location"); }
};

// The browser's cookies for 127.0.0.1 (every port: cookies ignore them).
struct browser {
  std::map<std::string, std::string> cookies;
  void take(const net::test::raw_response& r) {
    for (auto [it, end] = r.headers.equal_range("set-cookie"); it != end; ++it) {
      const std::string& v = it->second;
      const std::string name = v.substr(0, v.find('='));
      const std::string value = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
      if (v.find("Max-Age=0") != std::string::npos || v.find("expires=Thu, 01 Jan 1970") != std::string::npos ||
          value.empty()) {
        cookies.erase(name);
      } else {
        cookies[name] = value;
      }
    }
  }
  [[nodiscard]] std::string header() const {
    std::string out;
    for (const auto& [k, v] : cookies) out += (out.empty() ? "" : "; ") + k + "=" + v;
    return out.empty() ? out : "Cookie: " + out + "\r\n";
  }
};

// Splits "http://127.0.0.1:PORT/path?q" into port and target.
std::pair<std::uint16_t, std::string> parts(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  EXPECT_TRUE(u) << url;
  std::string target(u->encoded_path());
  if (u->has_query()) target += "?" + std::string(u->encoded_query());
  return {static_cast<std::uint16_t>(std::stoi(std::string(u->port()))), target};
}

// A redirect's Location as an absolute URL (oidc-provider sends paths).
std::string absolute(const std::string& base, const std::string& location) {
  return location.rfind("http", 0) == 0 ? location : base + location;
}

// The outbound client the desk uses, with a network attacker's hook on token responses.
class interposed_client final : public net::http_client {
 public:
  explicit interposed_client(net::http_client& real) : real_(real) {}
  std::function<void(const std::string& url, net::client_response&)> on_response;
  boost::asio::awaitable<result<net::client_response>> send(net::client_request req) override {
    const std::string url = req.url;
    auto r = co_await real_.send(std::move(req));
    if (r && on_response) on_response(url, *r);
    co_return r;
  }

 private:
  net::http_client& real_;
};

class desk_idp : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = fs::temp_directory_path() / ("parley-desk-idp-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::create_directories(dir_);
    clock.set_now(std::chrono::system_clock::now());
    port_ = free_port();
    origin_ = "http://127.0.0.1:" + std::to_string(port_);

    // The IdP, started as `parley demo` starts it.
    app::test_idp_config cfg;
    cfg.script = fs::path(PARLEY_SOURCE_DIR) / "examples" / "test-idp" / "idp.mjs";
    cfg.dir = dir_ / "idp";
    cfg.control = true;
    for (const auto& [tenant, name, users] :
         std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
             {"bankx", "BankX", {"anna", "sven"}}, {"harbour", "Harbour Bank", {"hugo"}}}) {
      app::test_idp_tenant t{tenant, name, {}, {}};
      t.clients.push_back({"parley-desk",
                           "secret-" + tenant,
                           {origin_ + "/desk/callback/" + tenant},
                           {origin_ + "/desk/signed-out"},
                           origin_ + "/desk/backchannel-logout/" + tenant});
      for (const auto& u : users) {
        t.accounts.push_back({u, "pw-" + u, "Name of " + u, {u == "sven" ? "Desk.Supervisor" : "Desk.Consultant"}, {}});
      }
      cfg.tenants.push_back(std::move(t));
    }
    std::string problem;
    idp_ = app::test_idp_process::start(cfg, problem);
    ASSERT_TRUE(idp_) << "the test IdP did not start: " << problem;

    // The encrypted SQLite store, as in production.
    ASSERT_TRUE(crypto::root_key::create_file(dir_ / "root.key"));
    store::sqlite::options so;
    so.path = (dir_ / "parley.db").string();
    so.keys_path = (dir_ / "parley-keys.db").string();
    auto backend = store::sqlite::open(so);
    ASSERT_TRUE(backend) << backend.error().message();
    auto opened = store::encrypted_store::open(std::move(*backend), *crypto::root_key::load_file(dir_ / "root.key", 1),
                                               dir_ / "erasure.secrets", store::options{});
    ASSERT_TRUE(opened) << opened.error().message();
    store_ = std::move(*opened);
    for (const char* t : {"bankx", "harbour"}) ASSERT_TRUE(run(store_->ensure_tenant(t)));
    ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-1", "bot", "dl_u1")));
    ASSERT_TRUE(run(store_->create_conversation("harbour", "conv-harbour-1", "bot", "dl_u2")));

    auto http = net::pooled_http_client::create(io_, net::client_options{});
    ASSERT_TRUE(http);
    http_ = std::move(*http);
    client_ = std::make_unique<interposed_client>(*http_);

    options o;
    for (const char* t : {"bankx", "harbour"}) {
      tenant_options to;
      to.id = t;
      to.name = t;
      to.issuer = idp_->issuers().at(t);
      to.client_id = "parley-desk";
      to.client_secret = core::secret_string(std::string("secret-") + t);
      to.consultant = {"Desk.Consultant"};
      to.supervisor = {"Desk.Supervisor"};
      to.id_token_algorithms = {jose::algorithm::rs256};
      o.tenants.push_back(std::move(to));
    }
    desk_ =
        service::create(std::move(o), dependencies{io_, *store_, *store_, *client_, audit, clock, core::os_random()});
    server_ = std::make_unique<net::server>(io_, net::server_options{}, metrics_);
    auto routes = std::make_shared<net::router>();
    desk_->add_routes(*routes);
    net::listener_options l;
    l.name = "desk";
    l.address = "127.0.0.1";
    l.port = port_;
    auto bound = server_->listen(l, routes);
    ASSERT_TRUE(bound) << bound.error().message();
    ASSERT_TRUE(desk_->start(bound->base_url()));
    threads_ = std::make_unique<core::thread_group>(io_, 2, "desk-idp");
  }

  void TearDown() override {
    if (threads_) {
      desk_->stop();
      boost::asio::co_spawn(io_, server_->shutdown(), boost::asio::use_future).get();
      io_.stop();
      threads_->join();
    }
    idp_.reset();
    desk_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static std::uint16_t free_port() {
    // The IdP's redirect URIs need the desk's port before it listens: bind, read, release.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

  answer call(const std::string& method, const std::string& url, browser* b, std::string headers = {},
              const std::string& body = {}) {
    auto [port, target] = parts(url.rfind("http", 0) == 0 ? url : origin_ + url);
    net::test::probe p(port);
    EXPECT_TRUE(p.connected());
    if (b) headers += b->header();
    p.send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    answer a;
    auto raw = p.read_response(20s);
    if (!raw) return a;
    a.status = raw->status;
    a.raw = *raw;
    if (b) b->take(*raw);
    boost::system::error_code ec;
    if (raw->header("content-type").find("json") != std::string::npos) a.json = boost::json::parse(raw->body, ec);
    return a;
  }
  answer api(const std::string& method, const std::string& path, browser& b) {
    return call(method, path, &b, "X-Parley-Desk: 1\r\nOrigin: " + origin_ + "\r\n", method == "GET" ? "" : "{}");
  }

  // From the desk's sign-in button to the IdP's redirect back (not followed): the callback URL.
  std::string to_idp_and_back(const std::string& tenant, const std::string& user, browser& b) {
    auto start = call("GET", "/desk/login/" + tenant, &b);
    EXPECT_EQ(start.status, 303);
    auto auth = call("GET", start.location(), &b);
    EXPECT_EQ(auth.status, 303);
    const std::string issuer = idp_->issuers().at(tenant);
    const std::string interaction = absolute(issuer, auth.location());
    auto page = call("GET", interaction, &b);
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.raw.body.find("<form method=\"post\" action=\"/interaction/"), std::string::npos);
    auto login = call("POST", interaction + "/login", &b, "Content-Type: application/x-www-form-urlencoded\r\n",
                      "username=" + user + "&password=pw-" + user);
    EXPECT_EQ(login.status, 303);
    auto resume = call("GET", absolute(issuer, login.location()), &b);
    EXPECT_EQ(resume.status, 303);
    return resume.location();
  }
  answer sign_in(const std::string& tenant, const std::string& user, browser& b) {
    return call("GET", to_idp_and_back(tenant, user, b), &b);
  }
  std::string last_details() const { return audit.entries().empty() ? "" : audit.entries().back().details; }

  core::testing::fake_clock clock;
  audit::testing::memory_sink audit;
  net::metrics_registry metrics_;
  boost::asio::io_context io_;
  fs::path dir_;
  std::uint16_t port_ = 0;
  std::string origin_;
  std::unique_ptr<app::test_idp_process> idp_;
  std::unique_ptr<store::encrypted_store> store_;
  std::unique_ptr<net::pooled_http_client> http_;
  std::unique_ptr<interposed_client> client_;
  std::shared_ptr<service> desk_;
  std::unique_ptr<net::server> server_;
  std::unique_ptr<core::thread_group> threads_;
};

TEST_F(desk_idp, a_consultant_of_each_tenant_signs_in_at_their_own_idp_and_sees_only_their_tenant) {
  browser anna, hugo;
  auto a = sign_in("bankx", "anna", anna);
  ASSERT_EQ(a.status, 303) << a.raw.body;
  ASSERT_EQ(a.location(), "/desk/") << last_details();
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).location(), "/desk/") << last_details();
  auto me = api("GET", "/desk/api/me", anna);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json.at("tenant"), "bankx");
  EXPECT_EQ(me.json.at("name"), "Name of anna");
  EXPECT_EQ(me.json.at("role"), "consultant");
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-bankx-1", anna).status, 200);
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-harbour-1", anna).status, 404);
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-bankx-1", hugo).status, 404);
  auto list = api("GET", "/desk/api/conversations", hugo);
  ASSERT_EQ(list.json.at("conversations").as_array().size(), 1u);
  EXPECT_EQ(list.json.at("conversations").at(0).at("id"), "conv-harbour-1");
  // The two IdPs sign with their own keys.
  auto jwks_a = call("GET", idp_->issuers().at("bankx") + "/jwks", nullptr);
  auto jwks_h = call("GET", idp_->issuers().at("harbour") + "/jwks", nullptr);
  EXPECT_NE(boost::json::parse(jwks_a.raw.body).at("keys").at(0).at("n"),
            boost::json::parse(jwks_h.raw.body).at("keys").at(0).at("n"));
}

TEST_F(desk_idp, replayed_codes_mix_up_and_a_token_from_the_other_idp_are_refused) {
  browser b;
  const auto back = to_idp_and_back("bankx", "anna", b);
  ASSERT_EQ(call("GET", back, &b).location(), "/desk/");
  EXPECT_EQ(call("GET", back, &b).location(), "/desk/?error=sign_in_expired");  // replayed callback
  // The used code with a fresh state of the same browser: the real IdP refuses it.
  auto fresh = call("GET", "/desk/login/bankx", &b);
  const auto state = fresh.location().substr(fresh.location().find("state=") + 6, 43);
  const auto code = back.substr(back.find("code=") + 5, back.find('&') - back.find("code=") - 5);
  const auto iss = back.substr(back.find("&iss="));
  EXPECT_EQ(call("GET", "/desk/callback/bankx?code=" + code + "&state=" + state + iss, &b).location(),
            "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("code_refused"), std::string::npos);

  // Mix-up: a response carrying the other tenant's real issuer.
  browser m;
  auto mixed = to_idp_and_back("bankx", "anna", m);
  const auto at = mixed.find("&iss=");
  mixed = mixed.substr(0, at) + "&iss=" + net::form_encode({{"", idp_->issuers().at("harbour")}}).substr(1);
  EXPECT_EQ(call("GET", mixed, &m).location(), "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("issuer_mismatch"), std::string::npos);

  // A network attacker swaps BankX's ID token for a real one from Harbour's IdP.
  std::string harbour_token;
  client_->on_response = [&](const std::string& url, net::client_response& r) {
    if (url.rfind(idp_->issuers().at("harbour") + "/token", 0) == 0) {
      harbour_token = std::string(boost::json::parse(r.body).at("id_token").as_string());
    } else if (url.rfind(idp_->issuers().at("bankx") + "/token", 0) == 0 && !harbour_token.empty()) {
      auto doc = boost::json::parse(r.body).as_object();
      doc["id_token"] = harbour_token;
      r.body = boost::json::serialize(doc);
    }
  };
  browser h;
  ASSERT_EQ(sign_in("harbour", "hugo", h).location(), "/desk/");
  ASSERT_FALSE(harbour_token.empty());
  browser s;
  EXPECT_EQ(sign_in("bankx", "anna", s).location(), "/desk/?error=sign_in_failed");
  EXPECT_NE(last_details().find("bad_token"), std::string::npos);
  EXPECT_EQ(api("GET", "/desk/api/me", s).status, 401);
}

TEST_F(desk_idp, sign_out_ends_the_session_at_the_idp_too) {
  browser b;
  ASSERT_EQ(sign_in("bankx", "anna", b).location(), "/desk/");
  browser stolen = b;
  auto out = api("POST", "/desk/api/logout", b);
  ASSERT_EQ(out.status, 200);
  const std::string end_session(out.json.at("redirect").as_string());
  ASSERT_EQ(end_session.rfind(idp_->issuers().at("bankx") + "/session/end?id_token_hint=", 0), 0u);
  EXPECT_EQ(api("GET", "/desk/api/me", stolen).status, 401);
  // At the IdP: its confirmation form (the IdP's own xsrf), then back to the desk with our state.
  auto confirm = call("GET", end_session, &b);
  ASSERT_EQ(confirm.status, 200) << confirm.raw.body;
  const auto xs = confirm.raw.body.find("name=\"xsrf\" value=\"") + 19;
  const std::string xsrf = confirm.raw.body.substr(xs, confirm.raw.body.find('"', xs) - xs);
  auto done = call("POST", idp_->issuers().at("bankx") + "/session/end/confirm", &b,
                   "Content-Type: application/x-www-form-urlencoded\r\n", "xsrf=" + xsrf + "&logout=yes");
  ASSERT_EQ(done.status, 303);
  ASSERT_EQ(done.location().rfind(origin_ + "/desk/signed-out?state=", 0), 0u);
  EXPECT_EQ(call("GET", done.location(), &b).location(), "/desk/?signed_out=idp");
  // Signed out at the IdP: a new sign-in asks for the password again.
  auto start = call("GET", "/desk/login/bankx", &b);
  auto auth = call("GET", start.location(), &b);
  ASSERT_EQ(auth.status, 303);
  EXPECT_NE(auth.location().find("/interaction/"), std::string::npos);
  auto page = call("GET", absolute(idp_->issuers().at("bankx"), auth.location()), &b);
  EXPECT_NE(page.raw.body.find("id=\"password\""), std::string::npos);
}

TEST_F(desk_idp, back_channel_logout_from_the_idp_closes_the_open_desk) {
  browser b;
  ASSERT_EQ(sign_in("bankx", "anna", b).location(), "/desk/");
  net::test::ws_client ws;
  ws.headers = {{"Cookie", b.header().substr(8, b.header().size() - 10)}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  ASSERT_TRUE(ws.read());  // hello
  // The consultant signs out at the IdP, elsewhere (no id_token_hint): the IdP tells the desk.
  auto confirm = call("GET", idp_->issuers().at("bankx") + "/session/end", &b);
  ASSERT_EQ(confirm.status, 200) << confirm.raw.body;
  const auto xs = confirm.raw.body.find("name=\"xsrf\" value=\"") + 19;
  const std::string xsrf = confirm.raw.body.substr(xs, confirm.raw.body.find('"', xs) - xs);
  auto done = call("POST", idp_->issuers().at("bankx") + "/session/end/confirm", &b,
                   "Content-Type: application/x-www-form-urlencoded\r\n", "xsrf=" + xsrf + "&logout=yes");
  EXPECT_EQ(done.status, 303);
  auto ended = ws.read(20s);
  ASSERT_TRUE(ended);
  auto e = boost::json::parse(ended->text);
  EXPECT_EQ(e.at("type"), "session.ended");
  EXPECT_EQ(e.at("data").at("reason"), "backchannel");
  EXPECT_EQ(api("GET", "/desk/api/me", b).status, 401);
  EXPECT_NE(last_details().find("backchannel"), std::string::npos);
}

TEST_F(desk_idp, a_consultant_disabled_at_the_idp_loses_access_within_the_refresh_window) {
  browser b;
  ASSERT_EQ(sign_in("bankx", "anna", b).location(), "/desk/");
  auto disable = call("POST", idp_->issuers().at("bankx") + "/test-control/accounts/anna/disable", nullptr,
                      "Authorization: Bearer " + idp_->control_token() + "\r\n");
  ASSERT_EQ(disable.status, 204);
  clock.advance(4min);
  EXPECT_EQ(api("GET", "/desk/api/me", b).status, 200);  // not due yet
  clock.advance(61s);                                    // refresh_interval = 5 min
  EXPECT_EQ(api("GET", "/desk/api/me", b).status, 401);
  EXPECT_EQ(audit.entries().back().event, "desk.session_revoked");
  EXPECT_NE(last_details().find("refresh_refused"), std::string::npos);
}

}  // namespace
}  // namespace parley::desk
