#include "entry_format.hpp"

#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>

namespace parley::audit::detail {
namespace {

constexpr std::int64_t format_version = 1;

// Valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) without control characters.
bool clean_text(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp >= 0x80 && cp < 0xa0) return false;  // C1 controls
    i += n + 1;
  }
  return true;
}

bool event_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > max_field_size) return false;
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool field(std::string_view s, bool required) noexcept {
  if (required && s.empty()) return false;
  return s.size() <= max_field_size && clean_text(s);
}

error_code invalid() {
  return make_error_code(errc::invalid_argument);
}

result<boost::json::object> parse_details(std::string_view text) {
  if (text.empty()) return boost::json::object{};
  core::json_limits limits;
  limits.max_bytes = max_details_size;
  limits.max_depth = 8;
  return core::parse_json_object(text, limits);
}

}  // namespace

error_code check_entry(const entry& e) {
  if (e.tenant_id.empty() || e.tenant_id.size() > max_field_size || !clean_text(e.tenant_id)) return invalid();
  if (!event_name(e.event) || !field(e.actor, true) || !field(e.actor_role, false) || !field(e.subject, false) ||
      !field(e.source, false)) {
    return invalid();
  }
  if (e.details.size() > max_details_size || !parse_details(e.details)) return invalid();
  return {};
}

std::string encode_entry(const entry& e) {
  boost::json::object o;
  o["v"] = format_version;
  o["event"] = e.event;
  o["actor"] = e.actor;
  o["role"] = e.actor_role;
  o["subject"] = e.subject;
  o["source"] = e.source;
  auto details = parse_details(e.details);
  o["details"] = details ? std::move(*details) : boost::json::object{};
  return boost::json::serialize(o);
}

result<decoded_entry> decode_entry(std::string_view plaintext) {
  const auto tampered = make_error_code(errc::tampered);
  core::json_limits limits;
  limits.max_bytes = 16 * 1024;
  limits.max_depth = 10;
  auto o = core::parse_json_object(plaintext, limits);
  if (!o || o->size() != 7) return tampered;
  if (core::get_int(*o, "v") != format_version) return tampered;
  decoded_entry out;
  auto text = [&](std::string_view key, std::string& to) {
    auto v = core::get_string(*o, key);
    if (!v) return false;
    to = std::string(*v);
    return true;
  };
  if (!text("event", out.fields.event) || !text("actor", out.fields.actor) || !text("role", out.fields.actor_role) ||
      !text("subject", out.fields.subject) || !text("source", out.fields.source)) {
    return tampered;
  }
  const auto* details = core::get_object(*o, "details");
  if (!details) return tampered;
  out.details = *details;
  out.fields.details = details->empty() ? std::string{} : boost::json::serialize(*details);
  return out;
}

}  // namespace parley::audit::detail
