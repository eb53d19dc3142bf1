#include "http_rules.hpp"

#include <parley/core/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace parley::net::detail {

namespace http = boost::beast::http;

std::string allow_header(const std::vector<method>& methods) {
  std::string out;
  for (const method m : methods) {
    if (!out.empty()) out += ", ";
    out += method_name(m);
  }
  return out;
}

bool is_json_type(std::string_view ct) noexcept {
  std::string_view type = ct.substr(0, ct.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return iequals(type, "application/json");
}

std::string_view origin_form(std::string_view target) noexcept {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      const auto slash = target.find('/', scheme.size());
      if (slash != std::string_view::npos) return target.substr(slash);
      // "http://host" is "/"; "http://host?q" (a query without a path) is left as is and refused.
      return target.find('?', scheme.size()) == std::string_view::npos ? std::string_view("/") : target;
    }
  }
  return target;
}

std::optional<read_refusal> refusal_for(const boost::system::error_code& ec, bool timed_out,
                                        const server_options& options) {
  if (ec == http::error::header_limit) {
    return read_refusal{errc::headers_too_large,
                        "request headers over the limit of " + std::to_string(options.max_header_bytes) + " bytes"};
  }
  if (ec == http::error::body_limit) return read_refusal{errc::payload_too_large, "request body over the limit"};
  // The connection's buffer holds at most max_header_bytes: a trailer section or a chunk header
  // that does not fit ends here.
  if (ec == http::error::buffer_overflow) {
    return read_refusal{errc::headers_too_large, "request headers or trailers over the limit of " +
                                                     std::to_string(options.max_header_bytes) + " bytes"};
  }
  if (ec == boost::asio::error::operation_aborted && timed_out) {
    return read_refusal{errc::request_timeout, "request not received in time"};
  }
  // Beast's parse errors share one category; end_of_stream and partial_message mean the peer left.
  const bool parse_error = ec.category() == make_error_code(http::error::bad_target).category();
  if (parse_error && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return read_refusal{errc::bad_syntax, "malformed HTTP request"};
  }
  return std::nullopt;
}

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §7.2 / RFC 3986 §3.2: uri-host [ ":" port ], checked by character class only (the
// server routes by path, never by Host; this refuses what could split or confuse a proxy).
bool valid_host(std::string_view h) noexcept {
  for (const char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-._~!$&'()*+,;=:%[]").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<read_refusal> framing_refusal(const header_view& headers, unsigned version) {
  std::size_t hosts = 0;
  bool content_length = false;
  std::vector<std::string_view> codings;
  bool transfer_encoding = false;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "host")) {
      ++hosts;
      if (!valid_host(value)) return read_refusal{errc::bad_syntax, "invalid Host header"};
    } else if (iequals(name, "content-length")) {
      content_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      transfer_encoding = true;
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto coding = trim(rest.substr(0, comma));
        if (!coding.empty()) codings.push_back(coding);  // empty list elements are ignored (RFC 9110 §5.6.1)
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
    }
  }
  if (hosts > 1) return read_refusal{errc::bad_syntax, "more than one Host header"};
  if (hosts == 0 && version >= 11) return read_refusal{errc::bad_syntax, "an HTTP/1.1 request needs a Host header"};
  if (!transfer_encoding) return std::nullopt;
  if (version < 11) return read_refusal{errc::bad_syntax, "Transfer-Encoding in an HTTP/1.0 request"};
  if (content_length) return read_refusal{errc::bad_syntax, "both Transfer-Encoding and Content-Length"};
  if (codings.empty() || !iequals(codings.back(), "chunked")) {
    return read_refusal{errc::bad_syntax, "the final transfer coding must be chunked"};
  }
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (iequals(codings[i], "chunked")) return read_refusal{errc::bad_syntax, "chunked applied more than once"};
  }
  if (codings.size() > 1) return read_refusal{errc::not_implemented, "only the chunked transfer coding is implemented"};
  return std::nullopt;
}

response options_answer(const request& req, const router::match_result& m) {
  const auto origin = req.headers.get("Origin");
  const auto wanted = req.headers.get("Access-Control-Request-Method");
  if (!origin || !wanted) {
    auto r = empty_response(204);
    r.headers.set("Allow", allow_header(m.allowed));
    return r;
  }
  const method asked = parse_method(*wanted) == method::head ? method::get : parse_method(*wanted);
  const cors_policy* policy = nullptr;
  std::vector<method> cors_methods;
  for (const auto* e : m.endpoints) {
    if (!e->options.cors) continue;
    cors_methods.push_back(e->verb);
    if (e->verb == asked) policy = e->options.cors.get();
  }
  if (policy) {
    auto d = evaluate_preflight(*policy, *origin, *wanted,
                                req.headers.get("Access-Control-Request-Headers").value_or(""), cors_methods);
    if (d.allowed) {
      auto r = empty_response(204);
      r.headers = std::move(d.headers);
      return r;
    }
  }
  return error_response(errc::forbidden, "cross-origin request not allowed");
}

std::string json_refusal(const boost::system::error_code& ec, std::size_t max_depth) {
  if (ec == core::errc::duplicate_key) return "duplicate member in JSON body";
  if (ec == core::errc::too_deep) return "JSON body nested deeper than " + std::to_string(max_depth) + " levels";
  if (ec == core::errc::non_finite_number) return "a number in the JSON body is out of range";
  return "malformed JSON body";
}

}  // namespace parley::net::detail
