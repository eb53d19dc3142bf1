#include <parley/audit/checkpoint.hpp>
#include <parley/audit/sink.hpp>
#include <parley/core/base64.hpp>
#include <parley/jose/token.hpp>

#include <algorithm>
#include <chrono>

namespace parley::audit {
namespace {

constexpr std::string_view issuer = "parley-audit";
constexpr std::string_view token_type = "audit-checkpoint+jwt";
constexpr std::chrono::seconds no_expiry{std::chrono::hours{24} * 36525};  // 100 years

std::chrono::system_clock::time_point from_ns(std::int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

jose::profile profile_for(std::string_view tenant_id) {
  jose::profile p;
  p.name = "audit-checkpoint";
  p.issuers = {std::string(issuer)};
  p.audiences = {std::string(tenant_id)};
  p.aud_form = jose::audience_form::string_only;
  p.algorithms = {jose::algorithm::eddsa};
  p.typ = std::string(token_type);
  p.clock_skew = std::chrono::hours{1};
  p.max_lifetime = no_expiry + std::chrono::hours{24} * 366;
  p.required_claims = {"seq", "hash", "prev", "time"};
  p.max_token_bytes = 4096;
  return p;
}

}  // namespace

jose::key_purpose checkpoint_key_purpose() {
  return {std::string(checkpoint_purpose), jose::algorithm::eddsa};
}

jose::key_store_options checkpoint_key_options(std::filesystem::path file) {
  jose::key_store_options o;
  o.file = std::move(file);
  o.overlap = no_expiry;
  o.activation_delay = std::chrono::seconds{0};
  return o;
}

result<std::string> sign_checkpoint(const jose::signing_key& key, const checkpoint& c) {
  jose::claims claims;
  claims.set("iss", issuer);
  claims.set("aud", c.tenant_id);
  claims.set("seq", static_cast<std::int64_t>(c.seq));
  claims.set("hash", core::base64url_encode(c.hash));
  claims.set("prev", static_cast<std::int64_t>(c.prev));
  claims.set("time", c.time);
  claims.set_time("exp", from_ns(c.time) + no_expiry);
  return jose::sign(claims, key, token_type);
}

result<checkpoint> verify_checkpoint(std::string_view token, std::string_view tenant_id, const jose::jwks& keys,
                                     const core::clock& clock) {
  const jose::token_validator validator(profile_for(tenant_id), clock);
  auto valid = validator.validate(token, keys);
  if (!valid) return valid.error();
  const auto& c = valid->claims();
  const auto seq = c.integer("seq");
  const auto prev = c.integer("prev");
  const auto time = c.integer("time");
  const auto hash_text = c.string("hash");
  if (!seq || !prev || !time || !hash_text || *seq < 1 || *prev < 0 || *prev >= *seq) {
    return make_error_code(errc::tampered);
  }
  auto hash = core::base64url_decode(*hash_text);
  if (!hash || hash->size() != chain_hash{}.size()) return make_error_code(errc::tampered);
  checkpoint out;
  out.tenant_id = std::string(tenant_id);
  out.seq = static_cast<std::uint64_t>(*seq);
  out.prev = static_cast<std::uint64_t>(*prev);
  out.time = *time;
  std::copy(hash->begin(), hash->end(), out.hash.begin());
  out.kid = valid->kid();
  return out;
}

}  // namespace parley::audit
