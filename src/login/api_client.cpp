// The Login API client. Every request is `sensitive`: it carries client credentials, and its
// answer may carry an access token, so the HTTP client wipes what it copied.
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/login/api_client.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <initializer_list>
#include <utility>

namespace parley::login {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t max_token_bytes = 4096;
constexpr long long max_interval_s = 3600;

// RFC 6750 b64token plus the characters opaque tokens commonly use; above all no CR/LF/space, so
// the token can never split a header.
bool token_shaped(std::string_view t) {
  if (t.empty() || t.size() > max_token_bytes) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
  });
}

void wipe_json_string(json::object& o, std::string_view key) noexcept {
  if (auto* v = o.if_contains(key); v != nullptr && v->is_string()) {
    auto& s = v->get_string();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
}

std::optional<std::chrono::seconds> positive_seconds(const json::object& o, std::string_view key) {
  auto v = core::get_int(o, key);
  if (!v || *v < 1 || *v > 1'000'000) return std::nullopt;
  return std::chrono::seconds{*v};
}

std::string join_url(const std::string& base, std::string_view path) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (path.empty() || path.front() != '/') url += '/';
  url += path;
  return url;
}

// A JSON object of string members whose values are token-shaped or digits (checked by the callers),
// so nothing needs escaping. Built by hand, into one reserved buffer, because a serializer would
// leave copies of the secret values in its own buffers.
std::string secret_json(std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
  std::size_t n = 2;
  for (const auto& [k, v] : members) n += k.size() + v.size() + 6;
  std::string out;
  out.reserve(n);
  out += '{';
  for (const auto& [k, v] : members) {
    if (out.size() > 1) out += ',';
    out.append("\"").append(k).append("\":\"").append(v).append("\"");
  }
  out += '}';
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Wipes a response body when the caller is done with it, whatever the path out.
struct body_wiper {
  net::client_response& res;
  ~body_wiper() { crypto::secure_wipe(res.body); }
};

}  // namespace

std::string_view to_string(login_status s) noexcept {
  switch (s) {
    case login_status::pending: return "pending";
    case login_status::slow_down: return "slow_down";
    case login_status::approved: return "approved";
    case login_status::denied: return "denied";
    case login_status::expired: return "expired";
    case login_status::wrong_code: return "wrong_code";
  }
  return "unknown";
}

api_client::api_client(tenant_options opts, net::http_client& http, crypto::secret_sealer& sealer)
    : opts_(std::move(opts)), http_(http), sealer_(sealer), log_(core::logger("login")) {
  if (opts_.api_base_url.empty()) opts_.api_base_url = opts_.base_url;
}

std::chrono::seconds api_client::last_retry_after() const noexcept { return std::chrono::seconds{retry_after_s_.load()}; }

boost::asio::awaitable<result<net::client_response>> api_client::post(const std::string& path, std::string body,
                                                                     const std::string& traceparent) {
  net::client_request req;
  req.headers.set("traceparent", net::parse_traceparent(traceparent) ? traceparent
                                                                      : net::child_span(std::nullopt).traceparent());
  req.method = net::method::post;
  req.url = join_url(opts_.base_url, path);
  req.sensitive = true;
  req.headers.set("Content-Type", "application/json");
  req.headers.set("Accept", "application/json");
  {
    std::string pair;
    pair.reserve(opts_.client_id.size() + 1 + opts_.client_secret.size());
    pair.append(opts_.client_id).append(":").append(opts_.client_secret.reveal());
    std::string value = "Basic " + core::base64_encode(crypto::as_bytes(pair));
    crypto::secure_wipe(pair);
    req.headers.set("Authorization", std::move(value));
  }
  req.body = std::move(body);
  auto res = co_await http_.send(std::move(req));
  if (!res) {
    log_->warn("login api: {} {}: {}", opts_.tenant, path, res.error().message());
    co_return make_error_code(errc::bank_unavailable);
  }
  co_return res;
}

error_code api_client::map_error_status(const net::client_response& res, std::string_view op) {
  if (res.status == 401) {
    log_->error("login api: {} {}: the bank refused our client credentials (401)", opts_.tenant, op);
    return errc::client_rejected;
  }
  if (res.status == 429) {
    long long after = 60;
    if (auto h = res.headers.get("Retry-After")) {
      try {
        after = std::clamp(std::stoll(std::string(*h)), 1LL, 86'400LL);
      } catch (const std::exception&) {
        after = 60;
      }
    }
    retry_after_s_ = after;
    log_->info("login api: {} {}: rate limited, retry after {}s", opts_.tenant, op, after);
    return errc::rate_limited;
  }
  if (res.status == 400) {
    log_->info("login api: {} {}: 400 invalid request", opts_.tenant, op);
    return errc::invalid_request;
  }
  if (res.status >= 500) {
    log_->warn("login api: {} {}: status {}", opts_.tenant, op, res.status);
    return errc::bank_unavailable;
  }
  log_->warn("login api: {} {}: unexpected status {}", opts_.tenant, op, res.status);
  return errc::bad_response;
}

boost::asio::awaitable<result<started_login>> api_client::start_login(std::string customer_id, method m,
                                                                      std::string conversation_ref,
                                                                      std::string traceparent) {
  json::object body{{"customerId", customer_id}, {"method", to_string(m)}, {"conversationRef", conversation_ref}};
  std::string text = json::serialize(body);  // named: GCC 12 destroys a co_await operand's temporary twice
  auto res = co_await post(opts_.start_path, std::move(text), traceparent);
  if (!res) co_return res.error();
  body_wiper wipe{*res};
  if (res->status != 200) co_return map_error_status(*res, "startLogin");
  auto doc = core::parse_json_object(res->body);
  if (!doc) {
    log_->warn("login api: {} startLogin: malformed answer ({} bytes)", opts_.tenant, res->body.size());
    co_return make_error_code(errc::bad_response);
  }
  auto token = core::get_string(*doc, "pollingToken");
  auto interval = positive_seconds(*doc, "interval");
  auto expires = positive_seconds(*doc, "expiresIn");
  if (!token || !token_shaped(*token) || token->size() > 128 || !interval || !expires) {
    wipe_json_string(*doc, "pollingToken");
    log_->warn("login api: {} startLogin: answer misses pollingToken, interval or expiresIn", opts_.tenant);
    co_return make_error_code(errc::bad_response);
  }
  started_login out;
  auto sealed = sealer_.seal(*token, "polling:" + conversation_ref);
  wipe_json_string(*doc, "pollingToken");
  if (!sealed) co_return sealed.error();
  out.polling_token = std::move(*sealed);
  out.interval = std::min(*interval, std::chrono::seconds{max_interval_s});
  out.expires_in = *expires;
  if (auto to = core::get_string(*doc, "otpSentTo"); to && to->size() <= 64) out.otp_sent_to = std::string(*to);
  if (auto len = core::get_int(*doc, "otpLength"); len && *len >= 4 && *len <= 10) out.otp_length = static_cast<int>(*len);
  co_return out;
}

result<status_answer> api_client::parse_status(net::client_response& res, const std::string& seal_context) {
  auto doc = core::parse_json_object(res.body);
  if (!doc) return errc::bad_response;
  struct doc_wiper {
    json::object& o;
    ~doc_wiper() { wipe_json_string(o, "accessToken"); }
  } wipe{*doc};
  const auto status = core::get_string(*doc, "status");
  if (!status) return errc::bad_response;
  status_answer out;
  if (*status == "pending" || *status == "slow_down") {
    out.status = *status == "pending" ? login_status::pending : login_status::slow_down;
    if (auto i = positive_seconds(*doc, "interval")) out.interval = std::min(*i, std::chrono::seconds{max_interval_s});
    return out;
  }
  if (*status == "denied") {
    out.status = login_status::denied;
    return out;
  }
  if (*status == "expired") {
    out.status = login_status::expired;
    return out;
  }
  if (*status != "approved") return errc::bad_response;
  const auto token = core::get_string(*doc, "accessToken");
  const auto expires = positive_seconds(*doc, "expiresIn");
  const auto type = core::get_string(*doc, "tokenType");
  if (!token || !token_shaped(*token) || !expires || (type && *type != "Bearer" && *type != "bearer")) {
    return errc::bad_response;
  }
  auto sealed = sealer_.seal(*token, seal_context);
  if (!sealed) return sealed.error();
  out.status = login_status::approved;
  out.access_token = std::move(*sealed);
  out.token_expires_in = *expires;
  return out;
}

boost::asio::awaitable<result<status_answer>> api_client::poll(const crypto::sealed_secret& polling_token,
                                                               std::string seal_context, std::string traceparent) {
  // Built before the co_await (GCC 12 cannot keep an initializer_list's array across a
  // suspension), while the token is open: the body is its only plaintext copy, sent sensitive.
  auto body = polling_token.with_plaintext([](std::string_view t) -> std::optional<std::string> {
    if (!token_shaped(t)) return std::nullopt;
    return secret_json({{"pollingToken", t}});
  });
  if (!body) co_return body.error();
  if (!*body) co_return make_error_code(errc::invalid_request);
  auto res = co_await post(opts_.poll_path, std::move(**body), traceparent);
  if (!res) co_return res.error();
  body_wiper wipe{*res};
  if (res->status != 200) co_return map_error_status(*res, "pollLogin");
  auto out = parse_status(*res, seal_context);
  if (!out) log_->warn("login api: {} pollLogin: answer off contract ({} bytes)", opts_.tenant, res->body.size());
  co_return out;
}

boost::asio::awaitable<result<status_answer>> api_client::verify_otp(const crypto::sealed_secret& polling_token,
                                                                     core::secret_string otp, std::string seal_context,
                                                                     std::string traceparent) {
  if (!all_digits(otp.reveal()) || otp.size() > 10) co_return make_error_code(errc::invalid_request);
  auto body = polling_token.with_plaintext([&otp](std::string_view t) -> std::optional<std::string> {
    if (!token_shaped(t)) return std::nullopt;
    return secret_json({{"pollingToken", t}, {"otp", otp.reveal()}});
  });
  if (!body) co_return body.error();
  if (!*body) co_return make_error_code(errc::invalid_request);
  auto res = co_await post(opts_.verify_path, std::move(**body), traceparent);
  if (!res) co_return res.error();
  body_wiper wipe{*res};
  if (res->status == 400) {
    auto doc = core::parse_json_object(res->body);
    const auto* err = doc ? core::get_object(*doc, "error") : nullptr;
    const auto code = err ? core::get_string(*err, "code") : std::nullopt;
    if (code && *code == "invalid_otp") {
      status_answer out;
      out.status = login_status::wrong_code;
      out.attempts_left = static_cast<int>(std::clamp<std::int64_t>(core::get_int(*err, "attemptsLeft").value_or(0), 0, 100));
      co_return out;
    }
    if (code && *code == "otp_not_expected") co_return make_error_code(errc::otp_not_expected);
  }
  if (res->status != 200) co_return map_error_status(*res, "verifyOtp");
  auto out = parse_status(*res, seal_context);
  if (out && (out->status == login_status::pending || out->status == login_status::slow_down)) {
    co_return make_error_code(errc::bad_response);  // the contract: never pending after a code
  }
  co_return out;
}

boost::asio::awaitable<result<void>> api_client::logout(const crypto::sealed_secret& token) {
  auto text = token.with_plaintext([](std::string_view t) { return secret_json({{"accessToken", t}}); });
  if (!text) co_return text.error();
  auto res = co_await post(opts_.logout_path, std::move(*text));
  if (!res) co_return res.error();
  body_wiper wipe{*res};
  if (res->status != 204 && res->status != 200) co_return map_error_status(*res, "logout");
  co_return result<void>{};
}

boost::asio::awaitable<result<net::client_response>> api_client::call(const crypto::sealed_secret& token,
                                                                      net::client_request req) {
  if (req.url.empty() || req.url.front() == '/') req.url = join_url(opts_.api_base_url, req.url);
  req.sensitive = true;
  // The request is built while the token is open; from here the only plaintext copy outside
  // protected memory is this header value, which the HTTP client wipes after the exchange.
  auto built = token.with_plaintext([&](std::string_view t) {
    std::string value;
    value.reserve(7 + t.size());
    value.append("Bearer ").append(t);
    req.headers.set("Authorization", std::move(value));
  });
  if (!built) co_return built.error();
  auto res = co_await http_.send(std::move(req));
  if (!res) {
    log_->warn("login api: {} bank API call: {}", opts_.tenant, res.error().message());
    co_return make_error_code(errc::bank_unavailable);
  }
  co_return res;
}

}  // namespace parley::login
