#include "beast_types.hpp"

#include <boost/beast/http/field.hpp>

#include <ctime>

namespace parley::net::detail {
namespace {

// RFC 9110 requires Date from a server with a clock; formatting it once per second per thread
// keeps strftime off the per-request path.
std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char text[40] = {};
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return text;
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool is_html(std::string_view content_type) {
  return content_type.size() >= 9 && iequals(content_type.substr(0, 9), "text/html");
}

}  // namespace

beast_response to_beast(response&& r, const response_context& ctx, spdlog::logger& log) {
  beast_response out;
  int status = r.status;
  if (status < 100 || status > 599) {
    log.error("handler returned invalid status {}; sending 500", status);
    r = error_response(errc::internal_error, "internal error");
    status = r.status;
  }
  out.result(static_cast<unsigned>(status));
  out.version(ctx.version);
  bool has_cache_control = false;
  bool has_csp = false;
  std::string_view content_type;
  for (auto& [name, value] : r.headers) {
    if (has_crlf(name) || has_crlf(value) || name.empty()) {
      log.error("dropping a response header with CR/LF in it (name length {})", name.size());
      continue;
    }
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection")) {
      continue;  // ours to set
    }
    has_cache_control = has_cache_control || iequals(name, "Cache-Control");
    has_csp = has_csp || iequals(name, "Content-Security-Policy");
    out.insert(name, value);
    if (iequals(name, "Content-Type")) content_type = value;
  }
  const auto& o = ctx.options;
  out.set(http::field::date, http_date());
  out.set("X-Content-Type-Options", "nosniff");
  if (!o.referrer_policy.empty()) out.set("Referrer-Policy", o.referrer_policy);
  if (ctx.secure && o.hsts_max_age.count() > 0) {
    out.set(http::field::strict_transport_security,
            "max-age=" + std::to_string(o.hsts_max_age.count()) + "; includeSubDomains");
  }
  if (!has_cache_control) out.set(http::field::cache_control, "no-store");
  if (is_html(content_type) && !has_csp && !o.html_csp.empty()) {
    out.set("Content-Security-Policy", o.html_csp);
  }
  const bool no_body = status / 100 == 1 || status == 204 || status == 304;
  if (no_body) {
    r.body.clear();
  } else {
    out.content_length(r.body.size());
    if (!ctx.head) out.body() = std::move(r.body);
  }
  out.keep_alive(ctx.keep_alive);
  return out;
}

}  // namespace parley::net::detail
