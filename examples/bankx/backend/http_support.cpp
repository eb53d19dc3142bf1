#include "http_support.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/crypto/primitives.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <ctime>

namespace bankx::detail {

int http_status(errc e) noexcept {
  switch (e) {
    case errc::invalid_request: return 400;
    case errc::invalid_otp: return 400;
    case errc::otp_not_expected: return 400;
    case errc::invalid_client: return 401;
    case errc::invalid_token: return 401;
    case errc::invalid_session: return 401;
    case errc::not_found: return 404;
    case errc::login_not_pending: return 409;
    case errc::unsupported_media_type: return 415;
    case errc::invalid_account: return 422;
    case errc::same_account: return 422;
    case errc::insufficient_funds: return 422;
    case errc::no_such_card: return 422;
    case errc::idempotency_key_reused: return 422;
    case errc::too_many_requests: return 429;
    case errc::too_many_attempts: return 429;
    case errc::temporarily_unavailable: return 503;
  }
  return 500;
}

std::string_view error_code_name(errc e) noexcept {
  switch (e) {
    case errc::invalid_request: return "invalid_request";
    case errc::unsupported_media_type: return "unsupported_media_type";
    case errc::invalid_client: return "invalid_client";
    case errc::invalid_token: return "invalid_token";
    case errc::invalid_session: return "invalid_session";
    case errc::invalid_otp: return "invalid_otp";
    case errc::otp_not_expected: return "otp_not_expected";
    case errc::too_many_requests: return "too_many_requests";
    case errc::too_many_attempts: return "too_many_attempts";
    case errc::not_found: return "not_found";
    case errc::login_not_pending: return "login_not_pending";
    case errc::invalid_account: return "invalid_account";
    case errc::same_account: return "same_account";
    case errc::insufficient_funds: return "insufficient_funds";
    case errc::no_such_card: return "no_such_card";
    case errc::idempotency_key_reused: return "idempotency_key_reused";
    case errc::temporarily_unavailable: return "temporarily_unavailable";
  }
  return "server_error";
}

net::response error(errc e, std::string_view message, const refusal* details) {
  json::object err;
  err["code"] = error_code_name(e);
  err["message"] = message;
  if (details && e == errc::invalid_otp) err["attemptsLeft"] = details->attempts_left;
  if (details && (e == errc::too_many_requests || e == errc::too_many_attempts)) {
    err["retryAfter"] = details->retry_after.count();
  }
  auto r = net::json_response(http_status(e), json::value{{"error", std::move(err)}});
  if (details && (e == errc::too_many_requests || e == errc::too_many_attempts)) {
    r.headers.set("Retry-After", std::to_string(details->retry_after.count()));
  }
  if (e == errc::invalid_client) r.headers.set("WWW-Authenticate", "Basic realm=\"BankX Login API\", charset=\"UTF-8\"");
  if (e == errc::invalid_token) r.headers.set("WWW-Authenticate", "Bearer realm=\"BankX\", error=\"invalid_token\"");
  if (e == errc::invalid_session) r.headers.set("WWW-Authenticate", "Bearer realm=\"BankX app\"");
  return r;
}

net::response error(const parley::error_code& ec, std::string_view message, const refusal* details) {
  if (ec.category() == bankx_category()) return error(static_cast<errc>(ec.value()), message, details);
  json::object err;
  err["code"] = "server_error";
  err["message"] = "internal error";
  return net::json_response(500, json::value{{"error", std::move(err)}});
}

parley::result<json::object> json_body(const net::request& req, std::initializer_list<std::string_view> allowed,
                                       std::string& problem) {
  const auto type = req.headers.get("Content-Type").value_or("");
  const auto semi = type.find(';');
  auto media = type.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (!net::iequals(media, "application/json")) {
    problem = "Content-Type must be application/json";
    return errc::unsupported_media_type;
  }
  auto doc = parley::core::parse_json_object(req.body, {.max_bytes = 64 * 1024, .max_depth = 8});
  if (!doc) {
    problem = doc.error() == parley::core::errc::duplicate_key ? "the body repeats a member"
                                                               : "the body is not a JSON object";
    return errc::invalid_request;
  }
  for (const auto& m : *doc) {
    bool known = false;
    for (auto k : allowed) known = known || m.key() == k;
    if (!known) {
      // The name is echoed only when it is short and plain: never reflect arbitrary input.
      const std::string_view key = m.key();
      const bool plain = key.size() <= 32 && key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string_view::npos;
      problem = plain ? "unknown member \"" + std::string(key) + "\"" : std::string("unknown member");
      return errc::invalid_request;
    }
  }
  return std::move(*doc);
}

std::optional<std::string_view> text_member(const json::object& o, std::string_view key, std::size_t max_length) {
  const auto v = parley::core::get_string(o, key);
  if (!v || v->empty() || v->size() > max_length) return std::nullopt;
  return v;
}

basic_credentials::~basic_credentials() { parley::crypto::secure_wipe(secret); }

std::optional<basic_credentials> basic_auth(const net::request& req) {
  const auto header = req.headers.get("Authorization");
  if (!header || header->size() < 6 || !net::iequals(header->substr(0, 6), "Basic ")) return std::nullopt;
  auto encoded = header->substr(6);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  if (encoded.size() > 1024) return std::nullopt;
  auto decoded = parley::core::base64_decode(encoded);
  if (!decoded) return std::nullopt;
  std::string text(decoded->begin(), decoded->end());
  parley::crypto::secure_wipe(*decoded);
  const auto colon = text.find(':');
  std::optional<basic_credentials> out;
  if (colon != std::string::npos) {
    out.emplace();
    out->id = text.substr(0, colon);
    out->secret = text.substr(colon + 1);
  }
  parley::crypto::secure_wipe(text);
  return out;
}

std::optional<std::string_view> bearer_token(const net::request& req) {
  const auto header = req.headers.get("Authorization");
  if (!header || header->size() < 7 || !net::iequals(header->substr(0, 7), "Bearer ")) return std::nullopt;
  auto token = header->substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

net::handler adapt(sync_handler fn) {
  return [fn = std::move(fn)](const net::request& req) -> boost::asio::awaitable<net::response> { co_return fn(req); };
}

}  // namespace bankx::detail
