// The Parley side of the jose cross-implementation test (driven by run.sh).
//   parley_jose_compat sign DIR    generate ES256, EdDSA and RS256 keys, sign one token each, write
//                                  DIR/parley-jwks.json and DIR/parley-tokens.json
//   parley_jose_compat verify DIR  verify DIR/node-tokens.json with DIR/node-jwks.json through a
//                                  token profile; exit 1 if any is refused or a tampered one passes
#include <parley/core/clock.hpp>
#include <parley/core/config.hpp>
#include <parley/core/json.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/token.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace jose = parley::jose;
namespace core = parley::core;

namespace {

constexpr const char* issuer = "https://parley.test";
constexpr const char* audience = "https://parley.test/directline";
constexpr jose::algorithm algs[] = {jose::algorithm::es256, jose::algorithm::eddsa, jose::algorithm::rs256};

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

int sign(const std::string& dir) {
  std::vector<jose::jwk> keys;
  boost::json::object tokens;
  const auto now = core::system_clock().now();
  for (const auto alg : algs) {
    auto key = jose::signing_key::generate(alg);
    if (!key) return std::fprintf(stderr, "parley: keygen failed\n"), 1;
    jose::claims c;
    c.set("iss", issuer).set("aud", audience).set("conv", "conv-" + std::string(to_string(alg))).set("user", "dl_user");
    c.set_time("iat", now).set_time("nbf", now).set_time("exp", now + std::chrono::minutes{10});
    auto token = jose::sign(c, *key, "dl+jwt");
    if (!token) return std::fprintf(stderr, "parley: sign failed\n"), 1;
    tokens[to_string(alg)] = *token;
    keys.push_back(jose::jwk{key->public_part(), key->kid(), {}, std::nullopt});
  }
  auto set = jose::jwks::make(std::move(keys));
  if (!set || !write(dir + "/parley-jwks.json", jose::to_json(*set)) ||
      !write(dir + "/parley-tokens.json", boost::json::serialize(tokens))) {
    return std::fprintf(stderr, "parley: cannot write %s\n", dir.c_str()), 1;
  }
  std::printf("parley: signed %zu tokens\n", tokens.size());
  return 0;
}

int verify(const std::string& dir) {
  auto jwks_text = core::read_file(dir + "/node-jwks.json");
  auto tokens_text = core::read_file(dir + "/node-tokens.json");
  if (!jwks_text || !tokens_text) return std::fprintf(stderr, "parley: cannot read node files\n"), 1;
  auto set = jose::parse_jwks(*jwks_text);
  if (!set) return std::fprintf(stderr, "parley: node JWKS refused: %s\n", set.error().message().c_str()), 1;
  auto tokens = core::parse_json_object(*tokens_text);
  if (!tokens) return std::fprintf(stderr, "parley: node tokens unreadable\n"), 1;
  int failures = 0;
  // jose set each kid to its calculateJwkThumbprint(): Parley's RFC 7638 thumbprint must agree.
  for (const auto& k : set->keys()) {
    if (k.key.thumbprint() != k.kid) {
      ++failures;
      std::fprintf(stderr, "parley: thumbprint mismatch for kid %s\n", k.kid.c_str());
    }
  }
  for (const auto alg : algs) {
    jose::profile p;
    p.name = "compat";
    p.issuers = {issuer};
    p.audiences = {audience};
    p.algorithms = {alg};
    p.typ = "dl+jwt";
    p.max_lifetime = std::chrono::minutes{15};
    p.require_iat = p.require_nbf = true;
    p.required_claims = {"conv", "user"};
    p.require_low_s = false;  // WebCrypto's ECDSA emits either s; only Parley's own signer is low-s only
    const jose::token_validator v(p, core::system_clock());
    const auto token = core::get_string(*tokens, to_string(alg));
    if (!token) return std::fprintf(stderr, "parley: no %s token\n", std::string(to_string(alg)).c_str()), 1;
    auto r = v.validate(*token, *set);
    if (!r || r->claims().string("conv") != "conv-" + std::string(to_string(alg))) {
      ++failures;
      std::fprintf(stderr, "parley: node %s token refused: %s\n", std::string(to_string(alg)).c_str(),
                   r ? "wrong claims" : r.error().message().c_str());
    } else {
      std::printf("parley: verified node %s token (kid %s)\n", std::string(to_string(alg)).c_str(), r->kid().c_str());
    }
    std::string tampered(*token);
    const auto i = tampered.size() - 10;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    if (v.validate(tampered, *set)) {
      ++failures;
      std::fprintf(stderr, "parley: tampered node %s token accepted\n", std::string(to_string(alg)).c_str());
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: parley_jose_compat sign|verify DIR\n"), 2;
  const std::string mode = argv[1];
  if (mode == "sign") return sign(argv[2]);
  if (mode == "verify") return verify(argv[2]);
  return std::fprintf(stderr, "usage: parley_jose_compat sign|verify DIR\n"), 2;
}
