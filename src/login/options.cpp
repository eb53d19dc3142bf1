#include <parley/login/options.hpp>

#include <boost/url/parse.hpp>

#include <set>

namespace parley::login {

namespace {

// https://, or http:// to a loopback host (SECURITY.md promise 7: plain HTTP only on loopback).
bool acceptable_url(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_userinfo() || u->has_query() || u->has_fragment() || u->encoded_host().empty()) return false;
  if (u->scheme() == "https") return true;
  return u->scheme() == "http" && net::is_loopback_address(std::string(u->host_address()));
}

bool acceptable_path(const std::string& p) {
  return !p.empty() && p.front() == '/' && p.find_first_of("?# \r\n") == std::string::npos;
}

tenant_options parse_tenant(core::config_section s) {
  tenant_options t;
  t.tenant = s.string("tenant");
  if (t.tenant.empty()) s.error("tenant", "required");
  t.base_url = s.string("base_url");
  if (!acceptable_url(t.base_url)) s.error("base_url", "must be an https:// URL (http:// only on a loopback host)");
  t.api_base_url = s.string("api_base_url");
  if (!t.api_base_url.empty() && !acceptable_url(t.api_base_url)) {
    s.error("api_base_url", "must be an https:// URL (http:// only on a loopback host)");
  }
  for (auto [key, field] : {std::pair{"start_path", &t.start_path}, std::pair{"poll_path", &t.poll_path},
                            std::pair{"verify_path", &t.verify_path}, std::pair{"logout_path", &t.logout_path}}) {
    *field = s.string(key, *field);
    if (!acceptable_path(*field)) s.error(key, "must be a path starting with '/'");
  }
  t.client_id = s.string("client_id");
  if (t.client_id.empty() || t.client_id.find(':') != std::string::npos) {
    s.error("client_id", "required, without ':'");
  }
  if (auto secret = s.secret("client_secret")) {
    t.client_secret = std::move(*secret);
  } else if (!s.has("client_secret")) {
    s.error("client_secret", "required ({ file = \"...\" } or { env = \"NAME\" })");
  }
  const auto names = s.strings("methods", {"push"});
  t.methods.clear();
  std::set<method> seen;
  for (const auto& n : names) {
    auto m = parse_method(n);
    if (!m) {
      s.error("methods", "unknown method \"" + n + "\" (push, ussd, otp_sms, otp_email, totp)");
    } else if (seen.insert(*m).second) {
      t.methods.push_back(*m);
    }
  }
  if (t.methods.empty()) t.methods.push_back(method::push);
  t.max_login_time = std::chrono::duration_cast<std::chrono::seconds>(s.duration("max_login_time", t.max_login_time));
  if (t.max_login_time < 10s || t.max_login_time > 900s) s.error("max_login_time", "must be between 10s and 15m");
  t.http.connect_timeout = s.duration("connect_timeout", 5s);
  t.http.request_timeout = s.duration("request_timeout", 10s);
  t.http.ca_file = s.string("ca_file");
  t.http.client_cert_file = s.string("client_cert_file");
  if (s.has("client_key")) t.http.client_key = s.secret("client_key");
  if (t.http.client_cert_file.empty() != !t.http.client_key.has_value()) {
    s.error("client_cert_file", "client_cert_file and client_key go together (mTLS)");
  }
  t.http.max_response_bytes = 1 << 20;
  t.http.user_agent = "parley-login";
  s.finish();
  return t;
}

}  // namespace

options parse_options(core::config_section section) {
  options o;
  o.idle_timeout = section.duration("idle_timeout", o.idle_timeout);
  if (o.idle_timeout < 10s) section.error("idle_timeout", "must be at least 10s");
  o.sweep_interval = section.duration("sweep_interval", o.sweep_interval);
  if (o.sweep_interval < 1s) section.error("sweep_interval", "must be at least 1s");
  o.max_logins = static_cast<std::size_t>(section.integer("max_logins", 1000, 1, 1'000'000));
  std::set<std::string> tenants;
  for (auto& t : section.sections("tenants")) {
    auto parsed = parse_tenant(t);
    if (!parsed.tenant.empty() && !tenants.insert(parsed.tenant).second) t.error("tenant", "duplicate tenant");
    o.tenants.push_back(std::move(parsed));
  }
  section.finish();
  return o;
}

}  // namespace parley::login
