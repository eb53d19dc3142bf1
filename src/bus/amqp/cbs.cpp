#include "cbs.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

#include <proton/scalar.hpp>
#include <proton/timestamp.hpp>
#include <proton/value.hpp>

namespace parley::bus::amqp::detail {

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

std::string cbs_audience(std::string_view host) {
  return "sb://" + std::string(host) + "/";
}

std::string sas_token(std::string_view audience, std::string_view key_name, std::string_view key,
                      std::int64_t expiry_unix) {
  const std::string resource = url_encode(audience);
  const std::string expiry = std::to_string(expiry_unix);
  const std::string to_sign = resource + "\n" + expiry;
  const auto mac = crypto::hmac_sha256(crypto::as_bytes(key), crypto::as_bytes(to_sign));
  const std::string signature = core::base64_encode(std::span<const std::uint8_t>(mac.data(), mac.size()));
  return "SharedAccessSignature sr=" + resource + "&sig=" + url_encode(signature) + "&se=" + expiry +
         "&skn=" + std::string(key_name);
}

proton::message put_token_request(const std::string& message_id, const std::string& reply_to,
                                  const std::string& audience, const std::string& token, std::int64_t expiry_unix) {
  proton::message m;
  m.id(message_id);
  m.reply_to(reply_to);
  m.to("$cbs");
  auto& p = m.properties();
  p.put("operation", std::string("put-token"));
  p.put("type", std::string("servicebus.windows.net:sastoken"));
  p.put("name", audience);
  p.put("expiration", proton::timestamp(expiry_unix * 1000));
  m.body(token);  // an AMQP string value, not a data section
  return m;
}

std::optional<put_token_status> parse_put_token_response(const proton::message& m, const std::string& message_id) {
  try {
    if (proton::get<std::string>(m.correlation_id()) != message_id) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  put_token_status s;
  try {
    const auto& p = m.properties();
    if (p.exists("status-code")) s.code = proton::coerce<std::int64_t>(p.get("status-code"));
    if (p.exists("status-description")) s.description = proton::get<std::string>(p.get("status-description"));
  } catch (const std::exception&) {
    s.code = 0;
  }
  if (s.description.size() > 256) s.description.resize(256);
  return s;
}

}  // namespace parley::bus::amqp::detail
