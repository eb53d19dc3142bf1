#include <parley/desk/options.hpp>
#include <parley/net/options.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <set>

namespace parley::desk {
namespace {

bool valid_tenant_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(id.front()))) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

std::chrono::seconds seconds(core::config_section& s, std::string_view key, std::chrono::seconds fallback,
                             std::chrono::seconds min, std::chrono::seconds max) {
  const auto v = std::chrono::duration_cast<std::chrono::seconds>(s.duration(key, fallback));
  if (v < min || v > max) {
    s.error(key, "must be between " + std::to_string(min.count()) + "s and " + std::to_string(max.count()) + "s");
    return fallback;
  }
  return v;
}

// Entra ID's multi-tenant authorities sign for every directory with one key set: checking the
// signature alone would accept any tenant (docs/adr/0011-desk-bff.md).
bool multi_tenant_authority(std::string_view issuer) {
  for (std::string_view bad : {"/common/", "/organizations/", "/consumers/", "{tenantid}", "{tenant}"}) {
    if (issuer.find(bad) != std::string_view::npos) return true;
  }
  for (std::string_view bad : {"/common", "/organizations", "/consumers"}) {
    if (issuer.ends_with(bad)) return true;
  }
  return false;
}

tenant_options parse_tenant(core::config_section s) {
  tenant_options t;
  t.id = s.string("id");
  if (!valid_tenant_id(t.id))
    s.error("id", "required: 1-64 letters, digits, '-' or '_', starting with a letter or digit");
  t.name = s.string("name", t.id);
  if (t.name.empty() || t.name.size() > 100) s.error("name", "must be 1-100 characters");
  t.issuer = s.string("issuer");
  if (!acceptable_url(t.issuer)) s.error("issuer", "must be an https:// URL (http:// only on a loopback host)");
  if (multi_tenant_authority(t.issuer)) {
    s.error("issuer", "must be a tenant-specific authority (not /common, /organizations, /consumers or {tenantid})");
  }
  t.client_id = s.string("client_id");
  if (t.client_id.empty() || t.client_id.size() > 256) s.error("client_id", "required");
  if (auto secret = s.secret("client_secret")) {
    t.client_secret = std::move(*secret);
  } else if (!s.has("client_secret")) {
    s.error("client_secret", "required ({ file = \"...\" } or { env = \"NAME\" })");
  }
  const auto auth = s.string("token_auth", "client_secret_basic");
  if (auth == "client_secret_basic") {
    t.token_auth = token_auth_method::client_secret_basic;
  } else if (auth == "client_secret_post") {
    t.token_auth = token_auth_method::client_secret_post;
  } else {
    s.error("token_auth", "must be \"client_secret_basic\" or \"client_secret_post\"");
  }
  t.scopes = s.strings("scopes", t.scopes);
  if (std::find(t.scopes.begin(), t.scopes.end(), "openid") == t.scopes.end())
    s.error("scopes", "must include \"openid\"");
  for (const auto& scope : t.scopes) {
    if (scope.empty() || scope.find_first_of(" \"\\") != std::string::npos)
      s.error("scopes", "a scope is empty or has a space");
  }
  t.redirect_uri = s.string("redirect_uri");
  if (!t.redirect_uri.empty() && !acceptable_url(t.redirect_uri)) s.error("redirect_uri", "must be an https:// URL");
  t.post_logout_redirect_uri = s.string("post_logout_redirect_uri");
  if (!t.post_logout_redirect_uri.empty() && !acceptable_url(t.post_logout_redirect_uri)) {
    s.error("post_logout_redirect_uri", "must be an https:// URL");
  }
  t.role_claim = s.string("role_claim", t.role_claim);
  if (t.role_claim != "roles" && t.role_claim != "groups") s.error("role_claim", "must be \"roles\" or \"groups\"");
  t.consultant = s.strings("consultant");
  t.supervisor = s.strings("supervisor");
  t.admin = s.strings("admin");
  if (t.consultant.empty() && t.supervisor.empty() && t.admin.empty()) {
    s.error("consultant", "at least one of consultant, supervisor, admin must name a claim value");
  }
  t.allowed_groups = s.strings("allowed_groups");
  t.tid_allowlist = s.strings("tid_allowlist");
  if (s.has("id_token_algorithms")) {
    t.id_token_algorithms.clear();
    for (const auto& name : s.strings("id_token_algorithms")) {
      auto alg = jose::algorithm_from_string(name);
      if (!alg) {
        s.error("id_token_algorithms", "unknown algorithm \"" + name + "\" (RS256, ES256, EdDSA)");
      } else {
        t.id_token_algorithms.push_back(*alg);
      }
    }
    if (t.id_token_algorithms.empty()) s.error("id_token_algorithms", "must name at least one algorithm");
  }
  const auto assignment = s.string("assignment", "pick");
  if (assignment == "auto") {
    t.auto_assign = true;
  } else if (assignment != "pick") {
    s.error("assignment", "must be \"pick\" or \"auto\"");
  }
  if (s.has("hours")) {
    auto h = s.section("hours");
    const auto zone = h.string("time_zone");
    if (auto z = load_time_zone(zone)) {
      t.hours.zone = std::move(*z);
    } else {
      h.error("time_zone", "required: a time zone of the system's database, e.g. \"Europe/Berlin\"");
    }
    static constexpr std::string_view days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (std::size_t d = 0; d < 7; ++d) {
      for (const auto& text : h.strings(days[d])) {
        std::pair<int, int> interval;
        if (!parse_interval(text, interval)) {
          h.error(days[d], "each interval is \"HH:MM-HH:MM\", from before to (00:00 to 24:00)");
        } else {
          t.hours.week[d].push_back(interval);
        }
      }
    }
    h.finish();
    t.hours.configured = true;
  }
  std::set<std::string> titles;
  for (auto& c : s.sections("canned")) {
    canned_response r{c.string("title"), c.string("text")};
    if (r.title.empty() || r.title.size() > 80) c.error("title", "required: 1-80 bytes");
    if (!titles.insert(r.title).second) c.error("title", "duplicate canned response title");
    if (r.text.empty() || r.text.size() > 4000) c.error("text", "required: 1-4000 bytes");
    c.finish();
    t.canned.push_back(std::move(r));
  }
  if (t.canned.size() > 200) s.error("canned", "at most 200 canned responses per tenant");
  s.finish();
  return t;
}

}  // namespace

bool acceptable_url(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_userinfo() || u->has_fragment() || u->encoded_host().empty()) return false;
  if (u->scheme() == "https") return true;
  return u->scheme() == "http" && net::is_loopback_address(std::string(u->host_address()));
}

std::string origin_of(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->encoded_host().empty()) return {};
  std::string out = std::string(u->scheme()) + "://" + std::string(u->encoded_host());
  if (u->has_port()) out += ":" + std::string(u->port());
  return out;
}

tenant_options tenant_options::clone() const {
  tenant_options t;
  t.id = id;
  t.name = name;
  t.issuer = issuer;
  t.client_id = client_id;
  t.client_secret = client_secret.clone();
  t.token_auth = token_auth;
  t.scopes = scopes;
  t.redirect_uri = redirect_uri;
  t.post_logout_redirect_uri = post_logout_redirect_uri;
  t.role_claim = role_claim;
  t.consultant = consultant;
  t.supervisor = supervisor;
  t.admin = admin;
  t.allowed_groups = allowed_groups;
  t.tid_allowlist = tid_allowlist;
  t.id_token_algorithms = id_token_algorithms;
  t.auto_assign = auto_assign;
  t.canned = canned;
  t.hours = hours;
  return t;
}

options options::clone() const {
  options o;
  o.public_url = public_url;
  o.allowed_origins = allowed_origins;
  o.app_dir = app_dir;
  o.idle_timeout = idle_timeout;
  o.idle_warning = idle_warning;
  o.absolute_timeout = absolute_timeout;
  o.refresh_interval = refresh_interval;
  o.sign_in_timeout = sign_in_timeout;
  o.refresh_grace = refresh_grace;
  o.sweep_interval = sweep_interval;
  o.events_check_interval = events_check_interval;
  o.discovery_max_age = discovery_max_age;
  o.answer_timeout = answer_timeout;
  o.wait_timeout = wait_timeout;
  o.queue_check_interval = queue_check_interval;
  o.ca_file = ca_file;
  for (const auto& t : tenants) o.tenants.push_back(t.clone());
  return o;
}

options parse_options(core::config_section s) {
  options o;
  o.public_url = s.string("public_url");
  if (!o.public_url.empty() && (!acceptable_url(o.public_url) || o.public_url.back() == '/')) {
    s.error("public_url", "must be an https:// origin without a trailing slash (http:// only on a loopback host)");
  }
  o.allowed_origins = s.strings("allowed_origins");
  for (const auto& origin : o.allowed_origins) {
    if (!acceptable_url(origin) || origin_of(origin) != origin) {
      s.error("allowed_origins", "\"" + origin + "\" is not an https:// origin (scheme://host[:port])");
    }
  }
  o.app_dir = s.string("app_dir");
  o.idle_timeout = seconds(s, "idle_timeout", o.idle_timeout, 1min, 24h);
  o.idle_warning = seconds(s, "idle_warning", o.idle_warning, 10s, 1h);
  if (o.idle_warning >= o.idle_timeout) s.error("idle_warning", "must be shorter than idle_timeout");
  o.absolute_timeout = seconds(s, "absolute_timeout", o.absolute_timeout, 5min, 7 * 24h);
  o.refresh_interval = seconds(s, "refresh_interval", o.refresh_interval, 30s, 24h);
  o.refresh_grace = seconds(s, "refresh_grace", o.refresh_grace, 30s, 7 * 24h);
  o.sign_in_timeout = seconds(s, "sign_in_timeout", o.sign_in_timeout, 30s, 1h);
  o.sweep_interval = seconds(s, "sweep_interval", o.sweep_interval, 1s, 1h);
  o.events_check_interval = seconds(s, "events_check_interval", o.events_check_interval, 1s, 10min);
  o.discovery_max_age = seconds(s, "discovery_max_age", o.discovery_max_age, 1min, 7 * 24h);
  o.answer_timeout = seconds(s, "answer_timeout", o.answer_timeout, 10s, 1h);
  o.wait_timeout = seconds(s, "wait_timeout", o.wait_timeout, 0s, 24h);
  if (o.wait_timeout.count() != 0 && o.wait_timeout < 30s)
    s.error("wait_timeout", "must be 0s (never) or at least 30s");
  o.queue_check_interval = seconds(s, "queue_check_interval", o.queue_check_interval, 1s, 10min);
  o.ca_file = s.string("ca_file");
  std::set<std::string> ids;
  for (auto& t : s.sections("tenants")) {
    auto parsed = parse_tenant(t);
    if (!parsed.id.empty() && !ids.insert(parsed.id).second) t.error("id", "duplicate tenant");
    o.tenants.push_back(std::move(parsed));
  }
  s.finish();
  return o;
}

}  // namespace parley::desk
