#include "jws.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/jwk.hpp>

#include <algorithm>

namespace parley::jose::detail {
namespace {

bool compact_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

// Header members that change how the JWS must be processed. Parley implements none of them, so a
// token that carries one is refused rather than processed differently from what its signer meant.
constexpr std::string_view refused_header_members[] = {"crit", "cty", "b64"};

}  // namespace

result<parsed_jws> parse_compact(std::string_view token, std::size_t max_token_bytes) {
  if (token.size() > max_token_bytes) return make_error_code(errc::too_large);
  if (!std::all_of(token.begin(), token.end(), compact_char)) return make_error_code(errc::malformed);
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return make_error_code(errc::malformed);
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return make_error_code(errc::malformed);
  }
  const auto header_b64 = token.substr(0, dot1);
  const auto payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto signature_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty() || signature_b64.empty()) return make_error_code(errc::malformed);
  if (header_b64.size() > (max_header_bytes * 4 + 2) / 3) return make_error_code(errc::too_large);

  auto header_json = core::base64url_decode_string(header_b64);
  auto payload = core::base64url_decode_string(payload_b64);
  auto signature = core::base64url_decode(signature_b64);
  if (!header_json || !payload || !signature) return make_error_code(errc::malformed);

  auto header = core::parse_json_object(*header_json, {.max_bytes = max_header_bytes, .max_depth = 4});
  if (!header) return make_error_code(header.error() == core::errc::too_large ? errc::too_large : errc::malformed);
  for (const auto m : refused_header_members) {
    if (header->contains(m)) return make_error_code(errc::unsupported);
  }

  parsed_jws out;
  out.signing_input = token.substr(0, dot2);
  const auto alg = core::get_string(*header, "alg");
  if (!alg) return make_error_code(errc::malformed);
  out.alg = *alg;
  if (const auto* kid = header->if_contains("kid")) {
    if (!kid->is_string() || !valid_kid(kid->get_string())) return make_error_code(errc::malformed);
    out.kid = std::string(kid->get_string());
  }
  if (const auto* typ = header->if_contains("typ")) {
    if (!typ->is_string() || typ->get_string().size() > 128) return make_error_code(errc::malformed);
    out.typ = std::string(typ->get_string());
  }
  out.payload = std::move(*payload);
  out.signature = std::move(*signature);
  out.header = std::move(*header);
  return out;
}

result<boost::json::object> parse_payload(std::string_view payload) {
  auto o = core::parse_json_object(payload, {.max_bytes = payload.size(), .max_depth = 16});
  if (!o) return make_error_code(errc::malformed);
  return o;
}

}  // namespace parley::jose::detail
