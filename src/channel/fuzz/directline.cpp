// libFuzzer target "directline": request bodies and parameters of the channel's Direct Line and
// Bot Connector routes, handled by the real routes of a real channel::service (in-memory store,
// signing keys in a temp dir, an in-process bot that answers 200) with valid credentials, so that
// every input reaches the parsing behind authentication: TokenParameters, the start of a
// conversation, client activities (normaliser + credential guard + append + delivery), uploads
// (multipart + the activity part), watermarks, bot activities, transcripts, updates, attachments
// (base64), the in-process door, and the client-credentials form of the token endpoint.
// Byte 0 picks the route; the rest is the body (for uploads: "content-type line\n" + body; for
// replies and updates: "activity id line\n" + body). The request reaches the handler as the server
// hands it over: the route's body limit and, for JSON routes, core::parse_json with its depth.
// Findings: a crash, a sanitizer report, a handler exception, a 5xx other than the bot's
// 502/504, an unbounded growth (the service is rebuilt every few thousand inputs).
#include "fuzz_target.hpp"

#include <parley/bus/in_process.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/core/json.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>

namespace parley::channel::fuzz {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using net::method;

constexpr std::string_view secret = "fuzz-channel-secret-0123456789-abcdefgh";
constexpr std::string_view password = "fuzz-app-password-0123456789-abcdefghij";
constexpr std::size_t rebuild_every = 20'000;

class no_http final : public net::http_client {
 public:
  asio::awaitable<result<net::client_response>> send(net::client_request) override {
    co_return make_error_code(net::errc::bad_gateway);
  }
};

class answering_bot final : public in_process_bot {
 public:
  asio::awaitable<int> deliver(std::string, std::string, std::string) override { co_return 200; }
};

struct keys {
  fs::path dir = fs::temp_directory_path() / ("parley-fuzz-directline-" + std::to_string(::getpid()));
  core::testing::fake_clock clock;
  jose::testing::test_key_wrapper wrapper;
  std::unique_ptr<jose::signing_key_store> store;
  std::string secret_hash = *hash_secret(secret, core::os_random());
  std::string password_hash = *hash_secret(password, core::os_random());
  keys() {
    jose::key_store_options ko;
    ko.file = dir / "keys.json";
    auto s = jose::signing_key_store::open(ko, token_service::key_purposes(), wrapper, clock);
    if (!s) parley::fuzz::violated("cannot open the fuzz key store");
    store = std::move(*s);
  }
  ~keys() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

struct exchange_result {
  int status = 0;
  std::string body;
};

class fixture {
 public:
  explicit fixture(keys& k) : keys_(k) {
    options o;
    o.client_rate = 1e9;  // a throttled call would wait: the limits are not what is fuzzed here
    o.conversation_rate = 1e9;
    o.max_upload_bytes = 64 * 1024;
    bot_options b;
    b.id = "bankx-assistant";
    b.tenant = "bankx";
    b.name = "BankX Assistant";
    b.app_id = "app-bankx";
    b.secret_hashes = {k.secret_hash};
    b.app_password_hash = k.password_hash;
    b.endpoint = std::string(in_process_endpoint);
    b.origins = {"https://www.bankx.example"};
    o.bots = {b};
    // Bearer tokens (no DPoP proof): what is fuzzed is the bodies behind authentication, not the
    // proofs (jws covers the JOSE parsing; ChannelDpop.* the binding).
    tenant_options t;
    t.id = "bankx";
    t.require_bound_tokens = false;
    o.tenants = {t};
    svc_ = std::make_unique<service>(
        o, dependencies{io_, store_, *k.store, http_, bus_, k.clock, core::os_random(), nullptr, &bot_});
    svc_->add_routes(router_);
    if (!svc_->start("http://127.0.0.1:8401")) parley::fuzz::violated("the channel does not start");
    // A conversation with a user token, a bot token, and one bot activity to reply to or update.
    auto generated = call(method::post, "/v3/directline/tokens/generate", std::string(secret), "{}");
    auto g = core::parse_json_object(generated.body);
    if (generated.status != 200 || !g) parley::fuzz::violated("tokens/generate failed at set-up");
    conversation_ = std::string(g->at("conversationId").as_string());
    token_ = std::string(g->at("token").as_string());
    if (call(method::post, "/v3/directline/conversations", token_, "").status != 201) {
      parley::fuzz::violated("the conversation did not start at set-up");
    }
    bot_token_ = svc_->tokens().issue_bot_access_token("app-bankx", "bankx")->token;
    auto sent = call(method::post, "/v3/conversations/" + conversation_ + "/activities", bot_token_,
                     R"({"type":"message","text":"hello"})");
    auto s = core::parse_json_object(sent.body);
    if (sent.status != 200 || !s) parley::fuzz::violated("a bot activity failed at set-up");
    bot_activity_ = std::string(s->at("id").as_string());
  }

  ~fixture() { drain(); }

  // One request through the router, as the server hands it to the handler.
  exchange_result call(method m, std::string path, std::string credential, std::string_view body,
                       std::string content_type = "application/json", std::string watermark = {}) {
    auto match = router_.match(m, path);
    if (match.outcome != net::router::match_result::kind::found) return {404, {}};
    const auto& ep = *match.target;
    if (body.size() > ep.options.max_body_bytes) return {413, {}};
    net::request req;
    req.method = m;
    req.method_token = net::method_name(m);
    req.path = path;
    req.route = match.pattern;
    req.path_params = std::move(match.params);
    const std::string authorization = "Bearer " + credential;
    if (!credential.empty()) req.headers.add("authorization", authorization);
    if (!content_type.empty()) req.headers.add("content-type", content_type);
    if (!watermark.empty()) req.query.add("watermark", watermark);
    req.body = body;
    req.remote_address = "203.0.113.7";
    req.listener = "channel";
    json::value parsed;
    if (ep.options.json_body && !body.empty()) {
      auto p = core::parse_json(body, {body.size() + 1, ep.options.max_json_depth});
      if (!p) return {400, {}};
      parsed = std::move(*p);
      req.json_body = &parsed;
    }
    auto future = asio::co_spawn(io_, ep.on_request(req), asio::use_future);
    run_until(future);
    try {
      auto r = future.get();
      return {r.status, std::move(r.body)};
    } catch (const std::exception&) {
      parley::fuzz::violated("a channel handler threw");
    }
  }

  result<std::string> from_bot(std::string reply_to, std::string body) {
    auto future = asio::co_spawn(
        io_, svc_->receive_from_bot("bankx-assistant", conversation_, std::move(reply_to), std::move(body)),
        asio::use_future);
    run_until(future);
    return future.get();
  }

  const std::string& conversation() const { return conversation_; }
  const std::string& token() const { return token_; }
  void set_token(std::string t) { token_ = std::move(t); }
  const std::string& bot_token() const { return bot_token_; }
  const std::string& bot_activity() const { return bot_activity_; }
  keys& key_material() { return keys_; }

 private:
  template <class Future>
  void run_until(Future& f) {
    io_.restart();
    while (f.wait_for(0s) != std::future_status::ready) io_.run_one();
    drain();
  }
  void drain() {
    io_.restart();
    io_.poll();  // background deliveries (conversationUpdate) finish before the next input
  }

  keys& keys_;
  asio::io_context io_;
  store::testing::memory_store store_;
  no_http http_;
  parley::bus::in_process_bus bus_;  // one node: the fan-out stays in this process
  answering_bot bot_;
  net::router router_;
  std::unique_ptr<service> svc_;
  std::string conversation_, token_, bot_token_, bot_activity_;
};

// Splits "first line\nrest".
std::pair<std::string, std::string_view> line_and_rest(std::string_view in) {
  const auto nl = in.find('\n');
  if (nl == std::string_view::npos) return {std::string(in), {}};
  return {std::string(in.substr(0, nl)), in.substr(nl + 1)};
}

}  // namespace
}  // namespace parley::channel::fuzz

PARLEY_FUZZ_TARGET(directline, "Direct Line and Bot Connector bodies through a real channel's routes") {
  using namespace parley::channel::fuzz;
  static keys k;
  static std::unique_ptr<fixture> f;
  static std::size_t runs = 0;
  if (!f || ++runs % rebuild_every == 0) {
    f.reset();
    f = std::make_unique<fixture>(k);
  }
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  // An endOfConversation (from either side) ends the fixture's conversation and its tokens for good:
  // every later input would stop at 403. The activity target fuzzes its normalising.
  if (in.find("endOfConversation") != std::string_view::npos) return 0;
  const std::string dl = "/v3/directline/conversations/" + f->conversation();
  const std::string bc = "/v3/conversations/" + f->conversation();
  exchange_result r;
  switch (data[0] % 14) {
    case 0:
      r = f->call(method::post, "/v3/directline/tokens/generate", std::string(secret), in);
      break;
    case 1:
      r = f->call(method::post, "/v3/directline/conversations", f->token(), in);
      break;
    case 2:
      r = f->call(method::post, dl + "/activities", f->token(), in);
      break;
    case 3: {
      auto [type, body] = line_and_rest(in);
      r = f->call(method::post, dl + "/upload", f->token(), body, type);
      break;
    }
    case 4:
      r = f->call(method::get, dl + "/activities", f->token(), {}, {}, std::string(in));
      break;
    case 5:
      r = f->call(method::get, dl, f->token(), {}, {}, std::string(in));
      break;
    case 6:
      r = f->call(method::post, bc + "/activities", f->bot_token(), in);
      break;
    case 7: {
      auto [id, body] = line_and_rest(in);
      r = f->call(method::post, bc + "/activities/" + id, f->bot_token(), body);
      break;
    }
    case 8:
      r = f->call(method::post, bc + "/activities/history", f->bot_token(), in);
      break;
    case 9:
      r = f->call(method::put, bc + "/activities/" + f->bot_activity(), f->bot_token(), in);
      break;
    case 10:
      r = f->call(method::post, bc + "/attachments", f->bot_token(), in);
      break;
    case 11: {
      auto [reply_to, body] = line_and_rest(in);
      (void)f->from_bot(reply_to, std::string(body));
      return 0;
    }
    case 12:
      r = f->call(method::post, "/bankx/oauth2/v2.0/token", {}, in, "application/x-www-form-urlencoded");
      break;
    default:
      // Refresh rotates: the next input uses the new token (the old one, presented again after its
      // replacement, would revoke the session).
      r = f->call(method::post, "/v3/directline/tokens/refresh", f->token(), in);
      if (r.status == 200) {
        if (auto b = parley::core::parse_json_object(r.body); b && b->contains("token") && b->at("token").is_string()) {
          f->set_token(std::string(b->at("token").as_string()));
        }
      }
      break;
  }
  // 502/504 are the bot's (never here: it answers 200); 503 is "not started". Anything else in 5xx
  // is the channel failing on input it should have refused or handled.
  if (r.status >= 500 && r.status != 502 && r.status != 504) {
    parley::fuzz::violated("a channel route answered " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
  }
  return 0;
}
