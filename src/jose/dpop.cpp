#include "jws.hpp"
#include "key_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/jwk.hpp>

#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace parley::jose {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

constexpr std::string_view dpop_typ = "dpop+jwt";
constexpr std::size_t min_jti = 16;
constexpr std::size_t max_jti = 128;
constexpr std::size_t max_nonce = 256;

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// RFC 7515 §4.1.9: media type names are case-insensitive and "application/" may be omitted.
bool is_dpop_typ(std::string_view typ) {
  auto t = lowered(typ);
  constexpr std::string_view prefix = "application/";
  if (t.size() > prefix.size() && t.compare(0, prefix.size(), prefix) == 0) t.erase(0, prefix.size());
  return t == dpop_typ;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

// Proof keys parsed once: a client signs every proof of its session with the same key, and
// importing and checking a P-256 point costs about as much as the signature check itself.
struct dpop_verifier::key_cache {
  explicit key_cache(std::size_t capacity) : capacity(capacity) {}

  result<public_key> get(const json::object& jwk_object) {
    // Only the public members of a P-256 key may be there (and nothing private: parse_jwk refuses).
    const auto kty = core::get_string(jwk_object, "kty");
    const auto crv = core::get_string(jwk_object, "crv");
    const auto x = core::get_string(jwk_object, "x");
    const auto y = core::get_string(jwk_object, "y");
    if (!kty || *kty != "EC" || !crv || *crv != "P-256" || !x || !y) return make_error_code(errc::bad_key);
    std::string id;
    id.reserve(x->size() + y->size() + 1);
    id.append(*x).push_back('.');
    id.append(*y);
    {
      std::lock_guard lock(mutex);
      if (const auto it = keys.find(id); it != keys.end()) {
        // The same coordinates with a private member or an odd `use` must still be refused.
        if (jwk_object.size() == 4) return it->second;
      }
    }
    auto parsed = parse_jwk(json::serialize(jwk_object), {.max_bytes = 1024, .max_keys = 1});
    if (!parsed) return parsed.error() == errc::unsupported ? make_error_code(errc::bad_key) : parsed.error();
    if (parsed->key.alg() != algorithm::es256) return make_error_code(errc::bad_key);
    if (capacity == 0) return parsed->key;
    std::lock_guard lock(mutex);
    if (keys.size() >= capacity && !order.empty()) {
      keys.erase(order.front());
      order.pop_front();
    }
    if (keys.emplace(id, parsed->key).second) order.push_back(std::move(id));
    return parsed->key;
  }

  std::size_t capacity;
  std::mutex mutex;
  std::unordered_map<std::string, public_key> keys;
  std::deque<std::string> order;
};

std::optional<std::string> normalise_htu(std::string_view url) {
  const auto colon = url.find("://");
  if (colon == std::string_view::npos || url.size() > 4096) return std::nullopt;
  const auto scheme = lowered(url.substr(0, colon));
  if (scheme != "https" && scheme != "http" && scheme != "wss" && scheme != "ws") return std::nullopt;
  auto rest = url.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  const auto slash = rest.find('/');
  const std::string authority = lowered(rest.substr(0, slash));
  const std::string_view path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  const bool secure = scheme == "https" || scheme == "wss";
  const std::string_view default_port = secure ? ":443" : ":80";
  // The default port is dropped; a ':' inside an IPv6 literal ("[::1]") is not a port's.
  std::string_view host = authority;
  const auto bracket = host.rfind(']');
  if (host.size() > default_port.size() && host.ends_with(default_port) &&
      (bracket == std::string_view::npos || bracket + 1 == host.size() - default_port.size())) {
    host.remove_suffix(default_port.size());
  }
  std::string out = scheme;
  out.append("://").append(host).append(path);
  return out;
}

result<std::string> make_dpop_proof(const signing_key& key, const claims& c) {
  const auto& m = key.public_part().impl()->members();
  json::object jwk{{"kty", m.kty}};
  if (!m.crv.empty()) jwk["crv"] = m.crv;
  if (!m.x.empty()) jwk["x"] = m.x;
  if (!m.y.empty()) jwk["y"] = m.y;
  if (!m.n.empty()) jwk["n"] = m.n;
  if (!m.e.empty()) jwk["e"] = m.e;
  const json::object header{{"typ", dpop_typ}, {"alg", to_string(key.alg())}, {"jwk", std::move(jwk)}};
  std::string out = core::base64url_encode(json::serialize(header));
  out += '.';
  out += core::base64url_encode(c.to_json());
  auto sig = key.impl()->sign(detail::as_bytes(out));
  if (!sig) return sig.error();
  out += '.';
  out += core::base64url_encode(*sig);
  return out;
}

std::string dpop_ath(std::string_view token) {
  std::uint8_t digest[32];
  detail::sha256(detail::as_bytes(token), digest);
  return core::base64url_encode(std::span<const std::uint8_t>(digest, 32));
}

bool valid_jkt(std::string_view jkt) noexcept {
  return jkt.size() == 43 && std::all_of(jkt.begin(), jkt.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

dpop_verifier::dpop_verifier(dpop_options options, const core::clock& clock)
    : options_(std::move(options)), clock_(clock), keys_(std::make_unique<key_cache>(options_.key_cache_entries)) {}

dpop_verifier::~dpop_verifier() = default;

result<dpop_proof> dpop_verifier::verify(std::string_view proof, const dpop_request& request) const {
  auto jws = detail::parse_compact(proof, options_.max_proof_bytes);
  if (!jws) return jws.error();
  if (!jws->typ || !is_dpop_typ(*jws->typ)) return make_error_code(errc::wrong_type);
  const auto alg = algorithm_from_string(jws->alg);
  if (!alg || std::find(options_.algorithms.begin(), options_.algorithms.end(), *alg) == options_.algorithms.end()) {
    return make_error_code(errc::alg_not_allowed);
  }
  const auto* jwk_value = jws->header.if_contains("jwk");
  if (jwk_value == nullptr || !jwk_value->is_object()) return make_error_code(errc::missing_claim);
  auto key = keys_->get(jwk_value->get_object());
  if (!key) return key.error();
  if (key->alg() != *alg) return make_error_code(errc::alg_not_allowed);
  // WebCrypto and other signers emit either form of s: replays are caught by `jti`, not by text.
  if (!key->impl()->verify(detail::as_bytes(jws->signing_input), jws->signature, /*require_low_s=*/false)) {
    return make_error_code(errc::bad_signature);
  }
  auto payload = detail::parse_payload(jws->payload);
  if (!payload) return payload.error();
  const auto& c = *payload;

  dpop_proof out;
  const auto jti = core::get_string(c, "jti");
  const auto htm = core::get_string(c, "htm");
  const auto htu = core::get_string(c, "htu");
  const auto* iat = c.if_contains("iat");
  if (!jti || !htm || !htu || iat == nullptr) return make_error_code(errc::missing_claim);
  if (jti->size() < min_jti || jti->size() > max_jti || !printable(*jti)) return make_error_code(errc::malformed);
  if (!iat->is_int64() && !iat->is_uint64()) return make_error_code(errc::malformed);
  if (*htm != request.method) return make_error_code(errc::proof_mismatch);
  const auto claimed = normalise_htu(*htu);
  const auto expected = normalise_htu(request.url);
  if (!claimed || !expected || *claimed != *expected) return make_error_code(errc::proof_mismatch);

  // Bounded arithmetic: iat is an attacker-chosen 64-bit value.
  const std::int64_t issued = iat->is_int64() ? std::clamp<std::int64_t>(iat->get_int64(), -(1LL << 40), 1LL << 40)
                                              : std::int64_t{1} << 40;
  const std::int64_t now = core::unix_seconds(clock_.now());
  if (issued < now - options_.max_age.count()) return make_error_code(errc::expired);
  if (issued > now + options_.max_future.count()) return make_error_code(errc::not_yet_valid);

  if (const auto* ath = c.if_contains("ath"); !request.access_token.empty()) {
    if (ath == nullptr) return make_error_code(errc::missing_claim);
    if (!ath->is_string() || !equal_constant_time(ath->get_string(), dpop_ath(request.access_token))) {
      return make_error_code(errc::proof_mismatch);
    }
  }
  if (const auto* nonce = c.if_contains("nonce")) {
    if (!nonce->is_string() || nonce->get_string().empty() || nonce->get_string().size() > max_nonce) {
      return make_error_code(errc::malformed);
    }
    out.nonce = std::string(nonce->get_string());
  }
  out.jkt = key->thumbprint();
  out.jti = std::string(*jti);
  out.iat = std::chrono::system_clock::time_point(seconds(issued));
  return out;
}

// ---- replay cache ----

namespace {

struct key128 {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  bool operator==(const key128&) const = default;
};
struct key128_hash {
  std::size_t operator()(const key128& k) const noexcept { return static_cast<std::size_t>(k.a ^ (k.b * 0x9e3779b97f4a7c15ULL)); }
};

// SHA-256 of "jkt\0jti": 128 bits are plenty to tell proofs apart, and the cache never holds the
// values themselves.
key128 proof_key(std::string_view jkt, std::string_view jti) {
  std::string input;
  input.reserve(jkt.size() + 1 + jti.size());
  input.append(jkt).push_back('\0');
  input.append(jti);
  std::uint8_t digest[32];
  detail::sha256(detail::as_bytes(input), digest);
  key128 k;
  std::memcpy(&k.a, digest, 8);
  std::memcpy(&k.b, digest + 8, 8);
  return k;
}

std::uint64_t key_id(std::string_view jkt) {
  std::uint8_t digest[32];
  detail::sha256(detail::as_bytes(jkt), digest);
  std::uint64_t id = 0;
  std::memcpy(&id, digest, 8);
  return id;
}

}  // namespace

// Two generations of `window` each: a proof is looked up in both and recorded in the current
// one, so it is remembered for at least one whole window; a generation older than that is dropped
// whole (no per-entry expiry to scan).
struct dpop_replay_cache::shard {
  struct generation {
    std::unordered_set<key128, key128_hash> proofs;
    std::unordered_map<std::uint64_t, std::uint32_t> per_key;
    void clear() {
      proofs.clear();
      per_key.clear();
    }
  };
  std::mutex mutex;
  generation current;
  generation previous;
  std::chrono::steady_clock::time_point started{};
  bool used = false;

  void advance(std::chrono::steady_clock::time_point now, std::chrono::seconds window) {
    if (!used) {
      used = true;
      started = now;
      return;
    }
    if (now - started < window) return;
    if (now - started >= 2 * window) {
      previous.clear();
    } else {
      previous = std::move(current);
    }
    current.clear();
    started = now;
  }
};

dpop_replay_cache::dpop_replay_cache(dpop_replay_options options) : options_(options) {
  for (auto& s : shards_) s = std::make_unique<shard>();
}

dpop_replay_cache::~dpop_replay_cache() = default;

result<void> dpop_replay_cache::record(std::string_view jkt, std::string_view jti,
                                       std::chrono::steady_clock::time_point now) {
  const auto id = key_id(jkt);
  const auto k = proof_key(jkt, jti);
  auto& s = *shards_[id % shards_.size()];
  const std::size_t shard_capacity = std::max<std::size_t>(1, options_.max_entries / shards_.size());
  std::lock_guard lock(s.mutex);
  s.advance(now, options_.window);
  if (s.current.proofs.contains(k) || s.previous.proofs.contains(k)) return make_error_code(errc::replayed);
  auto& count = s.current.per_key[id];
  if (count >= options_.max_per_key || s.current.proofs.size() >= shard_capacity) {
    if (count == 0) s.current.per_key.erase(id);
    return make_error_code(errc::over_quota);
  }
  s.current.proofs.insert(k);
  ++count;
  return {};
}

std::size_t dpop_replay_cache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->current.proofs.size() + s->previous.proofs.size();
  }
  return n;
}

}  // namespace parley::jose
