#include "url_util.hpp"

#include <parley/channel/options.hpp>
#include <parley/channel/secret_hash.hpp>

#include <algorithm>
#include <set>

namespace parley::channel {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

seconds read_seconds(core::config_section& s, std::string_view key, seconds fallback, seconds min, seconds max) {
  const auto v = duration_cast<seconds>(s.duration(key, duration_cast<milliseconds>(fallback)));
  if (v < min || v > max) {
    s.error(key, "must be between " + std::to_string(min.count()) + "s and " + std::to_string(max.count()) + "s");
    return fallback;
  }
  return v;
}

void check_url(core::config_section& s, std::string_view key, const std::string& value) {
  if (!value.empty() && !parse_base_url(value)) s.error(key, "must be an absolute http:// or https:// URL");
}

bot_options read_bot(core::config_section s, seconds min_lifetime) {
  bot_options b;
  b.id = s.string("id");
  b.tenant = s.string("tenant");
  b.name = s.string("name", b.id);
  b.app_id = s.string("app_id");
  b.secret_hashes = s.strings("secret_hashes");
  b.app_password_hash = s.string("app_password_hash");
  b.endpoint = s.string("endpoint");
  b.origins = s.strings("origins");
  if (s.has("token_lifetime")) b.token_lifetime = read_seconds(s, "token_lifetime", 30min, min_lifetime, 24h);
  if (!valid_name(b.id)) s.error("id", "required: 1..64 characters of [A-Za-z0-9._-]");
  if (!valid_name(b.tenant)) s.error("tenant", "required: 1..64 characters of [A-Za-z0-9._-]");
  if (b.name.empty() || b.name.size() > 128) s.error("name", "must be 1..128 characters");
  if (b.app_id.size() > 128 || b.app_id.find_first_of(" \t\r\n\"") != std::string::npos) {
    s.error("app_id", "must be at most 128 characters without spaces or quotes");
  }
  if (b.secret_hashes.empty() || b.secret_hashes.size() > 2) {
    s.error("secret_hashes", "one or two hashes are required (`parley channel hash-secret`)");
  }
  for (const auto& h : b.secret_hashes) {
    if (!parse_secret_hash(h)) s.error("secret_hashes", "not a hash made by `parley channel hash-secret`");
  }
  if (!b.app_id.empty() && b.app_password_hash.empty()) {
    s.error("app_password_hash", "required when app_id is set (`parley channel hash-secret`)");
  }
  if (!b.app_password_hash.empty() && !parse_secret_hash(b.app_password_hash)) {
    s.error("app_password_hash", "not a hash made by `parley channel hash-secret`");
  }
  const auto endpoint = parse_base_url(b.endpoint);
  if (b.endpoint == in_process_endpoint) {
    // A bot web service of this process (docs/adr/0007): no URL; src/app checks that it exists.
  } else if (!endpoint) {
    s.error("endpoint", "required: the bot's absolute http(s) messaging URL, or \"in-process\"");
  } else if (!endpoint->https && !endpoint->loopback) {
    s.error("endpoint", "plain http:// is only allowed for a bot on loopback");
  } else if (b.app_id.empty() && !endpoint->loopback) {
    s.error("app_id", "an anonymous bot (no app_id) must have its endpoint on loopback");
  }
  for (const auto& o : b.origins) {
    if (!valid_origin(o)) s.error("origins", "each origin must be scheme://host[:port], without a path or slash");
  }
  s.finish();
  return b;
}

tenant_options read_tenant(core::config_section s, seconds min_lifetime) {
  tenant_options t;
  t.id = s.string("id");
  t.require_bound_tokens = s.boolean("require_bound_tokens", t.require_bound_tokens);
  t.bound_token_lifetime = read_seconds(s, "bound_token_lifetime", t.bound_token_lifetime, min_lifetime, 1h);
  t.unbound_token_lifetime = read_seconds(s, "unbound_token_lifetime", t.unbound_token_lifetime, min_lifetime, 24h);
  t.max_session = read_seconds(s, "max_session", t.max_session, min_lifetime == seconds(1) ? seconds(10) : seconds(600),
                               7 * 24h);
  t.require_dpop_nonce = s.boolean("require_dpop_nonce", t.require_dpop_nonce);
  if (!valid_name(t.id)) s.error("id", "required: the tenant of a [[channel.bots]] entry");
  s.finish();
  return t;
}

}  // namespace

const tenant_options& tenant_policy(const options& o, std::string_view tenant) {
  static const tenant_options defaults;
  for (const auto& t : o.tenants) {
    if (t.id == tenant) return t;
  }
  return defaults;
}

options parse_options(core::config_section s) {
  options o;
  o.public_url = s.string("public_url");
  o.service_url = s.string("service_url");
  o.issuer = s.string("issuer");
  o.connector_scope = s.string("connector_scope");
  check_url(s, "public_url", o.public_url);
  check_url(s, "service_url", o.service_url);
  check_url(s, "issuer", o.issuer);
  check_url(s, "connector_scope", o.connector_scope);
  o.stream_token_lifetime = read_seconds(s, "stream_token_lifetime", o.stream_token_lifetime, 10s, 300s);
  o.to_bot_token_lifetime = read_seconds(s, "to_bot_token_lifetime", o.to_bot_token_lifetime, 10min, 24h);
  o.bot_access_token_lifetime = read_seconds(s, "bot_access_token_lifetime", o.bot_access_token_lifetime, 10min, 24h);
  o.bot_timeout = s.duration("bot_timeout", o.bot_timeout);
  if (o.bot_timeout < 100ms || o.bot_timeout > 19s) {
    // directlinejs gives up on a POST after 20 s: the channel must answer before that.
    s.error("bot_timeout", "must be between 100ms and 19s (clients time out at 20s)");
    o.bot_timeout = 15s;
  }
  o.max_activity_bytes = static_cast<std::size_t>(s.integer("max_activity_bytes", 256 * 1024, 4096, 1024 * 1024));
  o.max_text_bytes = static_cast<std::size_t>(s.integer("max_text_bytes", 16 * 1024, 256, 1024 * 1024));
  o.max_value_bytes = static_cast<std::size_t>(s.integer("max_value_bytes", 16 * 1024, 256, 1024 * 1024));
  o.max_activity_depth = static_cast<std::size_t>(s.integer("max_activity_depth", 32, 8, 64));
  if (o.max_text_bytes > o.max_activity_bytes) s.error("max_text_bytes", "must not exceed max_activity_bytes");
  if (o.max_value_bytes > o.max_activity_bytes) s.error("max_value_bytes", "must not exceed max_activity_bytes");
  o.max_upload_bytes =
      static_cast<std::size_t>(s.integer("max_upload_bytes", 4 * 1024 * 1024, 1024, 64LL * 1024 * 1024));
  o.max_upload_files = static_cast<std::size_t>(s.integer("max_upload_files", 10, 1, 100));
  o.upload_types = s.strings("upload_types", o.upload_types);
  o.client_rate = static_cast<double>(s.integer("client_rate", 20, 1, 100'000));
  o.conversation_rate = static_cast<double>(s.integer("conversation_rate", 10, 1, 10'000));
  o.max_throttle_delay = s.duration("max_throttle_delay", o.max_throttle_delay);
  if (o.max_throttle_delay < 0ms || o.max_throttle_delay > 15s) s.error("max_throttle_delay", "must be 0..15s");
  o.verify_cache_entries = static_cast<std::size_t>(s.integer("verify_cache_entries", 100'000, 0, 10'000'000));
  o.max_replay_activities = static_cast<std::size_t>(s.integer("max_replay_activities", 1000, 10, 100'000));
  o.allow_short_token_lifetime = s.boolean("allow_short_token_lifetime", false);
  o.refresh_grace = read_seconds(s, "refresh_grace", o.refresh_grace, 0s, 10s);
  o.dpop_max_age = read_seconds(s, "dpop_max_age", o.dpop_max_age, 10s, 300s);
  o.max_sessions = static_cast<std::size_t>(s.integer("max_sessions", 1'000'000, 1000, 100'000'000));
  o.dpop_replay_entries = static_cast<std::size_t>(s.integer("dpop_replay_entries", 1'000'000, 1000, 100'000'000));

  std::set<std::string> ids;
  std::set<std::string> app_ids;
  for (auto& bot : s.sections("bots")) {
    auto b = read_bot(bot, o.allow_short_token_lifetime ? seconds(1) : seconds(60));
    if (!b.id.empty() && !ids.insert(b.id).second) bot.error("id", "duplicate bot id");
    if (!b.app_id.empty() && !app_ids.insert(b.app_id).second) bot.error("app_id", "two bots share this app_id");
    o.bots.push_back(std::move(b));
  }
  for (auto& tenant : s.sections("tenants")) {
    auto t = read_tenant(tenant, o.allow_short_token_lifetime ? seconds(1) : seconds(60));
    if (!t.id.empty() && std::none_of(o.bots.begin(), o.bots.end(), [&](const bot_options& b) { return b.tenant == t.id; })) {
      tenant.error("id", "no [[channel.bots]] entry has this tenant");
    }
    if (std::any_of(o.tenants.begin(), o.tenants.end(), [&](const tenant_options& x) { return x.id == t.id; })) {
      tenant.error("id", "duplicate tenant");
    }
    o.tenants.push_back(std::move(t));
  }
  s.finish();
  return o;
}

bool resolve_urls(options& o) {
  while (!o.public_url.empty() && o.public_url.back() == '/') o.public_url.pop_back();
  if (!parse_base_url(o.public_url)) return false;
  if (o.service_url.empty()) o.service_url = o.public_url + "/";
  if (o.issuer.empty()) o.issuer = o.public_url;
  if (o.connector_scope.empty()) o.connector_scope = o.public_url;
  return true;
}

}  // namespace parley::channel
