#include "jws.hpp"
#include "key_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/remote_jwks.hpp>
#include <parley/jose/token.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace parley::jose {
namespace {

using std::chrono::seconds;

// RFC 7515 §4.1.9: media type names are case-insensitive and "application/" may be omitted.
std::string normalise_typ(std::string_view typ) {
  std::string out(typ);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::string_view prefix = "application/";
  if (out.size() > prefix.size() && out.compare(0, prefix.size(), prefix) == 0) out.erase(0, prefix.size());
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Steps 2-3 of §2.9, before any key is looked at.
error_code check_header(const detail::parsed_jws& jws, const profile& p, const std::string& typ) {
  if (jws.typ) {
    if (normalise_typ(*jws.typ) != typ) return make_error_code(errc::wrong_type);
  } else if (!p.typ_optional) {
    return make_error_code(errc::wrong_type);
  }
  const auto alg = algorithm_from_string(jws.alg);
  if (!alg || std::find(p.algorithms.begin(), p.algorithms.end(), *alg) == p.algorithms.end()) {
    return make_error_code(errc::alg_not_allowed);
  }
  return {};
}

// Step 4: the key named by kid; without a kid, the only key of the header's algorithm.
result<const jwk*> select_key(const detail::parsed_jws& jws, const jwks* keys) {
  if (keys == nullptr) return make_error_code(errc::unknown_key);
  const auto alg = *algorithm_from_string(jws.alg);
  const jwk* found = nullptr;
  if (jws.kid) {
    found = keys->find(*jws.kid);
  } else {
    for (const auto& k : keys->keys()) {
      if (k.key.alg() != alg) continue;
      if (found != nullptr) return make_error_code(errc::unknown_key);  // ambiguous
      found = &k;
    }
  }
  if (found == nullptr) return make_error_code(errc::unknown_key);
  if (found->key.alg() != alg) return make_error_code(errc::alg_not_allowed);
  return found;
}

error_code check_audience(const claims& c, const profile& p) {
  std::vector<std::string> auds;
  if (auto s = c.string("aud")) {
    auds.emplace_back(*s);
  } else if (p.aud_form == audience_form::string_or_array) {
    auto a = c.strings("aud");
    if (!a) return make_error_code(errc::wrong_audience);
    auds = std::move(*a);
  } else {
    return make_error_code(errc::wrong_audience);
  }
  for (const auto& a : auds) {
    if (contains(p.audiences, a)) return {};
  }
  return make_error_code(errc::wrong_audience);
}

// A NumericDate claim: absent is fine (nullopt inside), any other type is malformed.
result<std::optional<std::int64_t>> numeric_date(const claims& c, std::string_view name) {
  if (!c.has(name)) return std::optional<std::int64_t>{};
  const auto v = c.integer(name);
  if (!v) return make_error_code(errc::malformed);
  return std::optional<std::int64_t>{*v};
}

error_code check_times(const claims& c, const profile& p, std::int64_t now) {
  auto exp = numeric_date(c, "exp");
  auto nbf = numeric_date(c, "nbf");
  auto iat = numeric_date(c, "iat");
  if (!exp || !nbf || !iat) return make_error_code(errc::malformed);
  if (!*exp) return make_error_code(errc::missing_claim);
  if ((p.require_nbf && !*nbf) || (p.require_iat && !*iat)) return make_error_code(errc::missing_claim);
  // Bounded arithmetic: claims are attacker-chosen 64-bit values.
  const auto clamp = [](std::int64_t v) { return std::clamp<std::int64_t>(v, -(1LL << 40), 1LL << 40); };
  const std::int64_t skew = p.clock_skew.count();
  const std::int64_t e = clamp(**exp);
  if (now - skew >= e) return make_error_code(errc::expired);
  if (*nbf && now + skew < clamp(**nbf)) return make_error_code(errc::not_yet_valid);
  if (*iat && now + skew < clamp(**iat)) return make_error_code(errc::not_yet_valid);
  const std::int64_t max_life = p.max_lifetime.count();
  if (e - now > max_life + skew) return make_error_code(errc::lifetime_too_long);
  const auto start = *nbf ? *nbf : *iat;
  if (start && e - clamp(*start) > max_life) return make_error_code(errc::lifetime_too_long);
  return {};
}

// Steps 5-6: signature, then claims.
result<validated_token> finish(const detail::parsed_jws& jws, const jwks* keys, const profile& p,
                               const core::clock& clock) {
  auto key = select_key(jws, keys);
  if (!key) return key.error();
  if (!(*key)->key.impl()->verify(detail::as_bytes(jws.signing_input), jws.signature, p.require_low_s)) {
    return make_error_code(errc::bad_signature);
  }
  auto payload = detail::parse_payload(jws.payload);
  if (!payload) return payload.error();
  claims c(std::move(*payload));

  const auto iss = c.issuer();
  if (!iss || !contains(p.issuers, *iss)) return make_error_code(errc::wrong_issuer);
  if (auto ec = check_audience(c, p)) return ec;
  if (auto ec = check_times(c, p, core::unix_seconds(clock.now()))) return ec;
  for (const auto& name : p.required_claims) {
    if (!c.has(name)) return make_error_code(errc::missing_claim);
  }
  return validated_token(*algorithm_from_string(jws.alg), (*key)->kid, std::move(c));
}

}  // namespace

error_code check_profile(const profile& p) {
  if (p.issuers.empty() || p.audiences.empty() || p.algorithms.empty() || p.typ.empty() ||
      p.clock_skew.count() < 0 || p.max_lifetime.count() <= 0 || p.max_token_bytes == 0) {
    return make_error_code(errc::invalid_profile);
  }
  return {};
}

token_validator::token_validator(profile p, const core::clock& clock)
    : profile_(std::move(p)), typ_(normalise_typ(profile_.typ)), clock_(clock) {
  PARLEY_CHECK(!check_profile(profile_), "incomplete jose::profile (see check_profile)");
}

result<validated_token> token_validator::validate(std::string_view token, const jwks& keys) const {
  auto jws = detail::parse_compact(token, profile_.max_token_bytes);
  if (!jws) return jws.error();
  if (auto ec = check_header(*jws, profile_, typ_)) return ec;
  return finish(*jws, &keys, profile_, clock_);
}

boost::asio::awaitable<result<validated_token>> token_validator::validate(std::string_view token,
                                                                          remote_jwks_cache& keys) const {
  // Everything that needs `token` happens before the first co_await (parse_compact copies what
  // it keeps except signing_input, so the token text is kept alive here).
  std::string text(token);
  auto jws = detail::parse_compact(text, profile_.max_token_bytes);
  if (!jws) co_return jws.error();
  if (auto ec = check_header(*jws, profile_, typ_)) co_return ec;
  auto set = co_await keys.keys_for(jws->kid.value_or(std::string{}));
  co_return finish(*jws, set.get(), profile_, clock_);
}

result<std::string> sign(const claims& c, const signing_key& key, std::string_view typ) {
  PARLEY_CHECK(!typ.empty(), "jose::sign without typ");
  boost::json::object header;
  header["alg"] = to_string(key.alg());
  header["kid"] = key.kid();
  header["typ"] = typ;
  std::string out = core::base64url_encode(boost::json::serialize(header));
  out += '.';
  out += core::base64url_encode(c.to_json());
  auto sig = key.impl()->sign(detail::as_bytes(out));
  if (!sig) return sig.error();
  out += '.';
  out += core::base64url_encode(*sig);
  return out;
}

}  // namespace parley::jose
