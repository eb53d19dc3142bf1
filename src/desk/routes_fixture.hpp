// Test fixture of the desk's routes (routes_test.cpp, live_test.cpp): the desk over real sockets
// (127.0.0.1, port 0), the two tenants' fake IdPs behind the outbound-client seam, a browser's
// cookie jar, and the sign-in. Test code, one test at a time.
#pragma once

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

namespace parley::desk::test {

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
    auto& store = conversation_store();
    ASSERT_TRUE(run(store.ensure_tenant("bankx")));
    ASSERT_TRUE(run(store.ensure_tenant("harbour")));
    ASSERT_TRUE(run(store.create_conversation("bankx", "conv-bankx-1", "bot", "dl_u1")));
    ASSERT_TRUE(run(store.create_conversation("harbour", "conv-harbour-1", "bot", "dl_u2")));
    start();
  }
  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    auto o = testing::two_tenants();
    o.app_dir = dir_.string();
    adjust(o);
    dependencies deps{io_, conversation_store(), sessions, idps.client, audit, clock, core::os_random()};
    deps.queue = queue_;
    deps.link = link_;
    deps.relay = relay_;
    desk_ = service::create(std::move(o), deps);
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
  /// A fixture's changes to the desk's options before it starts.
  virtual void adjust(options&) {}
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
  /// The store the desk reads conversations from (the live desk's tests use a real one).
  virtual store::conversation_store& conversation_store() { return conversations; }

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
  store::desk_queue_store* queue_ = nullptr;  ///< the live desk (routes_live.cpp): set before start()
  conversation_link* link_ = nullptr;
  event_relay* relay_ = nullptr;  ///< the other nodes (live.hpp): set before start()
};

}  // namespace parley::desk::test
