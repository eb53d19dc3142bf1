// The documents and the token endpoint bots use (bot-connector.md §1.3, §2.2, §3.3 A):
//  - GET /v1/.well-known/openidconfiguration and /v1/.well-known/keys: the metadata and JWKS a
//    bot checks the channel's to-bot tokens with (ToBotFromChannelOpenIdMetadataUrl); botbuilder
//    reads only jwks_uri, then n, e and the endorsements of the key named by `kid`.
//  - POST /{tenant}/oauth2/v2.0/token: the client-credentials grant (OAuth 2.0, RFC 6749 §4.4)
//    where a bot exchanges its app id and password for a channel-signed access token;
//    {tenant} is "botframework.com" (MultiTenant bots) or the bot's tenant.
//  - GET /{tenant}/v2.0/.well-known/openid-configuration and /{tenant}/discovery/v2.0/keys: the
//    metadata MSAL needs for that authority (authorization_endpoint, token_endpoint, issuer,
//    jwks_uri, in the AAD path layout so that MSAL's tenant rewriting is a no-op).
// The token endpoint speaks OAuth's error format ({"error","error_description"}), not Direct Line's.
#include "routes.hpp"
#include "url_util.hpp"

#include <parley/core/base64.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace parley::channel {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using net::request;
using net::response;

constexpr std::string_view multi_tenant = "botframework.com";

response oauth_error(int status, std::string_view error, std::string_view description) {
  auto r = net::json_response(status, json::object{{"error", error}, {"error_description", description}});
  r.headers.set("Pragma", "no-cache");
  return r;
}

bool known_tenant(const state_ptr& s, std::string_view tenant) {
  if (tenant == multi_tenant) return true;
  for (const auto& b : s->bots.all()) {
    if (b.tenant == tenant) return true;
  }
  return false;
}

// client_secret_basic: Authorization: Basic base64(client_id ":" client_secret).
bool basic_credentials(const request& req, std::string& id, std::string& secret) {
  const auto h = req.headers.get("authorization");
  if (!h || h->size() < 7 || !net::iequals(h->substr(0, 6), "basic ")) return false;
  auto decoded = core::base64_decode(h->substr(6));
  if (!decoded) return false;
  const std::string text(decoded->begin(), decoded->end());
  const auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  id = text.substr(0, colon);
  secret = text.substr(colon + 1);
  return true;
}

awaitable<response> token(const state_ptr& s, const request& req) {
  if (!s->started.load()) co_return oauth_error(503, "temporarily_unavailable", "starting; retry shortly");
  const auto tenant = req.param("tenant");
  if (!known_tenant(s, tenant)) co_return oauth_error(400, "invalid_request", "unknown tenant");
  const auto type = req.headers.get("content-type").value_or("");
  if (!net::iequals(type.substr(0, type.find(';')), "application/x-www-form-urlencoded")) {
    co_return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  auto form = parse_form(req.body);
  if (!form) co_return oauth_error(400, "invalid_request", "malformed form body");
  std::map<std::string, std::string> fields;
  for (auto& [k, v] : *form) {
    // RFC 6749 §3.2: parameters must not be repeated.
    if (!fields.emplace(std::move(k), std::move(v)).second) co_return oauth_error(400, "invalid_request", "repeated parameter");
  }
  if (fields["grant_type"] != "client_credentials") {
    co_return oauth_error(400, "unsupported_grant_type", "only client_credentials is supported");
  }
  std::string client_id = fields["client_id"];
  std::string client_secret = fields["client_secret"];
  std::string basic_id;
  std::string basic_secret;
  const bool basic = basic_credentials(req, basic_id, basic_secret);
  if (basic) {
    if (!client_secret.empty() || (!client_id.empty() && client_id != basic_id)) {
      co_return oauth_error(400, "invalid_request", "use one client authentication method");
    }
    client_id = std::move(basic_id);
    client_secret = std::move(basic_secret);
  }
  if (client_id.empty() || client_secret.empty()) co_return oauth_error(401, "invalid_client", "client authentication failed");
  if (fields["scope"] != s->opts.connector_scope + "/.default") {
    co_return oauth_error(400, "invalid_scope", "the scope must be the channel's connector scope + /.default");
  }
  const auto* bot = s->bots.by_app_id(client_id);
  const auto hashes = bot ? s->password_hashes.find(bot->id) : s->password_hashes.end();
  if (!bot || hashes == s->password_hashes.end() || (tenant != multi_tenant && tenant != bot->tenant)) {
    co_return oauth_error(401, "invalid_client", "client authentication failed");
  }
  const std::vector<secret_verifier::candidate> candidates{{"password:" + bot->id, &hashes->second}};
  if (!s->secrets.remembered(client_secret, candidates) && !s->secret_attempts.take(req.limit_key()).allowed) {
    co_return oauth_error(429, "temporarily_unavailable", "too many attempts; retry later");
  }
  auto hit = co_await s->secrets.match(client_secret, candidates);
  if (!hit) co_return oauth_error(503, "temporarily_unavailable", "busy; retry later");
  if (!*hit) {
    s->log->warn("token endpoint: bad password for app id of bot {}", bot->id);
    co_return oauth_error(401, "invalid_client", "client authentication failed");
  }
  auto t = s->tokens->issue_bot_access_token(client_id, tenant);
  if (!t) co_return oauth_error(500, "server_error", "no signing key");
  s->log->info("token endpoint: access token for bot {}", bot->id);
  auto r = net::json_response(200, json::object{{"token_type", "Bearer"},
                                                {"expires_in", t->expires_in.count()},
                                                {"ext_expires_in", t->expires_in.count()},
                                                {"access_token", t->token}});
  r.headers.set("Pragma", "no-cache");
  co_return r;
}

awaitable<response> msal_metadata(const state_ptr& s, const request& req) {
  if (!s->started.load()) co_return error_response(errc::not_started);
  const auto tenant = std::string(req.param("tenant"));
  if (!known_tenant(s, tenant)) co_return error_response(errc::not_found);
  const auto base = s->opts.public_url + "/" + tenant;
  co_return net::json_response(
      200, json::object{{"issuer", s->opts.issuer},
                        {"authorization_endpoint", base + "/oauth2/v2.0/authorize"},
                        {"token_endpoint", base + "/oauth2/v2.0/token"},
                        {"jwks_uri", base + "/discovery/v2.0/keys"},
                        {"response_types_supported", json::array{"token"}},
                        {"grant_types_supported", json::array{"client_credentials"}},
                        {"token_endpoint_auth_methods_supported", json::array{"client_secret_post", "client_secret_basic"}},
                        {"subject_types_supported", json::array{"public"}},
                        {"id_token_signing_alg_values_supported", json::array{"ES256"}},
                        {"scopes_supported", json::array{s->opts.connector_scope + "/.default"}}});
}

awaitable<response> access_keys(const state_ptr& s, const request& req) {
  if (!s->started.load()) co_return error_response(errc::not_started);
  if (!known_tenant(s, req.param("tenant"))) co_return error_response(errc::not_found);
  auto jwks = s->tokens->bot_access_jwks();
  if (!jwks) co_return error_response(jwks.error());
  co_return net::json_response(200, std::move(*jwks));
}

awaitable<response> to_bot_metadata(const state_ptr& s) {
  if (!s->started.load()) co_return error_response(errc::not_started);
  co_return net::json_response(
      200, json::object{{"issuer", s->opts.issuer},
                        {"authorization_endpoint", s->opts.public_url + "/invalid"},
                        {"jwks_uri", s->opts.public_url + "/v1/.well-known/keys"},
                        {"id_token_signing_alg_values_supported", json::array{"RS256"}},
                        {"token_endpoint_auth_methods_supported", json::array{"private_key_jwt"}}});
}

awaitable<response> to_bot_keys(const state_ptr& s) {
  if (!s->started.load()) co_return error_response(errc::not_started);
  auto jwks = s->tokens->to_bot_jwks();
  if (!jwks) co_return error_response(jwks.error());
  auto r = net::json_response(200, std::move(*jwks));
  // Public keys: bots may cache them (botbuilder keeps them 24 h anyway).
  r.headers.set("Cache-Control", "public, max-age=3600");
  co_return r;
}

}  // namespace

void add_oauth_routes(net::router& r, const state_ptr& s) {
  net::route_options form;
  form.max_body_bytes = 8 * 1024;
  r.post("/{tenant}/oauth2/v2.0/token", [s](const request& q) { return token(s, q); }, form);
  r.get("/{tenant}/v2.0/.well-known/openid-configuration", [s](const request& q) { return msal_metadata(s, q); });
  r.get("/{tenant}/discovery/v2.0/keys", [s](const request& q) { return access_keys(s, q); });
  r.get("/v1/.well-known/openidconfiguration", [s](const request&) { return to_bot_metadata(s); });
  r.get("/v1/.well-known/keys", [s](const request&) { return to_bot_keys(s); });
}

}  // namespace parley::channel
