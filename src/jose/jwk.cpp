#include "key_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/jwk.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <unordered_set>

namespace parley::jose {
namespace {

namespace json = boost::json;

// Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
constexpr std::array<std::string_view, 8> private_members = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

result<std::vector<std::uint8_t>> member_bytes(const json::object& o, std::string_view name) {
  const auto s = core::get_string(o, name);
  if (!s) return make_error_code(errc::malformed);
  auto bytes = core::base64url_decode(*s);
  if (!bytes) return make_error_code(errc::malformed);
  return bytes;
}

bool has_private_member(const json::object& o) {
  return std::any_of(private_members.begin(), private_members.end(),
                     [&](std::string_view m) { return o.contains(m); });
}

enum class usability { usable, other_use, malformed };

// Whether the key is published for signature verification at all.
usability usable_for_signatures(const json::object& o) {
  if (const auto* use = o.if_contains("use")) {
    if (!use->is_string()) return usability::malformed;
    if (use->get_string() != "sig") return usability::other_use;
  }
  if (const auto* ops = o.if_contains("key_ops")) {
    if (!ops->is_array()) return usability::malformed;
    bool verify = false;
    for (const auto& op : ops->get_array()) {
      if (!op.is_string()) return usability::malformed;
      if (op.get_string() == "verify") verify = true;
    }
    if (!verify) return usability::other_use;
  }
  return usability::usable;
}

result<public_key> key_from(const json::object& o) {
  const auto kty = core::get_string(o, "kty");
  if (!kty) return make_error_code(errc::malformed);
  if (*kty == "EC") {
    if (core::get_string(o, "crv") != std::optional<std::string_view>("P-256")) return make_error_code(errc::bad_key);
    auto x = member_bytes(o, "x");
    auto y = member_bytes(o, "y");
    if (!x || !y) return make_error_code(errc::malformed);
    return detail::ec_p256_public(*x, *y);
  }
  if (*kty == "OKP") {
    if (core::get_string(o, "crv") != std::optional<std::string_view>("Ed25519")) return make_error_code(errc::bad_key);
    auto x = member_bytes(o, "x");
    if (!x) return x.error();
    return detail::ed25519_public(*x);
  }
  if (*kty == "RSA") {
    auto n = member_bytes(o, "n");
    auto e = member_bytes(o, "e");
    if (!n || !e) return make_error_code(errc::malformed);
    return detail::rsa_public(*n, *e);
  }
  return make_error_code(errc::unsupported);
}

result<std::vector<std::string>> string_array(const json::object& o, std::string_view name) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(name);
  if (v == nullptr) return out;
  if (!v->is_array()) return make_error_code(errc::malformed);
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) return make_error_code(errc::malformed);
    out.emplace_back(e.get_string());
  }
  return out;
}

// Parses one key object. Returns nullopt for a key that is well-formed but not for us (other use,
// other algorithm), an error for anything Parley refuses outright.
result<std::optional<jwk>> parse_key_object(const json::value& v) {
  if (!v.is_object()) return make_error_code(errc::malformed);
  const auto& o = v.get_object();
  if (has_private_member(o)) return make_error_code(errc::bad_key);
  auto key = key_from(o);
  if (!key) return key.error();
  const auto usable = usable_for_signatures(o);
  if (usable == usability::malformed) return make_error_code(errc::malformed);

  jwk out{*key, {}, {}, {}};
  if (const auto* alg = o.if_contains("alg")) {
    if (!alg->is_string()) return make_error_code(errc::malformed);
    const auto parsed = algorithm_from_string(alg->get_string());
    // One algorithm per key: a key labelled for another algorithm is not ours to use.
    if (!parsed || *parsed != key->alg()) return std::optional<jwk>{};
  }
  if (const auto* kid = o.if_contains("kid")) {
    if (!kid->is_string() || !valid_kid(kid->get_string())) return make_error_code(errc::malformed);
    out.kid = kid->get_string();
  } else {
    out.kid = key->thumbprint();
  }
  auto endorsements = string_array(o, "endorsements");
  if (!endorsements) return endorsements.error();
  out.endorsements = std::move(*endorsements);
  if (const auto* iss = o.if_contains("issuer")) {
    if (!iss->is_string()) return make_error_code(errc::malformed);
    out.issuer = std::string(iss->get_string());
  }
  if (usable == usability::other_use) return std::optional<jwk>{};
  return std::optional<jwk>{std::move(out)};
}

json::object to_object(const jwk& key) {
  const auto& m = key.key.impl()->members();
  json::object o;
  o["kty"] = m.kty;
  if (!m.crv.empty()) o["crv"] = m.crv;
  if (!m.x.empty()) o["x"] = m.x;
  if (!m.y.empty()) o["y"] = m.y;
  if (!m.n.empty()) o["n"] = m.n;
  if (!m.e.empty()) o["e"] = m.e;
  o["kid"] = key.kid;
  o["use"] = "sig";
  o["alg"] = to_string(key.key.alg());
  if (!key.endorsements.empty()) {
    json::array a;
    for (const auto& e : key.endorsements) a.emplace_back(e);
    o["endorsements"] = std::move(a);
  }
  if (key.issuer) o["issuer"] = *key.issuer;
  return o;
}

}  // namespace

bool valid_kid(std::string_view kid) noexcept {
  if (kid.empty() || kid.size() > 256) return false;
  return std::all_of(kid.begin(), kid.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

result<jwks> jwks::make(std::vector<jwk> keys) {
  std::unordered_set<std::string_view> seen;
  for (const auto& k : keys) {
    if (!valid_kid(k.kid) || !seen.insert(k.kid).second) return make_error_code(errc::malformed);
  }
  jwks out;
  out.keys_ = std::move(keys);
  return out;
}

const jwk* jwks::find(std::string_view kid) const noexcept {
  // Sets are small (a handful of keys); a linear scan beats hashing here.
  for (const auto& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

result<jwk> parse_jwk(std::string_view text, const jwk_limits& limits) {
  if (text.size() > limits.max_bytes) return make_error_code(errc::too_large);
  auto v = core::parse_json(text, {.max_bytes = limits.max_bytes, .max_depth = 8});
  if (!v) return make_error_code(errc::malformed);
  auto k = parse_key_object(*v);
  if (!k) return k.error();
  if (!*k) return make_error_code(errc::unsupported);
  return std::move(**k);
}

result<jwks> parse_jwks(std::string_view text, const jwk_limits& limits) {
  if (text.size() > limits.max_bytes) return make_error_code(errc::too_large);
  auto v = core::parse_json_object(text, {.max_bytes = limits.max_bytes, .max_depth = 8});
  if (!v) return make_error_code(errc::malformed);
  const auto* keys = core::get_array(*v, "keys");
  if (keys == nullptr) return make_error_code(errc::malformed);
  if (keys->size() > limits.max_keys) return make_error_code(errc::too_large);
  std::vector<jwk> out;
  for (const auto& k : *keys) {
    auto parsed = parse_key_object(k);
    if (!parsed) return parsed.error();
    if (*parsed) out.push_back(std::move(**parsed));
  }
  return jwks::make(std::move(out));
}

std::string to_json(const jwk& key) { return json::serialize(to_object(key)); }

std::string to_json(const jwks& set) {
  json::array keys;
  for (const auto& k : set.keys()) keys.emplace_back(to_object(k));
  json::object o;
  o["keys"] = std::move(keys);
  return json::serialize(o);
}

}  // namespace parley::jose
