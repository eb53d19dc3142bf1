// Test harness for the bot web service against the real channel: both on 127.0.0.1 port 0 with
// the real outbound client, one store (in memory, or the encrypted SQLite store in the temp dir as
// `parley demo` runs it), signing keys in a temp dir and a shared fake clock (so that token expiry
// is tested without sleeping). The bot runs the BankX assistant.
// With settings::in_process the channel and the bot talk through src/app's in_process_link
// (endpoint "in-process", docs/adr/0007) instead of /api/messages and the Connector API over HTTP;
// everything else (handshake, Direct Line, the bot's listener) is the same.
#pragma once

#include "requests_served.hpp"

#include "in_process_link.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>
#include <parley/assistant/definition.hpp>
#include <parley/bot/service.hpp>
#include <parley/bus/in_process.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/core/async.hpp>
#include <parley/core/json.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/net/client.hpp>
#include <parley/net/server.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <thread>

namespace parley::bot::it {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

inline const std::string secret = "bankx-channel-secret-for-the-bot-0123456789";
inline const std::string password = "bankx-app-password-for-the-bot-0123456789";
inline const std::string origin = "https://www.bankx.example";

struct http_result {
  int status = 0;
  net::header_map headers;
  std::string body;
  [[nodiscard]] json::object json() const {
    auto o = core::parse_json_object(body, {.max_bytes = 64 << 20});
    return o ? *o : json::object{};
  }
};

class harness {
 public:
  struct settings {
    std::chrono::seconds token_lifetime = 30min;
    login_executor* login = nullptr;             // default: unavailable_login
    user_token_source* user_tokens = nullptr;
    bool bank = false;                           // run the BankX back end and call its accounts API
    std::string api_base_url;  // or: the accounts API of a BankX the test runs itself (login e2e, shared fake clock)
    bool in_process = false;   // channel ↔ bot through app::in_process_link instead of HTTP + JWT
    /// The encrypted SQLite store in data_dir() (root key, erasure secrets, parley.db and
    /// parley-keys.db, as `parley demo` lays them out) instead of the in-memory store.
    bool sqlite_store = false;
    channel::handoff_listener* handoff = nullptr;  // the desk's side of handoffs (null: no desk)
  };

  harness() : harness(settings{}) {}
  explicit harness(settings st) : work_(asio::make_work_guard(io_)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-bot-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (st.sqlite_store) open_sqlite_store();
    jose::key_store_options ko;
    ko.file = dir_ / "keys.json";
    keys_ = std::move(*jose::signing_key_store::open(ko, channel::token_service::key_purposes(), wrapper_, clock_));
    http_ = std::move(*net::pooled_http_client::create(io_, {}));

    // The bot first: the channel's registration names its endpoint.
    options o;
    o.id = "bankx-assistant";
    o.tenant = "bankx";
    o.name = "BankX Assistant";
    o.assistant = std::string(PARLEY_EXAMPLES_DIR) + "/bankx/assistant.toml";
    o.channel_secret = std::make_shared<core::secret_string>(secret);
    o.origins = {origin};
    o.app_id = "app-bankx";
    o.app_password = std::make_shared<core::secret_string>(password);
    o.token_burst_per_address = 20;
    if (st.bank) {
      // The real BankX back end on its own listener; the bot calls it with the BankX operation table.
      bankx::options bo;
      bankx::set_client_secret(bo, "bankx-login-api-client-secret-0123456789");
      bank_ = std::shared_ptr<bankx::bank>(std::move(*bankx::bank::create(bo, core::system_clock(), core::os_random())));
      bank_server_ = std::make_unique<net::server>(io_, net::server_options{}, metrics_);
      auto bank_routes = std::make_shared<net::router>();
      bankx::add_routes(*bank_routes, bank_);
      net::listener_options kl;
      kl.name = "bank";
      kl.port = 0;
      bank_info_ = *bank_server_->listen(kl, bank_routes);
      auto cfg = core::config::load_file(std::string(PARLEY_EXAMPLES_DIR) + "/bankx/client-api.toml", {});
      o.api = parse_api_options(cfg->section("api"));
      EXPECT_TRUE(cfg->ok());
      o.api.base_url = bank_info_.base_url() + "/api/v1";
    } else if (!st.api_base_url.empty()) {
      auto cfg = core::config::load_file(std::string(PARLEY_EXAMPLES_DIR) + "/bankx/client-api.toml", {});
      o.api = parse_api_options(cfg->section("api"));
      EXPECT_TRUE(cfg->ok());
      o.api.base_url = st.api_base_url;
    }
    auto loaded = assistant::load_definition_file(o.assistant);
    EXPECT_TRUE(loaded.ok());
    auto b = service::create(std::move(o), loaded.def, {},
                             dependencies{io_, *store_, *http_, clock_, core::os_random(),
                                          st.login ? *st.login : unavailable_,
                                          st.user_tokens ? *st.user_tokens : unavailable_,
                                          st.in_process ? &link_ : nullptr});
    EXPECT_TRUE(b);
    bot_ = std::move(*b);
    bot_server_ = std::make_unique<net::server>(io_, net::server_options{}, metrics_);
    auto bot_routes = std::make_shared<net::router>();
    bot_->add_routes(*bot_routes);
    net::listener_options bl;
    bl.name = "bot";
    bl.port = 0;
    bot_info_ = *bot_server_->listen(bl, bot_routes);

    channel::options co;
    co.bot_timeout = 15s;
    co.client_rate = 100'000;
    co.conversation_rate = 100'000;
    channel::bot_options a;
    a.id = "bankx-assistant";
    a.tenant = "bankx";
    a.name = "BankX Assistant";
    a.app_id = "app-bankx";
    a.secret_hashes = {*channel::hash_secret(secret, core::os_random())};
    a.app_password_hash = *channel::hash_secret(password, core::os_random());
    a.endpoint = st.in_process ? std::string(channel::in_process_endpoint) : bot_info_.base_url() + "/api/messages";
    a.origins = {origin};
    a.token_lifetime = st.token_lifetime;
    co.bots = {a};
    channel::tenant_options tenant;  // the test clients send bearer tokens
    tenant.id = "bankx";
    tenant.require_bound_tokens = false;
    co.tenants = {tenant};
    channel_ = std::make_unique<channel::service>(
        co, channel::dependencies{io_, *store_, *keys_, *http_, bus_, clock_, core::os_random(), nullptr,
                                  st.in_process ? &link_ : nullptr, st.handoff});
    if (st.in_process) link_.attach(*channel_, *bot_);
    server_ = std::make_unique<net::server>(io_, net::server_options{}, metrics_);
    auto routes = std::make_shared<net::router>();
    channel_->add_routes(*routes);
    net::listener_options l;
    l.name = "channel";
    l.port = 0;
    info_ = *server_->listen(l, routes);
    EXPECT_TRUE(channel_->start(info_.base_url()));
    EXPECT_TRUE(bot_->start(info_.base_url()));
    server_->set_ready(true);
    bot_server_->set_ready(true);
    threads_ = std::make_unique<core::thread_group>(io_, 2, "bot-it");
  }

  ~harness() {
    for (int i = 0; i < 500 && bot_->background_actions() != 0; ++i) std::this_thread::sleep_for(10ms);
    bot_->stop();
    asio::co_spawn(io_, server_->shutdown(), asio::use_future).get();
    asio::co_spawn(io_, bot_server_->shutdown(), asio::use_future).get();
    if (bank_server_) asio::co_spawn(io_, bank_server_->shutdown(), asio::use_future).get();
    work_.reset();
    io_.stop();
    threads_->join();
    link_.detach();
    std::filesystem::remove_all(dir_);
  }

  http_result call(net::method m, const std::string& url, std::string body = {}, net::header_map headers = {},
                   std::string content_type = "application/json") {
    net::client_request req;
    req.method = m;
    req.url = url;
    for (const auto& [k, v] : headers) req.headers.set(k, v);
    if (!body.empty() && !content_type.empty()) req.headers.set("Content-Type", content_type);
    req.body = std::move(body);
    req.timeout = 20s;
    auto r = asio::co_spawn(io_, http_->send(std::move(req)), asio::use_future).get();
    http_result out = r ? http_result{r->status, r->headers, r->body} : http_result{0, {}, r.error().message()};
    std::lock_guard lock(m_);
    bodies_.push_back(out.body);
    for (const auto& [k, v] : out.headers) bodies_.push_back(v);
    return out;
  }

  /// GetNewToken as the widget does it.
  http_result get_token(const std::string& from_origin = origin, const std::string& body = "{}") {
    net::header_map h;
    if (!from_origin.empty()) h.set("Origin", from_origin);
    return call(net::method::post, bot_url() + "/api/token", body, h);
  }
  http_result refresh(const std::string& token) {
    net::header_map h;
    h.set("Origin", origin);
    h.set("Authorization", "Bearer " + token);
    return call(net::method::post, bot_url() + "/api/token/refresh", "{}", h);
  }

  /// Handshake + POST conversations: {conversationId, token}.
  std::pair<std::string, std::string> start_conversation() {
    auto t = get_token();
    EXPECT_EQ(t.status, 200) << t.body;
    const std::string token(t.json().at("token").as_string());
    net::header_map h;
    h.set("Authorization", "Bearer " + token);
    auto c = call(net::method::post, dl() + "/conversations", "{}", h);
    EXPECT_EQ(c.status, 201) << c.body;
    return {std::string(c.json().at("conversationId").as_string()), std::string(c.json().at("token").as_string())};
  }

  http_result say(const std::pair<std::string, std::string>& conv, const std::string& text) {
    net::header_map h;
    h.set("Authorization", "Bearer " + conv.second);
    return call(net::method::post, dl() + "/conversations/" + conv.first + "/activities",
                json::serialize(json::object{{"type", "message"}, {"text", text}, {"from", {{"id", "ignored"}}}}), h);
  }

  /// The texts of the bot's messages in the conversation so far.
  std::vector<std::string> bot_texts(const std::pair<std::string, std::string>& conv) {
    net::header_map h;
    h.set("Authorization", "Bearer " + conv.second);
    auto r = call(net::method::get, dl() + "/conversations/" + conv.first + "/activities?watermark=", {}, h);
    std::vector<std::string> out;
    const auto o = r.json();
    if (const auto* a = o.if_contains("activities"); a && a->is_array()) {
      for (const auto& act : a->get_array()) {
        const auto& ao = act.get_object();
        if (ao.contains("from") && ao.at("from").get_object().contains("role") && ao.at("from").at("role") == "bot" &&
            ao.contains("text")) {
          out.emplace_back(ao.at("text").as_string());
        }
      }
    }
    return out;
  }

  /// Waits until a bot message containing `needle` is in the conversation (or 10 s).
  bool wait_for_text(const std::pair<std::string, std::string>& conv, std::string_view needle) {
    for (int i = 0; i < 200; ++i) {
      for (const auto& t : bot_texts(conv)) {
        if (t.find(needle) != std::string::npos) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  [[nodiscard]] std::string bot_url() const { return bot_info_.base_url(); }
  [[nodiscard]] std::string channel_url() const { return info_.base_url(); }
  [[nodiscard]] std::string dl() const { return info_.base_url() + "/v3/directline"; }
  [[nodiscard]] core::testing::fake_clock& clock() { return clock_; }
  [[nodiscard]] bankx::bank& bank() { return *bank_; }
  [[nodiscard]] store::conversation_store& store() { return *store_; }
  [[nodiscard]] channel::service& channel() { return *channel_; }
  /// The temp dir: signing keys and, with settings::sqlite_store, the store's files.
  [[nodiscard]] const std::filesystem::path& data_dir() const { return dir_; }
  [[nodiscard]] asio::io_context& io() { return io_; }
  [[nodiscard]] const app::in_process_link& link() const { return link_; }
  /// Requests the bot's and the channel's listeners served so far, e.g. ("bot", "/api/messages").
  [[nodiscard]] std::uint64_t requests_served(std::string_view listener, std::string_view route) const {
    return parley::testing::requests_served(metrics_, listener, route);
  }
  [[nodiscard]] std::vector<std::string> everything_received() const {
    std::lock_guard lock(m_);
    return bodies_;
  }
  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

 private:
  void open_sqlite_store() {
    const auto root_file = dir_ / "root.key";
    EXPECT_TRUE(crypto::root_key::create_file(root_file));
    auto root = crypto::root_key::load_file(root_file, 1);
    store::sqlite::options so;
    so.path = (dir_ / "parley.db").string();
    so.keys_path = (dir_ / "parley-keys.db").string();
    auto backend = store::sqlite::open(so);
    EXPECT_TRUE(root && backend);
    store::options opts;
    opts.migrate_on_open = true;
    auto opened = store::encrypted_store::open(std::move(*backend), std::move(*root), dir_ / "erasure.secrets", opts);
    EXPECT_TRUE(opened);
    sqlite_ = std::move(*opened);
    store_ = sqlite_.get();
  }
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
  store::testing::memory_store memory_;
  std::unique_ptr<store::encrypted_store> sqlite_;
  store::conversation_store* store_ = &memory_;
  bus::in_process_bus bus_;
  app::in_process_link link_;  // before the services, which hold pointers to it
  std::unique_ptr<net::pooled_http_client> http_;
  unavailable_login unavailable_;
  std::unique_ptr<service> bot_;
  std::unique_ptr<net::server> bot_server_;
  net::listener_info bot_info_;
  std::unique_ptr<channel::service> channel_;
  std::unique_ptr<net::server> server_;
  net::listener_info info_;
  std::shared_ptr<bankx::bank> bank_;
  std::unique_ptr<net::server> bank_server_;
  net::listener_info bank_info_;
  std::unique_ptr<core::thread_group> threads_;
  mutable std::mutex m_;
  std::vector<std::string> bodies_;
};

}  // namespace parley::bot::it
