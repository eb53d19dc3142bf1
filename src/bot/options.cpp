#include <parley/bot/options.hpp>

#include "url_util.hpp"

#include <algorithm>

namespace parley::bot {
namespace {

bool valid_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == std::string_view::npos;
}

// "name=slot" pairs: TOML tables with free keys cannot go through config_section (unknown keys
// are errors there), so the small maps of an operation are written as arrays of pairs.
std::map<std::string, std::string> pairs(core::config_section& s, std::string_view key) {
  std::map<std::string, std::string> out;
  for (const auto& p : s.strings(key)) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      s.error(key, "each entry must be \"name=value\"");
      continue;
    }
    if (!out.emplace(p.substr(0, eq), p.substr(eq + 1)).second) s.error(key, "a name appears twice");
  }
  return out;
}

void check_url(core::config_section& s, std::string_view key, const std::string& url, bool required) {
  if (url.empty()) {
    if (required) s.error(key, "is required");
    return;
  }
  if (!usable_url(url)) s.error(key, "must be an https:// URL (http:// only on loopback), without query or fragment");
}

api_result parse_result(core::config_section s) {
  api_result r;
  r.name = s.string("name");
  r.from = s.string("from");
  r.item = s.string("item");
  r.max_items = static_cast<std::size_t>(s.integer("max_items", 10, 1, 100));
  if (!valid_id(r.name)) s.error("name", "must be 1..64 of [A-Za-z0-9._-]");
  if (r.from.empty()) s.error("from", "is required (a dotted path into the response)");
  s.finish();
  return r;
}

api_operation parse_operation(core::config_section s) {
  api_operation op;
  op.name = s.string("name");
  op.method = s.string("method", "GET");
  op.path = s.string("path");
  op.query = pairs(s, "query");
  op.body = pairs(s, "body");
  op.defaults = pairs(s, "defaults");
  op.requires_login = s.boolean("requires_login", false);
  op.idempotency_key = s.boolean("idempotency_key", false);
  for (auto r : s.sections("results")) op.results.push_back(parse_result(r));
  if (s.has("denied_statuses")) {
    op.denied_statuses.clear();
    for (const auto& v : s.strings("denied_statuses")) {
      const int code = std::atoi(v.c_str());
      if (code < 400 || code > 499) {
        s.error("denied_statuses", "must be 4xx statuses as strings");
      } else {
        op.denied_statuses.push_back(code);
      }
    }
  }
  if (!valid_id(op.name)) s.error("name", "must be 1..64 of [A-Za-z0-9._-]");
  if (op.method != "GET" && op.method != "POST" && op.method != "PUT" && op.method != "DELETE") {
    s.error("method", "must be GET, POST, PUT or DELETE");
  }
  if (op.path.empty() || op.path.front() != '/') s.error("path", "must start with '/'");
  if (!op.body.empty() && (op.method == "GET" || op.method == "DELETE")) s.error("body", "only POST and PUT have a body");
  s.finish();
  return op;
}

assertion_site parse_site(core::config_section s) {
  assertion_site a;
  a.id = s.string("id");
  a.issuer = s.string("issuer");
  a.audience = s.string("audience");
  a.jwks_url = s.string("jwks_url");
  a.jwk = s.string("jwk");
  a.algorithms = s.strings("algorithms", a.algorithms);
  a.typ = s.string("typ", a.typ);
  a.max_lifetime = std::chrono::duration_cast<std::chrono::seconds>(s.duration("max_lifetime", a.max_lifetime));
  if (!valid_id(a.id)) s.error("id", "must be 1..64 of [A-Za-z0-9._-]");
  if (a.issuer.empty()) s.error("issuer", "is required");
  if (a.audience.empty()) s.error("audience", "is required");
  if (a.jwks_url.empty() == a.jwk.empty()) s.error("jwks_url", "give exactly one of jwks_url and jwk");
  if (!a.jwks_url.empty()) check_url(s, "jwks_url", a.jwks_url, true);
  if (a.max_lifetime <= 0s || a.max_lifetime > 5min) s.error("max_lifetime", "must be more than 0 and at most 5 minutes");
  for (const auto& alg : a.algorithms) {
    if (alg != "ES256" && alg != "RS256" && alg != "EdDSA") s.error("algorithms", "allowed: ES256, RS256, EdDSA");
  }
  s.finish();
  return a;
}

std::shared_ptr<core::secret_string> secret(core::config_section& s, std::string_view key) {
  auto v = s.secret(key);
  if (!v) return nullptr;
  return std::make_shared<core::secret_string>(std::move(*v));
}

}  // namespace

api_options parse_api_options(core::config_section s) {
  api_options a;
  a.base_url = s.string("base_url");
  a.timeout = s.duration("timeout", a.timeout);
  for (auto op : s.sections("operations")) a.operations.push_back(parse_operation(op));
  if (!a.operations.empty()) check_url(s, "base_url", a.base_url, true);
  for (std::size_t i = 0; i < a.operations.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (a.operations[i].name == a.operations[j].name) s.error("operations", "two operations have the same name");
    }
  }
  s.finish();
  return a;
}

options parse_options(core::config_section s) {
  options o;
  o.id = s.string("id");
  o.tenant = s.string("tenant");
  o.name = s.string("name", o.id);
  o.assistant = s.string("assistant");
  o.channel_url = s.string("channel_url");
  o.channel_public_url = s.string("channel_public_url");
  o.channel_secret = secret(s, "channel_secret");
  o.channel_timeout = s.duration("channel_timeout", o.channel_timeout);
  o.origins = s.strings("origins");
  o.public_url = s.string("public_url");
  o.token_rate_per_address = static_cast<double>(s.integer("token_rate_per_minute_per_address", 30, 1, 100000)) / 60.0;
  o.token_burst_per_address = static_cast<double>(s.integer("token_burst_per_address", 10, 1, 100000));
  o.token_rate_global = static_cast<double>(s.integer("token_rate_per_second", 50, 1, 1000000));
  o.token_burst_global = static_cast<double>(s.integer("token_burst", 200, 1, 1000000));
  for (auto site : s.sections("assertion_sites")) o.assertion_sites.push_back(parse_site(site));
  o.user_id_key = secret(s, "user_id_key");
  o.app_id = s.string("app_id");
  o.app_password = secret(s, "app_password");
  o.channel_issuer = s.string("channel_issuer");
  o.openid_metadata_url = s.string("openid_metadata_url");
  o.token_endpoint = s.string("token_endpoint");
  o.connector_scope = s.string("connector_scope");
  o.max_activity_bytes = static_cast<std::size_t>(s.integer("max_activity_bytes", 256 * 1024, 1024, 4 << 20));
  o.turn_budget = s.duration("turn_budget", o.turn_budget);
  o.max_etag_retries = static_cast<int>(s.integer("max_etag_retries", 8, 1, 100));
  o.typing_before_actions = s.boolean("typing_before_actions", true);
  o.api = parse_api_options(s.section("api"));

  if (!valid_id(o.id)) s.error("id", "must be 1..64 of [A-Za-z0-9._-]");
  if (!valid_id(o.tenant)) s.error("tenant", "must be 1..64 of [A-Za-z0-9._-]");
  if (o.assistant.empty()) s.error("assistant", "is required (the assistant definition file)");
  // Empty: the channel of this process (src/app passes its URL to service::start()).
  check_url(s, "channel_url", o.channel_url, false);
  if (!o.channel_public_url.empty()) check_url(s, "channel_public_url", o.channel_public_url, true);
  if (!o.channel_secret || o.channel_secret->empty()) s.error("channel_secret", "is required ({ file = ... } or { env = ... })");
  if (o.origins.empty()) s.error("origins", "name at least one origin allowed to call /api/token");
  if (!o.public_url.empty()) check_url(s, "public_url", o.public_url, true);
  for (const auto& origin : o.origins) {
    if (!valid_origin(origin)) s.error("origins", "each must be an origin: scheme://host[:port], no path");
  }
  if (!o.app_id.empty() && (!o.app_password || o.app_password->empty())) s.error("app_password", "is required with app_id");
  if (o.app_id.empty() && !o.channel_url.empty() && !is_loopback_url(o.channel_url)) {
    s.error("app_id", "an anonymous bot (no app_id) is allowed only with a channel on loopback");
  }
  if (!o.assertion_sites.empty() && (!o.user_id_key || o.user_id_key->size() < 32)) {
    s.error("user_id_key", "is required with assertion_sites (at least 32 bytes)");
  }
  if (o.turn_budget < 1s || o.turn_budget > 14s) s.error("turn_budget", "must be 1 to 14 seconds (the channel waits 15 s)");
  s.finish();
  if (!o.channel_url.empty()) resolve_defaults(o);
  return o;
}

void resolve_defaults(options& o) {
  while (!o.channel_url.empty() && o.channel_url.back() == '/') o.channel_url.pop_back();
  if (o.name.empty()) o.name = o.id;
  if (o.channel_public_url.empty()) o.channel_public_url = o.channel_url + "/v3/directline";
  if (o.channel_issuer.empty()) o.channel_issuer = o.channel_url;
  if (o.openid_metadata_url.empty()) o.openid_metadata_url = o.channel_url + "/v1/.well-known/openidconfiguration";
  if (o.token_endpoint.empty()) o.token_endpoint = o.channel_url + "/botframework.com/oauth2/v2.0/token";
  if (o.connector_scope.empty()) o.connector_scope = o.channel_url;
}

}  // namespace parley::bot
