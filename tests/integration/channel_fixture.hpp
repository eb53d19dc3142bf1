// Test harness for the channel: a real channel (net server on 127.0.0.1:0, in-memory store,
// signing keys in a temp dir, the real outbound client) and a real test bot on another server
// whose behaviour each test scripts: echo through the Connector API (while the channel waits for
// its answer), answer late, fail, never answer, or answer garbage on a raw socket.
#pragma once

#include "requests_served.hpp"

#include <parley/bus/in_process.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/core/async.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/net/client.hpp>
#include <parley/net/server.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

namespace parley::channel::test {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

inline const std::string secret_a = "bankx-channel-secret-0123456789-abcdef";
inline const std::string secret_b = "other-channel-secret-0123456789-abcdef";
inline const std::string password_a = "bankx-app-password-0123456789-abcdef";

inline const std::string& hash_of(const std::string& s) {
  static std::mutex m;
  static std::map<std::string, std::string> cache;
  std::lock_guard lock(m);
  auto& h = cache[s];
  if (h.empty()) h = *hash_secret(s, core::os_random());
  return h;
}

/// One HTTP exchange, synchronously (the client runs on the harness's io_context).
struct http_result {
  int status = 0;
  net::header_map headers;
  std::string body;
  [[nodiscard]] json::object json() const {
    auto o = core::parse_json_object(body, {.max_bytes = 64 << 20});
    return o ? *o : json::object{};
  }
  /// The Direct Line error code of an error body ("" if none).
  [[nodiscard]] std::string code() const {
    const auto o = json();
    const auto* e = o.if_contains("error");
    return e && e->is_object() && e->get_object().contains("code") ? std::string(e->at("code").as_string()) : "";
  }
};

/// A scriptable bot: records what it receives, answers per `mode`.
class test_bot {
 public:
  enum class mode { echo, late, fail, hang, quiet };  // quiet: 200, no reply

  explicit test_bot(asio::io_context& io, net::http_client& http) : io_(io), http_(http) {}

  void set_mode(mode m) { mode_ = m; }
  /// Bearer for its Connector calls (empty: anonymous).
  void set_token(std::string t) {
    std::lock_guard lock(mutex_);
    token_ = std::move(t);
  }
  struct inbound {
    std::string authorization;
    json::object activity;
  };
  std::vector<inbound> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  /// Waits until `n` activities arrived (or 5 s).
  bool wait_for(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (received().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  /// Replies go to `channel` directly (service::receive_from_bot, ADR 0007) instead of over HTTP.
  void reply_in_process(service* channel) { in_process_ = channel; }

  asio::awaitable<net::response> handle(const net::request& req) {
    auto activity = req.json().is_object() ? req.json().get_object() : json::object{};
    std::string authorization(req.headers.get("authorization").value_or(""));
    const int status = co_await on_activity(std::move(activity), std::move(authorization));
    co_return status == 200 ? net::empty_response(200) : net::text_response(status, "bot failure");
  }

  /// The bot's behaviour for one activity, whichever way it came; returns its status.
  asio::awaitable<int> on_activity(json::object activity, std::string authorization) {
    {
      std::lock_guard lock(mutex_);
      received_.push_back({std::move(authorization), activity});
    }
    const auto m = mode_.load();
    if (m == mode::fail) co_return 500;
    if (m == mode::quiet) co_return 200;
    if (m == mode::hang) {
      asio::steady_timer t(co_await asio::this_coro::executor, 30s);
      co_await t.async_wait(core::use_tuple);
      co_return 200;
    }
    if (m == mode::late) {
      asio::steady_timer t(co_await asio::this_coro::executor, 1500ms);
      co_await t.async_wait(core::use_tuple);
    }
    if (activity.contains("type") && activity.at("type") == "message") {
      // A named argument: GCC 12 destroys a temporary in a co_await expression twice (PR 99576).
      std::string text = "echo: " + std::string(activity.contains("text") ? activity.at("text").as_string() : "");
      co_await reply(activity, std::move(text));
    }
    co_return 200;
  }

  /// What botbuilder does: POST {serviceUrl}v3/conversations/{conv}/activities/{replyToId}.
  asio::awaitable<int> reply(const json::object& to, std::string text) {
    const std::string service_url(to.at("serviceUrl").as_string());
    const std::string conv(to.at("conversation").at("id").as_string());
    const std::string id(to.at("id").as_string());
    if (auto* channel = in_process_.load(); channel != nullptr) {
      std::string bot_id = "bankx-assistant";
      std::string conversation = conv;
      std::string reply_to = id;
      std::string body = json::serialize(reply_activity(id, text));
      auto r = co_await channel->receive_from_bot(std::move(bot_id), std::move(conversation), std::move(reply_to),
                                                  std::move(body));
      co_return r ? 200 : 400;
    }
    auto req = net::client_request::json(net::method::post,
                                         service_url + "v3/conversations/" + conv + "/activities/" + escape(id),
                                         reply_activity(id, text));
    {
      std::lock_guard lock(mutex_);
      if (!token_.empty()) req.headers.set("Authorization", "Bearer " + token_);
    }
    auto r = co_await http_.send(std::move(req));
    co_return r ? r->status : 0;
  }

  // "echo: ask for a code" prompts for a secret (the credential guard's expectsSecret flag);
  // "echo: await a code" is a typing activity saying a login's code comes (awaitsCode), no message.
  static json::object reply_activity(std::string_view reply_to, std::string_view text) {
    if (text == "echo: await a code") {
      return json::object{{"type", "typing"}, {"channelData", {{"parley", {{"awaitsCode", true}}}}}};
    }
    json::object a{{"type", "message"}, {"text", text}, {"replyToId", reply_to}};
    if (text == "echo: ask for a code") a["channelData"] = {{"parley", {{"expectsSecret", true}}}};
    return a;
  }

  static std::string escape(std::string_view id) {
    std::string out;
    for (const char c : id) {
      if (c == '|') {
        out += "%7C";
      } else {
        out.push_back(c);
      }
    }
    return out;
  }

 private:
  asio::io_context& io_;
  net::http_client& http_;
  std::atomic<mode> mode_{mode::echo};
  std::atomic<service*> in_process_{nullptr};
  mutable std::mutex mutex_;
  std::string token_;
  std::vector<inbound> received_;
};

/// The test bot as the channel's in-process bot (endpoint "in-process"): what src/app's
/// in_process_link does for the real bot web service.
class in_process_test_bot final : public in_process_bot {
 public:
  explicit in_process_test_bot(test_bot& bot) : bot_(bot) {}
  asio::awaitable<int> deliver(std::string bot_id, std::string activity_json) override {
    if (bot_id != "bankx-assistant") co_return 404;
    auto o = core::parse_json_object(activity_json, {.max_bytes = 1 << 20, .max_depth = 64});
    if (!o) co_return 400;
    ++delivered_;
    co_return co_await bot_.on_activity(std::move(*o), std::string{});
  }
  [[nodiscard]] int delivered() const { return delivered_.load(); }

 private:
  test_bot& bot_;
  std::atomic<int> delivered_{0};
};

/// A TCP server that answers every connection with bytes that are not HTTP, then closes.
class garbage_server {
 public:
  garbage_server() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      for (;;) {
        asio::ip::tcp::socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        char buf[4096];
        (void)s.read_some(asio::buffer(buf), ec);
        asio::write(s, asio::buffer(std::string_view("SMTP ready\r\nthis is not HTTP at all\r\n\r\n")), ec);
        s.close(ec);
      }
    });
  }
  ~garbage_server() {
    stop_ = true;
    boost::system::error_code ec;
    asio::ip::tcp::socket s(io_);
    s.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct harness_settings {
  std::chrono::milliseconds bot_timeout = 3s;
  bool anonymous_bot = false;  // bot A without app id
  std::string bot_endpoint;    // default: the test bot
  double client_rate = 100'000;
  double conversation_rate = 100'000;
  std::chrono::milliseconds max_throttle_delay = 5s;
  std::size_t max_upload_bytes = 256 * 1024;
  bool in_process = false;                     // bot A in-process (endpoint "in-process"): no HTTP, no tokens
  store::conversation_store* store = nullptr;  // default: the harness's in-memory store
  /// Changes to the channel's options after the defaults below (tenants, lifetimes, limits).
  std::function<void(options&)> tweak;
  /// The desk's side of handoffs (null: no desk).
  handoff_listener* handoff = nullptr;
  /// Where redeemed stream tokens are recorded across nodes (null: this node's replay set only).
  store::single_use_store* shared_uses = nullptr;
};

/// The channel and its bot, both on 127.0.0.1 port 0.
class harness {
 public:
  using settings = harness_settings;

  explicit harness(settings st = {}) : work_(asio::make_work_guard(io_)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-channel-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir_);
    jose::key_store_options ko;
    ko.file = dir_ / "keys.json";
    keys_ = std::move(*jose::signing_key_store::open(ko, token_service::key_purposes(), wrapper_, clock_));
    http_ = std::move(*net::pooled_http_client::create(io_, {}));
    bot_ = std::make_unique<test_bot>(io_, *http_);

    // The bot's server first: the channel's configuration names its endpoint.
    net::server_options bot_server_options;
    bot_server_options.shutdown_timeout = 500ms;  // a hanging test bot must not hold the teardown
    bot_server_ = std::make_unique<net::server>(io_, bot_server_options, metrics_);
    auto bot_routes = std::make_shared<net::router>();
    net::route_options json_body;
    json_body.json_body = true;
    json_body.max_body_bytes = 1 << 20;
    bot_routes->post(
        "/api/messages", [this](const net::request& r) { return bot_->handle(r); }, json_body);
    net::listener_options bl;
    bl.name = "bot";
    bl.port = 0;
    bot_info_ = *bot_server_->listen(bl, bot_routes);

    options o;
    o.bot_timeout = st.bot_timeout;
    o.client_rate = st.client_rate;
    o.conversation_rate = st.conversation_rate;
    o.max_throttle_delay = st.max_throttle_delay;
    o.max_upload_bytes = st.max_upload_bytes;
    bot_options a;
    a.id = "bankx-assistant";
    a.tenant = "bankx";
    a.name = "BankX Assistant";
    a.app_id = st.anonymous_bot ? "" : "app-bankx";
    a.secret_hashes = {hash_of(secret_a)};
    if (!st.anonymous_bot) a.app_password_hash = hash_of(password_a);
    a.endpoint = st.bot_endpoint.empty() ? bot_info_.base_url() + "/api/messages" : st.bot_endpoint;
    if (st.in_process) a.endpoint = std::string(in_process_endpoint);
    a.origins = {"https://www.bankx.example"};
    bot_options b = a;
    b.endpoint = bot_info_.base_url() + "/api/messages";
    b.id = "other-bot";
    b.tenant = "otherbank";
    b.app_id = "app-other";
    b.app_password_hash = hash_of(password_a);
    b.secret_hashes = {hash_of(secret_b)};
    b.origins = {"https://www.other.example"};
    o.bots = {a, b};
    // Bearer tokens (what these tests send) are allowed for both tenants; DPoP tests tighten it.
    for (const auto* tenant : {"bankx", "otherbank"}) {
      tenant_options t;
      t.id = tenant;
      t.require_bound_tokens = false;
      o.tenants.push_back(t);
    }
    if (st.tweak) st.tweak(o);

    in_process_bot_ = std::make_unique<in_process_test_bot>(*bot_);
    store::conversation_store& conversations = st.store != nullptr ? *st.store : store_;
    svc_ = std::make_unique<service>(
        o, dependencies{io_, conversations, *keys_, *http_, bus_, clock_, core::os_random(), nullptr,
                        st.in_process ? in_process_bot_.get() : nullptr, st.handoff, st.shared_uses});
    if (st.in_process) bot_->reply_in_process(svc_.get());
    net::server_options so;
    so.max_body_bytes = 8 << 20;
    server_ = std::make_unique<net::server>(io_, so, metrics_);
    auto routes = std::make_shared<net::router>();
    svc_->add_routes(*routes);
    net::listener_options l;
    l.name = "channel";
    l.port = 0;
    info_ = *server_->listen(l, routes);
    EXPECT_TRUE(svc_->start(info_.base_url()));
    server_->set_ready(true);
    threads_ = std::make_unique<core::thread_group>(io_, 2, "channel-it");
    // An authenticated bot replies with the bearer it gets from the channel's token endpoint.
    if (!st.anonymous_bot) bot_->set_token(bot_token());
  }

  ~harness() {
    asio::co_spawn(io_, server_->shutdown(), asio::use_future).get();
    asio::co_spawn(io_, bot_server_->shutdown(), asio::use_future).get();
    work_.reset();
    io_.stop();
    threads_->join();
    std::filesystem::remove_all(dir_);
  }

  http_result call(net::method m, const std::string& path, const std::string& credential = {}, std::string body = {},
                   std::string content_type = "application/json", net::header_map extra = {}) {
    net::client_request req;
    req.method = m;
    req.url = info_.base_url() + path;
    if (!credential.empty()) req.headers.set("Authorization", "Bearer " + credential);
    if (!body.empty() && !content_type.empty()) req.headers.set("Content-Type", content_type);
    for (const auto& [k, v] : extra) req.headers.set(k, v);
    req.body = std::move(body);
    req.timeout = 20s;
    auto f = asio::co_spawn(io_, http_->send(std::move(req)), asio::use_future);
    auto r = f.get();
    if (!r) return {0, {}, r.error().message()};
    return {r->status, r->headers, r->body};
  }
  http_result post(const std::string& path, const std::string& credential, const json::value& body) {
    return call(net::method::post, path, credential, json::serialize(body));
  }
  http_result get(const std::string& path, const std::string& credential) {
    return call(net::method::get, path, credential);
  }

  /// tokens/generate + POST conversations: {conversationId, token, streamUrl}.
  json::object start_conversation(const json::value& params = json::object{}) {
    auto gen = post("/v3/directline/tokens/generate", secret_a, params);
    EXPECT_EQ(gen.status, 200) << gen.body;
    const std::string token(gen.json().at("token").as_string());
    auto started = call(net::method::post, "/v3/directline/conversations", token);
    EXPECT_EQ(started.status, 201) << started.body;
    return started.json();
  }

  /// A bot access token from the token endpoint.
  std::string bot_token(const std::string& app_id = "app-bankx", const std::string& password = password_a) {
    auto r = call(net::method::post, "/botframework.com/oauth2/v2.0/token", {},
                  "grant_type=client_credentials&client_id=" + app_id + "&client_secret=" + password +
                      "&scope=" + scope_encoded() + "%2F.default",
                  "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(r.json().at("access_token").as_string()) : std::string{};
  }
  std::string scope_encoded() const {
    std::string s = info_.base_url();
    std::string out;
    for (const char c : s) {
      if (c == ':') {
        out += "%3A";
      } else if (c == '/') {
        out += "%2F";
      } else {
        out.push_back(c);
      }
    }
    return out;
  }

  [[nodiscard]] std::uint16_t port() const { return info_.port; }
  [[nodiscard]] std::string base_url() const { return info_.base_url(); }
  [[nodiscard]] test_bot& bot() { return *bot_; }
  [[nodiscard]] const in_process_test_bot& in_process() const { return *in_process_bot_; }
  /// Requests a listener ("channel" or "bot") served on `route` so far (from the server's metrics).
  [[nodiscard]] std::uint64_t requests_served(std::string_view listener, std::string_view route) const {
    return parley::testing::requests_served(metrics_, listener, route);
  }
  [[nodiscard]] core::testing::fake_clock& clock() { return clock_; }
  [[nodiscard]] service& channel() { return *svc_; }
  [[nodiscard]] store::testing::memory_store& store() { return store_; }
  [[nodiscard]] asio::io_context& io() { return io_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  net::metrics_registry metrics_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::filesystem::path dir_;
  core::testing::fake_clock clock_;
  jose::testing::test_key_wrapper wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
  store::testing::memory_store store_;
  bus::in_process_bus bus_;
  std::unique_ptr<net::pooled_http_client> http_;
  std::unique_ptr<test_bot> bot_;
  std::unique_ptr<in_process_test_bot> in_process_bot_;
  std::unique_ptr<net::server> bot_server_;
  net::listener_info bot_info_;
  std::unique_ptr<service> svc_;
  std::unique_ptr<net::server> server_;
  net::listener_info info_;
  std::unique_ptr<core::thread_group> threads_;
};

}  // namespace parley::channel::test
