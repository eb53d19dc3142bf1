#include "uri.hpp"

#include <parley/net/form.hpp>

namespace parley::net {

bool is_form(const request& req) noexcept {
  const auto ct = req.headers.get("content-type");
  if (!ct) return false;
  std::string_view v = *ct;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return iequals(v, "application/x-www-form-urlencoded");
}

result<param_list> parse_form(std::string_view body, std::size_t max_fields) {
  param_list out;
  if (!detail::parse_query(body, out)) return make_error_code(errc::bad_syntax);
  if (out.size() > max_fields) return make_error_code(errc::payload_too_large);
  return out;
}

}  // namespace parley::net
