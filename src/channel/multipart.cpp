#include "multipart.hpp"

#include <algorithm>
#include <cctype>

namespace parley::channel {
namespace {

constexpr std::size_t max_part_header_bytes = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits a header value on ';' outside quoted strings.
std::vector<std::string_view> params(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '"' && (i == 0 || value[i - 1] != '\\')) quoted = !quoted;
    if (value[i] == ';' && !quoted) {
      out.push_back(trim(value.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(value.substr(start)));
  return out;
}

bool parse_part_headers(std::string_view headers, form_part& part) {
  bool form_data = false;
  std::size_t pos = 0;
  while (pos < headers.size()) {
    auto end = headers.find("\r\n", pos);
    if (end == std::string_view::npos) end = headers.size();
    const auto line = headers.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    const auto name = lower(trim(line.substr(0, colon)));
    const auto value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      const auto p = params(value);
      if (lower(p.front()) != "form-data") return false;
      form_data = true;
      part.name = header_parameter(value, "name").value_or("");
      part.filename = header_parameter(value, "filename").value_or("");
    } else if (name == "content-type") {
      part.content_type = media_type(value);
    }
  }
  return form_data;
}

}  // namespace

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::optional<std::string> header_parameter(std::string_view value, std::string_view name) {
  const auto p = params(value);
  for (std::size_t i = 1; i < p.size(); ++i) {
    const auto eq = p[i].find('=');
    if (eq == std::string_view::npos || lower(trim(p[i].substr(0, eq))) != name) continue;
    auto v = trim(p[i].substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      std::string out;
      for (std::size_t k = 1; k + 1 < v.size(); ++k) {
        if (v[k] == '\\' && k + 2 < v.size()) ++k;
        out.push_back(v[k]);
      }
      return out;
    }
    return std::string(v);
  }
  return std::nullopt;
}

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (media_type(content_type) != "multipart/form-data") return std::nullopt;
  auto b = header_parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

std::optional<std::vector<form_part>> parse_multipart(std::string_view body, std::string_view boundary,
                                                      std::size_t max_parts) {
  const std::string delimiter = "--" + std::string(boundary);
  const std::string separator = "\r\n" + delimiter;
  // The preamble ends at the first delimiter (which may start the body).
  std::size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    pos = body.find(separator);
    if (pos == std::string_view::npos) return std::nullopt;
    pos += separator.size();
  }
  std::vector<form_part> parts;
  for (;;) {
    // After a delimiter: "--" closes, otherwise optional whitespace then CRLF opens a part.
    if (body.substr(pos, 2) == "--") return parts;
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
    if (parts.size() == max_parts) return std::nullopt;
    const auto headers_end = body.find("\r\n\r\n", pos);
    // A part without headers ("\r\n\r\n" right away) is refused too: it has no Content-Disposition.
    if (headers_end == std::string_view::npos || headers_end - pos > max_part_header_bytes) return std::nullopt;
    form_part part;
    if (!parse_part_headers(body.substr(pos, headers_end - pos), part)) return std::nullopt;
    const auto content_start = headers_end + 4;
    const auto next = body.find(separator, content_start);
    if (next == std::string_view::npos) return std::nullopt;
    part.body = body.substr(content_start, next - content_start);
    parts.push_back(std::move(part));
    pos = next + separator.size();
  }
}

}  // namespace parley::channel
