#include <parley/net/cookies.hpp>

#include <algorithm>
#include <cctype>

namespace parley::net {
namespace {

bool is_tchar(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_cookie_octet(unsigned char c) noexcept {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ), kept as sent.
bool valid_value(std::string_view v) noexcept {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return is_cookie_value(v.substr(1, v.size() - 2));
  return is_cookie_value(v);
}

}  // namespace

bool is_cookie_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const unsigned char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

bool is_cookie_value(std::string_view s) noexcept {
  for (const unsigned char c : s) {
    if (!is_cookie_octet(c)) return false;
  }
  return true;
}

std::vector<cookie> parse_cookies(const header_view& headers, const cookie_limits& limits) {
  std::vector<cookie> out;
  for (const auto& [name, field] : headers) {
    if (!iequals(name, "cookie")) continue;
    std::string_view rest = field;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view n = pair.substr(0, eq);
      const std::string_view v = pair.substr(eq + 1);
      if (!is_cookie_name(n) || !valid_value(v)) continue;
      if (out.size() >= limits.max_cookies) return out;
      out.push_back({n, v});
    }
  }
  return out;
}

result<std::optional<std::string_view>> find_cookie(const header_view& headers, std::string_view name,
                                                    const cookie_limits& limits) {
  std::optional<std::string_view> found;
  for (const auto& c : parse_cookies(headers, limits)) {
    if (c.name != name) continue;
    if (found) return make_error_code(errc::conflict);
    found = c.value;
  }
  return found;
}

result<std::string> format_set_cookie(const set_cookie& c) {
  if (!is_cookie_name(c.name) || !is_cookie_value(c.value)) return make_error_code(errc::bad_request);
  for (const unsigned char ch : c.path) {
    if (ch < 0x20 || ch == 0x7f || ch == ';') return make_error_code(errc::bad_request);
  }
  for (const unsigned char ch : c.domain) {
    if (!(std::isalnum(ch) || ch == '.' || ch == '-')) return make_error_code(errc::bad_request);
  }
  const bool host_prefix = c.name.rfind("__Host-", 0) == 0;
  const bool secure_prefix = c.name.rfind("__Secure-", 0) == 0;
  if ((host_prefix || secure_prefix) && !c.secure) return make_error_code(errc::bad_request);
  if (host_prefix && (c.path != "/" || !c.domain.empty())) return make_error_code(errc::bad_request);
  if (c.same_site == same_site::none && !c.secure) return make_error_code(errc::bad_request);

  std::string out = c.name + "=" + c.value;
  if (c.max_age) out += "; Max-Age=" + std::to_string(std::max<long long>(0, c.max_age->count()));
  if (!c.path.empty()) out += "; Path=" + c.path;
  if (!c.domain.empty()) out += "; Domain=" + c.domain;
  if (c.secure) out += "; Secure";
  if (c.http_only) out += "; HttpOnly";
  switch (c.same_site) {
    case same_site::strict:
      out += "; SameSite=Strict";
      break;
    case same_site::lax:
      out += "; SameSite=Lax";
      break;
    case same_site::none:
      out += "; SameSite=None";
      break;
  }
  return out;
}

}  // namespace parley::net
