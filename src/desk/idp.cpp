// An identity provider's discovery, endpoints and token requests (idp.hpp); the token checks are
// in tokens.cpp.
#include "idp.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/desk/error.hpp>
#include <parley/jose/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>

namespace parley::desk::detail {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_metadata_bytes = 256 * 1024;
constexpr std::size_t max_token_response_bytes = 64 * 1024;
constexpr auto idp_timeout = std::chrono::seconds{10};

std::shared_ptr<spdlog::logger> log() {
  static auto l = core::logger("desk");
  return l;
}

std::string with_query(const std::string& endpoint, const std::vector<std::pair<std::string, std::string>>& params) {
  return endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + net::form_encode(params);
}

bool has_string(const boost::json::object& o, std::string_view key, std::string_view value) {
  const auto* a = core::get_array(o, key);
  if (!a) return false;
  return std::any_of(a->begin(), a->end(),
                     [&](const boost::json::value& v) { return v.is_string() && v.get_string() == value; });
}

// The metadata of `tenant`'s issuer, checked (OIDC Discovery 1.0 §4.3, RFC 8414 §3.3, RFC 9700).
result<idp_metadata> parse_metadata(std::string_view body, const tenant_options& tenant) {
  auto doc = core::parse_json_object(body, {.max_bytes = max_metadata_bytes, .max_depth = 16});
  if (!doc) return make_error_code(errc::bad_metadata);
  idp_metadata m;
  auto text = [&](std::string_view key) { return std::string(core::get_string(*doc, key).value_or("")); };
  m.issuer = text("issuer");
  m.authorization_endpoint = text("authorization_endpoint");
  m.token_endpoint = text("token_endpoint");
  m.jwks_uri = text("jwks_uri");
  m.end_session_endpoint = text("end_session_endpoint");
  m.iss_parameter_supported = core::get_bool(*doc, "authorization_response_iss_parameter_supported").value_or(false);
  if (m.issuer != tenant.issuer) {
    log()->error("desk: tenant {}: the IdP's metadata names another issuer; refused", tenant.id);
    return make_error_code(errc::bad_metadata);
  }
  for (const auto* url : {&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri}) {
    if (!acceptable_url(*url)) {
      log()->error("desk: tenant {}: an endpoint of the IdP is missing or not https://", tenant.id);
      return make_error_code(errc::bad_metadata);
    }
  }
  if (!m.end_session_endpoint.empty() && !acceptable_url(m.end_session_endpoint)) m.end_session_endpoint.clear();
  if (core::get_array(*doc, "code_challenge_methods_supported") &&
      !has_string(*doc, "code_challenge_methods_supported", "S256")) {
    log()->error("desk: tenant {}: the IdP does not offer PKCE S256; refused", tenant.id);
    return make_error_code(errc::bad_metadata);
  }
  if (core::get_array(*doc, "response_types_supported") && !has_string(*doc, "response_types_supported", "code")) {
    log()->error("desk: tenant {}: the IdP does not offer the authorization code flow; refused", tenant.id);
    return make_error_code(errc::bad_metadata);
  }
  return m;
}

jose::profile id_token_profile(const tenant_options& t) {
  jose::profile p;
  p.name = "oidc-id-token:" + t.id;
  p.issuers = {t.issuer};
  p.audiences = {t.client_id};
  p.algorithms = t.id_token_algorithms;
  // Entra ID writes "JWT"; many IdPs (oidc-provider, Keycloak) write none.
  p.typ = "JWT";
  p.typ_optional = true;
  p.clock_skew = std::chrono::seconds{60};
  p.max_lifetime = std::chrono::hours{24};
  p.require_iat = true;
  p.required_claims = {"sub"};
  p.require_low_s = false;
  return p;
}

jose::profile logout_token_profile(const tenant_options& t) {
  jose::profile p;
  p.name = "oidc-logout-token:" + t.id;
  p.issuers = {t.issuer};
  p.audiences = {t.client_id};
  p.algorithms = t.id_token_algorithms;
  p.typ = "logout+jwt";  // explicit typing (ASVS 5.0 10.5.5): an ID token cannot pass for one
  p.clock_skew = std::chrono::seconds{60};
  p.max_lifetime = std::chrono::hours{1};
  p.require_iat = true;
  p.required_claims = {"jti", "events"};
  p.require_low_s = false;
  return p;
}

}  // namespace

token_set::~token_set() {
  crypto::secure_wipe(id_token);
  crypto::secure_wipe(refresh_token);
}

awaitable<result<std::string>> jwks_http_fetcher::fetch(std::string url) {
  net::client_request req;
  req.method = net::method::get;
  req.url = std::move(url);
  req.headers.set("Accept", "application/json");
  req.timeout = idp_timeout;
  auto r = co_await http_.send(std::move(req));
  if (!r) co_return r.error();
  if (r->status < 200 || r->status >= 300) co_return make_error_code(jose::errc::fetch_failed);
  co_return std::move(r->body);
}

idp::idp(const tenant_options& tenant, const options& desk, net::http_client& http, const core::clock& clock)
    : tenant_(tenant),
      http_(http),
      clock_(clock),
      max_age_(desk.discovery_max_age),
      fetcher_(http),
      id_tokens_(id_token_profile(tenant), clock),
      logout_tokens_(logout_token_profile(tenant), clock) {}

idp::~idp() = default;

void idp::set_uris(std::string redirect_uri, std::string post_logout_uri) {
  redirect_uri_ = std::move(redirect_uri);
  post_logout_uri_ = std::move(post_logout_uri);
}

awaitable<result<idp_metadata>> idp::metadata() {
  {
    std::lock_guard lock(mutex_);
    if (metadata_ && clock_.steady_now() - fetched_ < max_age_) co_return *metadata_;
  }
  auto fresh = co_await discover();
  std::lock_guard lock(mutex_);
  if (fresh) {
    if (!keys_ || (metadata_ && metadata_->jwks_uri != fresh->jwks_uri)) {
      jose::remote_jwks_options o;
      o.url = fresh->jwks_uri;
      o.allow_http = fresh->jwks_uri.rfind("http://", 0) == 0;  // acceptable_url allowed it: loopback only
      keys_ = std::make_shared<jose::remote_jwks_cache>(o, fetcher_, clock_);
    }
    metadata_ = *fresh;
    fetched_ = clock_.steady_now();
    co_return *fresh;
  }
  if (metadata_) {
    log()->warn("desk: tenant {}: rediscovery failed ({}); keeping the last good metadata", tenant_.id,
                fresh.error().message());
    fetched_ = clock_.steady_now() - max_age_ + std::chrono::minutes{5};  // try again in 5 minutes
    co_return *metadata_;
  }
  co_return fresh.error();
}

awaitable<result<idp_metadata>> idp::discover() {
  net::client_request req;
  req.method = net::method::get;
  req.url = tenant_.issuer + (tenant_.issuer.ends_with('/') ? "" : "/") + ".well-known/openid-configuration";
  req.headers.set("Accept", "application/json");
  req.timeout = idp_timeout;
  auto r = co_await http_.send(std::move(req));
  if (!r || r->status != 200 || r->body.size() > max_metadata_bytes) {
    log()->warn("desk: tenant {}: discovery failed ({})", tenant_.id,
                r ? "HTTP " + std::to_string(r->status) : r.error().message());
    co_return make_error_code(errc::idp_unavailable);
  }
  co_return parse_metadata(r->body, tenant_);
}

awaitable<std::shared_ptr<jose::remote_jwks_cache>> idp::keys() {
  if (auto m = co_await metadata(); !m) co_return nullptr;
  std::shared_ptr<jose::remote_jwks_cache> k;
  {
    std::lock_guard lock(mutex_);
    k = keys_;
  }
  if (k) co_await k->refresh_if_due();
  co_return k;
}

std::string idp::authorization_url(const idp_metadata& m, std::string_view state, std::string_view nonce,
                                   std::string_view code_challenge) const {
  std::string scope;
  for (const auto& s : tenant_.scopes) scope += (scope.empty() ? "" : " ") + s;
  return with_query(m.authorization_endpoint, {{"response_type", "code"},
                                               {"client_id", tenant_.client_id},
                                               {"redirect_uri", redirect_uri_},
                                               {"scope", scope},
                                               {"state", std::string(state)},
                                               {"nonce", std::string(nonce)},
                                               {"code_challenge", std::string(code_challenge)},
                                               {"code_challenge_method", "S256"}});
}

std::string idp::end_session_url(const idp_metadata& m, std::string_view id_token_hint, std::string_view state) const {
  if (m.end_session_endpoint.empty()) return {};
  std::vector<std::pair<std::string, std::string>> params;
  if (!id_token_hint.empty()) params.emplace_back("id_token_hint", std::string(id_token_hint));
  params.emplace_back("post_logout_redirect_uri", post_logout_uri_);
  params.emplace_back("state", std::string(state));
  params.emplace_back("client_id", tenant_.client_id);
  return with_query(m.end_session_endpoint, params);
}

awaitable<result<token_set>> idp::redeem(std::string code, std::string verifier) {
  std::vector<std::pair<std::string, std::string>> form{{"grant_type", "authorization_code"},
                                                        {"code", std::move(code)},
                                                        {"redirect_uri", redirect_uri_},
                                                        {"code_verifier", std::move(verifier)}};
  auto r = co_await token_request(std::move(form), false);
  for (auto& [k, v] : form) crypto::secure_wipe(v);
  co_return r;
}

awaitable<result<token_set>> idp::refresh(std::string refresh_token) {
  std::vector<std::pair<std::string, std::string>> form{{"grant_type", "refresh_token"},
                                                        {"refresh_token", std::move(refresh_token)}};
  auto r = co_await token_request(std::move(form), true);
  for (auto& [k, v] : form) crypto::secure_wipe(v);
  co_return r;
}

awaitable<result<token_set>> idp::token_request(std::vector<std::pair<std::string, std::string>> form,
                                                bool refreshing) {
  const errc refused = refreshing ? errc::refresh_refused : errc::code_refused;
  auto m = co_await metadata();
  if (!m) co_return m.error();
  net::client_request req;
  if (tenant_.token_auth == token_auth_method::client_secret_post) {
    form.emplace_back("client_id", tenant_.client_id);
    form.emplace_back("client_secret", std::string(tenant_.client_secret.reveal()));
    req = net::client_request::form(m->token_endpoint, form);
  } else {
    req = net::client_request::form(m->token_endpoint, form);
    // RFC 6749 §2.3.1: the id and secret are form-encoded before the Basic encoding.
    std::string pair = net::form_encode({{"", tenant_.client_id}}).substr(1) + ":" +
                       net::form_encode({{"", std::string(tenant_.client_secret.reveal())}}).substr(1);
    req.headers.set("Authorization", "Basic " + core::base64_encode(crypto::as_bytes(pair)));
    crypto::secure_wipe(pair);
  }
  for (auto& [k, v] : form) crypto::secure_wipe(v);
  req.headers.set("Accept", "application/json");
  req.timeout = idp_timeout;
  req.sensitive = true;
  auto r = co_await http_.send(std::move(req));
  if (!r) {
    log()->warn("desk: tenant {}: token endpoint unreachable: {}", tenant_.id, r.error().message());
    co_return make_error_code(errc::idp_unavailable);
  }
  struct wipe_body {
    std::string& body;
    ~wipe_body() { crypto::secure_wipe(body); }
  } wipe{r->body};
  if (r->status == 400 || r->status == 401) {
    // invalid_grant (used, expired, wrong verifier, disabled account) or invalid_client.
    auto err = core::parse_json_object(r->body, {.max_bytes = max_token_response_bytes});
    const std::string code = err ? std::string(core::get_string(*err, "error").value_or("")) : std::string();
    if (code == "invalid_client")
      log()->error("desk: tenant {}: the IdP refused the desk's client credentials", tenant_.id);
    log()->info("desk: tenant {}: token endpoint refused the {} (HTTP {}, {})", tenant_.id,
                refreshing ? "refresh" : "code", r->status, code.size() <= 40 ? code : "?");
    co_return make_error_code(refused);
  }
  if (r->status != 200 || r->body.size() > max_token_response_bytes) {
    log()->warn("desk: tenant {}: token endpoint answered HTTP {}", tenant_.id, r->status);
    co_return make_error_code(errc::idp_unavailable);
  }
  auto doc = core::parse_json_object(r->body, {.max_bytes = max_token_response_bytes, .max_depth = 8});
  if (!doc) co_return make_error_code(errc::idp_unavailable);
  token_set out;
  out.id_token = std::string(core::get_string(*doc, "id_token").value_or(""));
  out.refresh_token = std::string(core::get_string(*doc, "refresh_token").value_or(""));
  // Wipe the parsed copies too: the document holds the tokens.
  for (auto& [k, v] : *doc) {
    if (v.is_string()) {
      auto& s = v.get_string();
      crypto::secure_wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(s.data()), s.size()));
    }
  }
  if (out.id_token.empty() && !refreshing) {
    log()->warn("desk: tenant {}: the token endpoint answered without an ID token", tenant_.id);
    co_return make_error_code(errc::bad_token);
  }
  co_return out;
}

}  // namespace parley::desk::detail
