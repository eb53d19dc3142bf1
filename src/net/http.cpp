#include <parley/net/http.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace parley::net {
namespace {

constexpr unsigned char lower(unsigned char c) noexcept { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

const boost::json::value null_value;

}  // namespace

std::string_view method_name(method m) noexcept {
  switch (m) {
    case method::get: return "GET";
    case method::head: return "HEAD";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::patch: return "PATCH";
    case method::delete_: return "DELETE";
    case method::options: return "OPTIONS";
    case method::other: return "OTHER";
  }
  return "OTHER";
}

method parse_method(std::string_view t) noexcept {
  if (t == "GET") return method::get;
  if (t == "POST") return method::post;
  if (t == "HEAD") return method::head;
  if (t == "PUT") return method::put;
  if (t == "PATCH") return method::patch;
  if (t == "DELETE") return method::delete_;
  if (t == "OPTIONS") return method::options;
  return method::other;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::optional<std::string_view> header_view::get(std::string_view name) const noexcept {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

void header_map::set(std::string_view name, std::string value) {
  erase(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void header_map::add(std::string_view name, std::string value) { fields_.emplace_back(std::string(name), std::move(value)); }

void header_map::erase(std::string_view name) {
  std::erase_if(fields_, [&](const field& f) { return iequals(f.first, name); });
}

std::optional<std::string_view> header_map::get(std::string_view name) const noexcept {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> param_list::get(std::string_view name) const noexcept {
  for (const auto& [n, v] : fields_) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view request::param(std::string_view name) const noexcept { return path_params.get(name).value_or(""); }

const boost::json::value& request::json() const noexcept { return json_body ? *json_body : null_value; }

response json_response(int status, const boost::json::value& value) {
  return json_response(status, boost::json::serialize(value));
}

response json_response(int status, std::string serialized) {
  response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(serialized);
  return r;
}

response text_response(int status, std::string text) {
  response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(text);
  return r;
}

response html_response(int status, std::string html) {
  response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.body = std::move(html);
  return r;
}

response empty_response(int status) {
  response r;
  r.status = status;
  return r;
}

response error_response(errc e, std::string_view message) { return error_response(e, error_code_name(e), message); }

response error_response(errc e, std::string_view code, std::string_view message) {
  boost::json::value body = {{"error", {{"code", code}, {"message", message}}}};
  return json_response(http_status(e), body);
}

}  // namespace parley::net
