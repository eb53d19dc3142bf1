#include "http_rules.hpp"

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

}  // namespace parley::net::detail
