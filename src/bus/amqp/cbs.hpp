// Private: Azure Service Bus claims-based security (CBS), from the AMQP CBS draft and the Service
// Bus AMQP guide: after connecting with SASL ANONYMOUS the client puts a SAS token on the node
// "$cbs" (a request message with application properties operation = "put-token", type =
// "servicebus.windows.net:sastoken", name = the audience, expiration; the token as an AMQP string
// body; reply_to a link of its own) and waits for status-code 200 or 202 before it attaches to any
// entity; it puts a fresh token before the old one expires. Untested against the real service.
#pragma once

#include <proton/message.hpp>
#include <proton/message_id.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bus::amqp::detail {

/// RFC 3986 percent-encoding of everything but unreserved characters (uppercase hex).
[[nodiscard]] std::string url_encode(std::string_view text);

/// "sb://<host>/": the namespace-wide audience (the SAS rule's rights apply to every entity).
[[nodiscard]] std::string cbs_audience(std::string_view host);

/// "SharedAccessSignature sr=<enc(audience)>&sig=<enc(base64(HMAC-SHA256(key, enc(audience) +
/// "\n" + expiry)))>&se=<expiry>&skn=<key name>"; the key is the UTF-8 text of the SAS key as
/// shown by Azure (not base64-decoded).
[[nodiscard]] std::string sas_token(std::string_view audience, std::string_view key_name, std::string_view key,
                                    std::int64_t expiry_unix);

/// The put-token request for `token` (never logged).
[[nodiscard]] proton::message put_token_request(const std::string& message_id, const std::string& reply_to,
                                                const std::string& audience, const std::string& token,
                                                std::int64_t expiry_unix);

struct put_token_status {
  std::int64_t code = 0;    ///< HTTP-style: 200 and 202 accept the token
  std::string description;  ///< the service's words (no token in it)
  [[nodiscard]] bool ok() const noexcept { return code == 200 || code == 202; }
};

/// The answer in `m` if it answers `message_id` (correlation-id), else nullopt. A malformed
/// answer to our request is status 0.
[[nodiscard]] std::optional<put_token_status> parse_put_token_response(const proton::message& m,
                                                                       const std::string& message_id);

}  // namespace parley::bus::amqp::detail
