#include <parley/net/cors.hpp>

#include <algorithm>
#include <array>

namespace parley::net {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Request headers a browser may send cross-origin without asking (Fetch "CORS-safelisted").
constexpr std::array<std::string_view, 3> safelisted = {"accept", "accept-language", "content-language"};

bool header_allowed(const cors_policy& p, std::string_view name) {
  const auto eq = [&](std::string_view h) { return iequals(h, name); };
  return std::any_of(safelisted.begin(), safelisted.end(), eq) ||
         std::any_of(p.allow_headers.begin(), p.allow_headers.end(), eq);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

void add_origin_headers(const cors_policy& p, std::string_view origin, header_map& h) {
  // Always the exact origin, never "*": credentials forbid the wildcard, and echoing keeps one rule.
  h.set("Access-Control-Allow-Origin", std::string(origin));
  if (p.allow_credentials) h.set("Access-Control-Allow-Credentials", "true");
}

}  // namespace

std::function<bool(std::string_view)> allow_origins(std::vector<std::string> origins) {
  return [list = std::move(origins)](std::string_view origin) {
    return std::find(list.begin(), list.end(), origin) != list.end();
  };
}

cors_decision evaluate_preflight(const cors_policy& policy, std::string_view origin, std::string_view request_method,
                                 std::string_view request_headers, const std::vector<method>& allowed_methods) {
  cors_decision d;
  d.headers.set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (origin.empty() || !policy.allow_origin || !policy.allow_origin(origin)) return d;
  const method m = parse_method(request_method);
  if (m == method::other ||
      std::find(allowed_methods.begin(), allowed_methods.end(), m) == allowed_methods.end()) {
    return d;
  }
  while (!request_headers.empty()) {
    const auto comma = request_headers.find(',');
    const auto name = trim(request_headers.substr(0, comma));
    request_headers = comma == std::string_view::npos ? std::string_view{} : request_headers.substr(comma + 1);
    if (!name.empty() && !header_allowed(policy, name)) return d;
  }
  d.allowed = true;
  add_origin_headers(policy, origin, d.headers);
  std::string methods;
  for (const method am : allowed_methods) {
    if (!methods.empty()) methods += ", ";
    methods += method_name(am);
  }
  d.headers.set("Access-Control-Allow-Methods", std::move(methods));
  if (!policy.allow_headers.empty()) d.headers.set("Access-Control-Allow-Headers", join(policy.allow_headers));
  d.headers.set("Access-Control-Max-Age", std::to_string(policy.max_age.count()));
  return d;
}

cors_decision evaluate_actual(const cors_policy& policy, std::string_view origin) {
  cors_decision d;
  d.headers.set("Vary", "Origin");
  if (origin.empty() || !policy.allow_origin || !policy.allow_origin(origin)) return d;
  d.allowed = true;
  add_origin_headers(policy, origin, d.headers);
  if (!policy.expose_headers.empty()) d.headers.set("Access-Control-Expose-Headers", join(policy.expose_headers));
  return d;
}

}  // namespace parley::net
