// Unit-test harness of the bot service: the real service with the BankX assistant, an in-memory
// store, a fake clock, and a scripted "network" (routing_http_client) that plays the channel
// (tokens/generate, refresh, OpenID metadata + JWKS, token endpoint, Connector API) and the bank.
// Requests are handled by calling the router's handlers directly (no sockets).
#pragma once

#include <parley/assistant/definition.hpp>
#include <parley/bot/error.hpp>
#include <parley/bot/service.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/async.hpp>
#include <parley/core/json.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/key.hpp>
#include <parley/jose/token.hpp>
#include <parley/net/router.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <thread>

namespace parley::bot::test {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

inline const std::string channel_url = "http://127.0.0.1:9401";
inline const std::string service_url = "http://127.0.0.1:9401/";
inline const std::string bank_url = "http://127.0.0.1:9404/api/v1";
inline const std::string secret = "the-channel-secret-0123456789-abcdefghij";
inline const std::string app_password = "the-app-password-0123456789-abcdefghij";
inline const std::string origin = "https://www.bankx.example";
inline const std::string app_id = "app-bankx";

/// An http_client that answers by URL from handlers the test installs; records every request.
class routing_http_client final : public net::http_client {
 public:
  using handler = std::function<net::client_response(const net::client_request&)>;
  void on(std::string url_prefix, handler h) {
    std::lock_guard lock(m_);
    routes_.emplace_back(std::move(url_prefix), std::move(h));
  }
  [[nodiscard]] std::vector<net::client_request> requests() const {
    std::lock_guard lock(m_);
    return log_;
  }
  /// Requests whose URL starts with `prefix`.
  [[nodiscard]] std::vector<net::client_request> to(std::string_view prefix) const {
    std::vector<net::client_request> out;
    for (auto& r : requests()) {
      if (r.url.starts_with(prefix)) out.push_back(r);
    }
    return out;
  }
  asio::awaitable<result<net::client_response>> send(net::client_request req) override {
    handler h;
    {
      std::lock_guard lock(m_);
      log_.push_back(req);
      // The longest matching prefix wins.
      std::size_t best = 0;
      for (const auto& [prefix, fn] : routes_) {
        if (req.url.starts_with(prefix) && prefix.size() >= best) {
          best = prefix.size();
          h = fn;
        }
      }
    }
    if (!h) co_return make_error_code(net::errc::connect_failed);
    co_return h(req);
  }

 private:
  mutable std::mutex m_;
  std::vector<std::pair<std::string, handler>> routes_;
  std::vector<net::client_request> log_;
};

/// A JSON string value as std::string ("" if not a string), for comparisons in tests.
inline std::string str(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : std::string{}; }

inline net::client_response json_answer(int status, const json::value& v) {
  return {status, {}, json::serialize(v)};
}

/// A user_token_source + login_executor for tests: a fixed set of logged-in conversations.
class test_login final : public login_executor, public user_token_source {
 public:
  void log_in(const std::string& conversation_id, std::string token) {
    std::lock_guard lock(m_);
    tokens_[conversation_id] = std::move(token);
  }
  asio::awaitable<assistant::action_result> start_login(login_request r) override {
    if (r.say) r.say(login_prompt{"Which login method?", false, {"Push", "SMS"}});
    assistant::action_result out;
    out.action_id = r.action_id;
    out.status = assistant::action_status::ok;
    log_in(r.conversation.conversation_id, "bank-token-after-login");
    co_return out;
  }
  bool logged_in(const conversation_ref& c) override {
    std::lock_guard lock(m_);
    return tokens_.contains(c.conversation_id);
  }
  asio::awaitable<result<core::secret_string>> token(conversation_ref c) override {
    std::string t;
    {
      std::lock_guard lock(m_);
      auto it = tokens_.find(c.conversation_id);
      if (it != tokens_.end()) t = it->second;
    }
    if (t.empty()) co_return make_error_code(errc::not_logged_in);
    co_return core::secret_string(std::move(t));
  }
  asio::awaitable<bool> consume(conversation_ref, std::string text) override { co_return text == "4711-code"; }
  asio::awaitable<result<void>> logout(conversation_ref c) override {
    std::lock_guard lock(m_);
    if (tokens_.erase(c.conversation_id) == 0) co_return make_error_code(errc::not_logged_in);
    co_return result<void>{};
  }
  void forget(const conversation_ref& c) override {
    std::lock_guard lock(m_);
    tokens_.erase(c.conversation_id);
  }

 private:
  std::mutex m_;
  std::map<std::string, std::string> tokens_;
};

/// A channel of the same process (ADR 0007) that records what the bot sends through the link.
class recording_link final : public channel_link {
 public:
  struct sent {
    std::string bot_id;
    std::string conversation_id;
    std::string reply_to_id;
    std::string json;
  };
  std::atomic<bool> refuse{false};
  asio::awaitable<boost::system::error_code> send(std::string bot_id, std::string conversation_id,
                                                  std::string reply_to_id, std::string activity_json) override {
    {
      std::lock_guard lock(m_);
      sent_.push_back({std::move(bot_id), std::move(conversation_id), std::move(reply_to_id), std::move(activity_json)});
    }
    co_return refuse ? make_error_code(errc::channel_error) : boost::system::error_code{};
  }
  [[nodiscard]] std::vector<sent> all() const {
    std::lock_guard lock(m_);
    return sent_;
  }

 private:
  mutable std::mutex m_;
  std::vector<sent> sent_;
};

/// What the fake channel was sent through the Connector API.
struct posted {
  std::string url;
  std::string authorization;
  json::object activity;
};

class harness {
 public:
  struct settings {
    bool anonymous = false;
    bool real_login = false;  // test_login instead of unavailable_login
    bool in_process = false;  // replies through link() (a channel of the same process) instead of HTTP
    std::function<void(options&)> tweak;
  };

  harness() : harness(settings{}) {}
  explicit harness(settings st) : work_(asio::make_work_guard(io_)) {
    channel_key_ = *jose::signing_key::generate(jose::algorithm::rs256);
    other_key_ = *jose::signing_key::generate(jose::algorithm::rs256);
    serve_channel();
    options o;
    o.id = "bankx-assistant";
    o.tenant = "bankx";
    o.name = "BankX Assistant";
    o.assistant = std::string(PARLEY_EXAMPLES_DIR) + "/bankx/assistant.toml";
    o.channel_url = channel_url;
    o.channel_secret = std::make_shared<core::secret_string>(secret);
    o.origins = {origin};
    o.token_burst_per_address = 5;
    o.token_rate_per_address = 0.5;
    if (!st.anonymous) {
      o.app_id = app_id;
      o.app_password = std::make_shared<core::secret_string>(app_password);
    }
    o.api.base_url = bank_url;
    o.api.operations = bankx_operations();
    if (st.tweak) st.tweak(o);
    resolve_defaults(o);
    auto loaded = assistant::load_definition_file(o.assistant);
    EXPECT_TRUE(loaded.ok());
    login_executor& login = st.real_login ? static_cast<login_executor&>(login_) : unavailable_;
    user_token_source& tokens = st.real_login ? static_cast<user_token_source&>(login_) : unavailable_;
    auto svc = service::create(std::move(o), loaded.def, {}, dependencies{io_, store_, http_, clock_, core::os_random(), login, tokens,
                                                                                st.in_process ? &link_ : nullptr});
    EXPECT_TRUE(svc);
    svc_ = std::move(*svc);
    svc_->add_routes(router_);
    EXPECT_TRUE(svc_->start());
    threads_ = std::make_unique<core::thread_group>(io_, 2, "bot-test");
  }
  ~harness() {
    wait_idle();
    svc_->stop();
    work_.reset();
    io_.stop();
    threads_->join();
  }

  static std::vector<api_operation> bankx_operations() {
    api_operation block;
    block.name = "block_card";
    block.method = "POST";
    block.path = "/cards/block";
    block.body = {{"card", "card"}, {"lastSeen", "when"}};
    block.requires_login = true;
    block.results = {{"reference", "reference", "", 10}};
    api_operation balance;
    balance.name = "balance";
    balance.path = "/accounts";
    balance.requires_login = true;
    balance.results = {{"balances", "accounts", "{name}: {balance} {currency}", 10}};
    return {block, balance};
  }

  // ---- the fake channel ----
  void serve_channel() {
    http_.on(channel_url + "/v1/.well-known/openidconfiguration", [](const net::client_request&) {
      return json_answer(200, json::object{{"issuer", channel_url}, {"jwks_uri", channel_url + "/v1/.well-known/keys"}});
    });
    http_.on(channel_url + "/v1/.well-known/keys", [this](const net::client_request&) {
      jose::jwk k{channel_key_.public_part(), channel_key_.kid(), {"directline"}, std::nullopt};
      return net::client_response{200, {}, jose::to_json(*jose::jwks::make({k}))};
    });
    http_.on(channel_url + "/botframework.com/oauth2/v2.0/token", [this](const net::client_request&) {
      ++token_fetches_;
      return json_answer(200, json::object{{"token_type", "Bearer"},
                                           {"expires_in", token_lifetime_.count()},
                                           {"access_token", "access-" + std::to_string(token_fetches_.load())}});
    });
    http_.on(channel_url + "/v3/conversations/", [this](const net::client_request& r) {
      posted p;
      p.url = r.url;
      p.authorization = std::string(r.headers.get("Authorization").value_or(""));
      auto o = core::parse_json_object(r.body);
      if (o) p.activity = *o;
      {
        std::lock_guard lock(m_);
        posted_.push_back(std::move(p));
      }
      return json_answer(connector_status_.load(), json::object{{"id", "x"}});
    });
    http_.on(channel_url + "/v3/directline/tokens/generate", [this](const net::client_request& r) {
      auto body = core::parse_json_object(r.body);
      const std::string user(body ? body->at("user").at("id").as_string() : "");
      return json_answer(200, json::object{{"conversationId", "conv-1"}, {"token", fake_dl_token(user)}, {"expires_in", 1800}});
    });
    http_.on(channel_url + "/v3/directline/tokens/refresh", [this](const net::client_request& r) {
      if (refresh_expired_) {
        return json_answer(403, json::object{{"error", json::object{{"code", "TokenExpired"}, {"message", "expired"}}}});
      }
      (void)r;
      return json_answer(200, json::object{{"conversationId", "conv-1"}, {"token", fake_dl_token("dl_refreshed")}, {"expires_in", 1800}});
    });
  }

  /// A JWT-shaped token with a `user` claim (the bot reads the claim of refreshed tokens).
  static std::string fake_dl_token(const std::string& user) {
    return core::base64url_encode(std::string_view(R"({"alg":"ES256","typ":"dl+jwt"})")) + "." +
           core::base64url_encode(json::serialize(json::object{{"user", user}, {"conv", "conv-1"}})) + ".c2ln";
  }

  /// A channel token for an activity (as the channel signs it), with changes.
  std::string channel_token(std::function<void(jose::claims&)> change = {}, const jose::signing_key* key = nullptr) {
    jose::claims c;
    c.set("serviceurl", service_url);
    c.set_time("nbf", clock_.now() - 1min);
    c.set_time("exp", clock_.now() + 1h);
    c.set("iss", channel_url);
    c.set("aud", app_id);
    if (change) change(c);
    return *jose::sign(c, key ? *key : channel_key_, "JWT");
  }

  static json::object activity(std::string type, std::string text = {}, std::string conversation = "conv-1") {
    json::object o{{"type", type},
                   {"id", conversation + "|000001"},
                   {"serviceUrl", service_url},
                   {"channelId", "directline"},
                   {"conversation", json::object{{"id", conversation}}},
                   {"from", json::object{{"id", "dl_user1"}, {"role", "user"}}},
                   {"recipient", json::object{{"id", "bankx-assistant"}, {"role", "bot"}}},
                   {"locale", "en-GB"}};
    if (!text.empty()) o["text"] = text;
    if (type == "conversationUpdate") {
      o["membersAdded"] = json::array{json::object{{"id", "bankx-assistant"}}, json::object{{"id", "dl_user1"}}};
    }
    return o;
  }

  // ---- calling the bot's routes ----
  struct call_result {
    int status = 0;
    net::header_map headers;
    std::string body;
    [[nodiscard]] json::object json() const {
      auto o = core::parse_json_object(body);
      return o ? *o : json::object{};
    }
  };

  call_result call(std::string path, json::value body, std::vector<std::pair<std::string, std::string>> headers = {},
                   std::string remote = "10.0.0.1") {
    auto m = router_.match(net::method::post, path);
    EXPECT_EQ(m.outcome, net::router::match_result::kind::found) << path;
    if (m.outcome != net::router::match_result::kind::found) return {};
    // The request views into storage that lives for the whole call.
    auto storage = std::make_shared<std::vector<std::string>>();
    storage->reserve(64);
    auto keep = [&](std::string s) -> std::string_view { return storage->emplace_back(std::move(s)); };
    auto json_body = std::make_shared<json::value>(std::move(body));
    net::request req;
    req.method = net::method::post;
    req.method_token = "POST";
    req.path = keep(path);
    req.route = m.pattern;
    req.path_params = m.params;
    for (auto& [k, v] : headers) req.headers.add(keep(k), keep(v));
    req.remote_address = keep(remote);
    req.json_body = json_body.get();
    const auto& h = m.target->on_request;
    auto f = asio::co_spawn(io_, [h, req, storage, json_body]() -> asio::awaitable<net::response> { co_return co_await h(req); },
                            asio::use_future);
    auto r = f.get();
    return {r.status, r.headers, r.body};
  }

  call_result deliver(const json::object& a, std::optional<std::string> token = std::nullopt) {
    std::vector<std::pair<std::string, std::string>> h;
    const std::string t = token ? *token : channel_token();
    if (!t.empty()) h.emplace_back("Authorization", "Bearer " + t);
    return call("/api/messages", a, h);
  }

  /// Waits until background actions are done (or 5 s).
  void wait_idle() {
    for (int i = 0; i < 500 && svc_->background_actions() != 0; ++i) std::this_thread::sleep_for(10ms);
  }

  [[nodiscard]] std::vector<posted> posted_activities() const {
    std::lock_guard lock(m_);
    return posted_;
  }
  /// The texts the bot sent, in order.
  [[nodiscard]] std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& p : posted_activities()) {
      if (p.activity.contains("text")) out.emplace_back(p.activity.at("text").as_string());
    }
    return out;
  }
  void clear_posted() {
    std::lock_guard lock(m_);
    posted_.clear();
  }

  routing_http_client& http() { return http_; }
  core::testing::fake_clock& clock() { return clock_; }
  store::testing::memory_store& store() { return store_; }
  service& bot() { return *svc_; }
  test_login& login() { return login_; }
  recording_link& link() { return link_; }
  asio::io_context& io() { return io_; }
  const jose::signing_key& other_key() const { return other_key_; }
  std::atomic<int>& token_fetches() { return token_fetches_; }
  std::atomic<int>& connector_status() { return connector_status_; }
  void set_token_lifetime(std::chrono::seconds s) { token_lifetime_ = s; }
  void set_refresh_expired(bool b) { refresh_expired_ = b; }

  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  core::testing::fake_clock clock_;
  store::testing::memory_store store_;
  routing_http_client http_;
  unavailable_login unavailable_;
  test_login login_;
  recording_link link_;
  jose::signing_key channel_key_ = *jose::signing_key::generate(jose::algorithm::es256);
  jose::signing_key other_key_ = channel_key_;
  std::unique_ptr<service> svc_;
  net::router router_;
  std::unique_ptr<core::thread_group> threads_;
  mutable std::mutex m_;
  std::vector<posted> posted_;
  std::atomic<int> token_fetches_{0};
  std::atomic<int> connector_status_{200};
  std::atomic<bool> refresh_expired_{false};
  std::chrono::seconds token_lifetime_{3600};
};

}  // namespace parley::bot::test
