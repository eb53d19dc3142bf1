// TLS: the server's profile (checked with Debian's sslscan), HSTS, WSS, and the client's
// certificate and host name verification against a test CA generated here.
#include "server_fixture.hpp"
#include "sslscan_profile.hpp"
#include "ws_client.hpp"

#include <parley/net/client.hpp>
#include <parley/net/testing/test_pki.hpp>

#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>
#include <sstream>

namespace parley::net::test {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path temp_dir(std::string_view name) {
  auto p = fs::temp_directory_path() / ("parley-tls-" + std::to_string(::getpid()) + "-" + std::string(name));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void routes(router& r, server& srv, metrics_registry&) {
  add_health_routes(r, srv);
  r.get("/who", [](const request& req) -> asio::awaitable<response> {
    co_return text_response(200, req.tls ? "tls" : "plain");
  });
  r.websocket("/ws", [](const request&) -> asio::awaitable<websocket_upgrade> {
    websocket_hooks h;
    h.on_message = [](net::websocket ws, std::string text) -> asio::awaitable<void> {
      ws.send("wss:" + text);
      co_return;
    };
    co_return websocket_upgrade::accept(std::move(h));
  });
}

listener_options tls_listener(const testing::test_certificate& cert) {
  listener_options l;
  l.name = "tls";
  l.tls_cert_file = cert.cert_file.string();
  l.tls_key = core::secret_string(cert.key_pem);
  return l;
}

// A TLS server that requires a client certificate from the test CA (as a bank's Login API may),
// answering every request with 200 "ok" and counting the clients that presented a valid one.
class mtls_server {
 public:
  mtls_server(const testing::test_certificate& cert, const fs::path& ca)
      : ctx_(asio::ssl::context::tls_server), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain_file(cert.cert_file.string());
    ctx_.use_private_key_file(cert.key_file.string(), asio::ssl::context::pem);
    ctx_.load_verify_file(ca.string());
    ctx_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    asio::co_spawn(io_, serve(), core::log_exceptions{core::logger("test"), "mtls server"});
    thread_ = std::thread([this] { io_.run(); });
  }
  ~mtls_server() {
    io_.stop();
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> clients_with_certificate{0};

 private:
  asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(core::use_tuple);
      if (ec) co_return;
      asio::ssl::stream<asio::ip::tcp::socket> s(std::move(socket), ctx_);
      auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::server, core::use_tuple);
      if (hec) continue;
      if (X509* peer = SSL_get1_peer_certificate(s.native_handle())) {
        ++clients_with_certificate;
        X509_free(peer);
      }
      std::string request;
      auto [rec, n] = co_await asio::async_read_until(s, asio::dynamic_buffer(request), "\r\n\r\n", core::use_tuple);
      if (rec) continue;
      static const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      co_await asio::async_write(s, asio::buffer(answer), core::use_tuple);
    }
  }

  asio::io_context io_;
  asio::ssl::context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

class tls_test : public ::testing::Test {
 protected:
  tls_test()
      : dir_(temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name())),
        pki_(dir_ / "ca"),
        work_(asio::make_work_guard(io_)),
        threads_(io_, 1, "client") {}
  ~tls_test() override {
    work_.reset();
    threads_.join();
    fs::remove_all(dir_);
  }
  std::unique_ptr<pooled_http_client> make(client_options o) {
    auto c = pooled_http_client::create(io_, std::move(o));
    EXPECT_TRUE(c);
    return c ? std::move(*c) : nullptr;
  }
  result<client_response> call(pooled_http_client& c, std::string url) {
    client_request req;
    req.url = std::move(url);
    return asio::co_spawn(io_, c.send(std::move(req)), asio::use_future).get();
  }
  client_options trusting_test_ca() {
    client_options o;
    o.ca_file = pki_.ca_file().string();
    return o;
  }

  fs::path dir_;
  testing::test_pki pki_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  core::thread_group threads_;
};

TEST_F(tls_test, https_with_the_test_ca_and_hsts) {
  const auto cert = pki_.issue("server", {"localhost"}, {"127.0.0.1"});
  running_server s(routes, {}, tls_listener(cert));
  ASSERT_TRUE(s.info().tls);
  auto c = make(trusting_test_ca());
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const auto r = call(*c, "https://" + host + ":" + std::to_string(s.port()) + "/who");
    ASSERT_TRUE(r) << host << ": " << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "tls");
    EXPECT_EQ(r->headers.get("strict-transport-security"), "max-age=63072000; includeSubDomains");
  }
}

TEST_F(tls_test, client_refuses_an_untrusted_ca) {
  const auto cert = pki_.issue("server", {"localhost"}, {"127.0.0.1"});
  running_server s(routes, {}, tls_listener(cert));
  auto system_only = make({});  // system CAs only: the test CA is unknown
  auto r = call(*system_only, s.info().base_url() + "/who");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::tls_failed));
  testing::test_pki other(dir_ / "other", "other-ca");
  client_options o;
  o.system_cas = false;
  o.ca_file = other.ca_file().string();
  auto wrong_ca = make(std::move(o));
  r = call(*wrong_ca, s.info().base_url() + "/who");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::tls_failed));
}

TEST_F(tls_test, client_refuses_a_certificate_for_another_host) {
  const auto cert = pki_.issue("wrong", {"other.example"}, {"10.9.8.7"});
  running_server s(routes, {}, tls_listener(cert));
  auto c = make(trusting_test_ca());
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const auto r = call(*c, "https://" + host + ":" + std::to_string(s.port()) + "/who");
    ASSERT_FALSE(r) << host;
    EXPECT_EQ(r.error(), make_error_code(errc::tls_failed)) << host;
  }
}

TEST_F(tls_test, wss_echo) {
  const auto cert = pki_.issue("server", {"localhost"}, {"127.0.0.1"});
  running_server s(routes, {}, tls_listener(cert));
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(pki_.ca_file().string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  wss_client c(&ctx);
  ASSERT_EQ(c.connect(s.port(), "/ws"), 101);
  ASSERT_TRUE(c.write("hi"));
  const auto m = c.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "wss:hi");
}

// The certificate a new TLS connection to 127.0.0.1:port is served, as DER (verification off:
// the test compares it with the files).
std::string served_certificate(std::uint16_t port) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  boost::system::error_code ec;
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (!ec) s.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return "handshake failed: " + ec.message();
  X509* cert = SSL_get1_peer_certificate(s.native_handle());
  std::string der;
  if (cert) {
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert, &out);
    if (n > 0) der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    X509_free(cert);
  }
  s.shutdown(ec);
  return der;
}

std::string certificate_der(const fs::path& pem) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(pem.c_str(), "r"), &std::fclose);
  std::unique_ptr<X509, void (*)(X509*)> cert(f ? PEM_read_X509(f.get(), nullptr, nullptr, nullptr) : nullptr,
                                              &X509_free);
  if (!cert) return "unreadable " + pem.string();
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert.get(), &out);
  std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(std::max(n, 0)));
  OPENSSL_free(out);
  return der;
}

// SIGHUP's certificate renewal (server::reload_tls): an open WebSocket keeps going on the old
// certificate, new connections get the new one; a broken renewal is refused and the certificate in
// use stays.
TEST_F(tls_test, reload_swaps_the_certificate_for_new_connections_and_keeps_open_ones) {
  const auto old_cert = pki_.issue("old", {"localhost"}, {"127.0.0.1"});
  const auto new_cert = pki_.issue("new", {"localhost"}, {"127.0.0.1"});
  ASSERT_NE(certificate_der(old_cert.cert_file), certificate_der(new_cert.cert_file));
  running_server s(routes, {}, tls_listener(old_cert));
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(pki_.ca_file().string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  wss_client ws(&ctx);
  ASSERT_EQ(ws.connect(s.port(), "/ws"), 101);
  EXPECT_EQ(served_certificate(s.port()), certificate_der(old_cert.cert_file));

  ASSERT_TRUE(s.srv().reload_tls(tls_listener(new_cert)));
  EXPECT_EQ(served_certificate(s.port()), certificate_der(new_cert.cert_file));
  ASSERT_TRUE(ws.write("after reload"));
  auto m = ws.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "wss:after reload");

  // Broken renewals: a key of another certificate, a missing file, a listener not running.
  auto mismatched = tls_listener(new_cert);
  mismatched.tls_key = core::secret_string(old_cert.key_pem);
  auto r = s.srv().reload_tls(mismatched);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::tls_setup_failed));
  auto missing = tls_listener(new_cert);
  missing.tls_cert_file = (dir_ / "missing.pem").string();
  EXPECT_FALSE(s.srv().reload_tls(missing));
  auto other = tls_listener(new_cert);
  other.name = "channel";
  EXPECT_FALSE(s.srv().reload_tls(other));
  EXPECT_EQ(served_certificate(s.port()), certificate_der(new_cert.cert_file));
  ASSERT_TRUE(ws.write("still open"));
  m = ws.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "wss:still open");
}

// parley_tls_handshake_failures_total{listener}: plain HTTP to a TLS port fails the handshake; a
// connection closed without a byte (a TCP health check) does not count.
TEST_F(tls_test, failed_handshakes_are_counted_per_listener) {
  const auto cert = pki_.issue("server", {"localhost"}, {"127.0.0.1"});
  running_server s(routes, {}, tls_listener(cert));
  auto& failures = s.metrics().counter_for("parley_tls_handshake_failures_total", "", {{"listener", "tls"}});
  EXPECT_EQ(failures.value(), 0U);
  {
    asio::io_context io;
    asio::ip::tcp::socket silent(io);
    silent.connect({asio::ip::make_address("127.0.0.1"), s.port()});
  }
  asio::io_context io;
  asio::ip::tcp::socket plain(io);
  plain.connect({asio::ip::make_address("127.0.0.1"), s.port()});
  asio::write(plain, asio::buffer(std::string("GET /who HTTP/1.1\r\nHost: x\r\n\r\n")));
  char byte = 0;
  boost::system::error_code ec;
  (void)plain.read_some(asio::buffer(&byte, 1), ec);  // the server's alert, then its close
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (failures.value() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(failures.value(), 1U);
  EXPECT_EQ(served_certificate(s.port()), certificate_der(cert.cert_file));
  EXPECT_EQ(failures.value(), 1U);
}

TEST_F(tls_test, key_not_matching_the_certificate_is_refused_at_listen) {
  const auto a = pki_.issue("a", {"localhost"}, {});
  const auto b = pki_.issue("b", {"localhost"}, {});
  metrics_registry m;
  asio::io_context io;
  server srv(io, {}, m);
  auto l = tls_listener(a);
  l.tls_key = core::secret_string(b.key_pem);
  auto r = srv.listen(l, std::make_shared<router>());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::tls_setup_failed));
  l.tls_cert_file = (dir_ / "missing.pem").string();
  r = srv.listen(l, std::make_shared<router>());
  EXPECT_EQ(r.error(), make_error_code(errc::tls_setup_failed));
}

TEST_F(tls_test, client_certificate_for_mutual_tls) {
  const auto server_cert = pki_.issue("server", {"localhost"}, {"127.0.0.1"});
  const auto client_cert = pki_.issue("client", {"parley-bot"}, {});
  mtls_server srv(server_cert, pki_.ca_file());
  const std::string url = "https://127.0.0.1:" + std::to_string(srv.port()) + "/startLogin";
  auto anonymous = make(trusting_test_ca());
  EXPECT_FALSE(call(*anonymous, url));
  EXPECT_EQ(srv.clients_with_certificate.load(), 0);
  auto o = trusting_test_ca();
  o.client_cert_file = client_cert.cert_file.string();
  o.client_key = core::secret_string(client_cert.key_pem);
  auto with_certificate = make(std::move(o));
  const auto r = call(*with_certificate, url);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(srv.clients_with_certificate.load(), 1);
}

TEST_F(tls_test, client_with_bad_ca_file_is_refused_at_creation) {
  client_options o;
  o.ca_file = (dir_ / "nope.pem").string();
  EXPECT_FALSE(pooled_http_client::create(io_, std::move(o)));
}

// Mozilla "intermediate": TLS 1.2 + 1.3 only, ECDHE with AEAD suites only for 1.2.
TEST_F(tls_test, sslscan_sees_only_tls12_tls13_and_aead_suites) {
  if (std::system("command -v sslscan >/dev/null 2>&1") != 0) GTEST_SKIP() << "sslscan not installed";
  const auto cert = pki_.issue("server", {"localhost"}, {"127.0.0.1"});
  running_server s(routes, {}, tls_listener(cert), 2);
  const auto xml_file = dir_ / "sslscan.xml";
  const std::string cmd = "timeout 180 sslscan --no-colour --xml=" + xml_file.string() + " 127.0.0.1:" +
                          std::to_string(s.port()) + " >" + (dir_ / "sslscan.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(xml_file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string xml = ss.str();
  // The profile's checks are shared with parley_serve_tls_test.sh (sslscan_profile.hpp).
  EXPECT_EQ(parley::test::sslscan_problems(xml), std::vector<std::string>{}) << xml;
}

}  // namespace
}  // namespace parley::net::test
