#include "user_assertion.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/key.hpp>

namespace parley::bot {

struct user_assertions::site_state {
  assertion_site site;
  jose::token_validator validator;
  std::shared_ptr<const jose::jwks> local;        // inline JWK
  std::unique_ptr<jose::remote_jwks_cache> remote;  // jwks_url
};

namespace {

jose::profile make_profile(const assertion_site& s) {
  jose::profile p;
  p.name = "user-assertion:" + s.id;
  p.issuers = {s.issuer};
  p.audiences = {s.audience};
  for (const auto& name : s.algorithms) {
    if (auto alg = jose::algorithm_from_string(name)) p.algorithms.push_back(*alg);
  }
  p.typ = s.typ;
  p.clock_skew = std::chrono::seconds{30};
  p.max_lifetime = s.max_lifetime;
  p.required_claims = {"sub"};
  // Host sites sign with WebCrypto, Node or their IdP library, which emit either ECDSA s form.
  p.require_low_s = false;
  p.max_token_bytes = 8 * 1024;
  return p;
}

// The issuer, read before verification only to pick the site whose profile then checks it.
std::string unverified_issuer(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  auto payload = core::base64url_decode_string(token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  auto o = core::parse_json_object(*payload, {.max_bytes = 8 * 1024, .max_depth = 8});
  if (!o) return {};
  auto iss = core::get_string(*o, "iss");
  return iss ? std::string(*iss) : std::string{};
}

}  // namespace

user_assertions::user_assertions(std::vector<std::unique_ptr<site_state>> sites, pseudonym_key key)
    : sites_(std::move(sites)), key_(std::move(key)) {}

user_assertions::~user_assertions() = default;

result<std::unique_ptr<user_assertions>> user_assertions::create(const std::vector<assertion_site>& sites,
                                                                 pseudonym_key key, jose::jwks_fetcher& fetcher,
                                                                 const core::clock& clock) {
  std::vector<std::unique_ptr<site_state>> out;
  for (const auto& s : sites) {
    auto p = make_profile(s);
    if (jose::check_profile(p)) return make_error_code(errc::bad_assertion);
    auto st = std::unique_ptr<site_state>(new site_state{s, jose::token_validator(p, clock), nullptr, nullptr});
    if (!s.jwk.empty()) {
      auto k = jose::parse_jwk(s.jwk);
      if (!k) return make_error_code(errc::bad_assertion);
      auto set = jose::jwks::make({std::move(*k)});
      if (!set) return make_error_code(errc::bad_assertion);
      st->local = std::make_shared<const jose::jwks>(std::move(*set));
    } else {
      jose::remote_jwks_options ro;
      ro.url = s.jwks_url;
      ro.allow_http = s.jwks_url.starts_with("http://");
      ro.retry_after_failure = site_keys_retry;
      st->remote = std::make_unique<jose::remote_jwks_cache>(ro, fetcher, clock);
    }
    out.push_back(std::move(st));
  }
  if (!out.empty() && key.empty()) return make_error_code(errc::bad_assertion);
  return std::unique_ptr<user_assertions>(new user_assertions(std::move(out), std::move(key)));
}

std::vector<jose::remote_jwks_cache*> user_assertions::remote_caches() const {
  std::vector<jose::remote_jwks_cache*> out;
  for (const auto& s : sites_) {
    if (s->remote) out.push_back(s->remote.get());
  }
  return out;
}

boost::asio::awaitable<result<std::string>> user_assertions::user_id_for(std::string assertion) const {
  const auto iss = unverified_issuer(assertion);
  const site_state* site = nullptr;
  for (const auto& s : sites_) {
    if (!iss.empty() && s->site.issuer == iss) site = s.get();
  }
  auto log = core::logger("bot");
  if (site == nullptr) {
    log->info("user assertion refused: no registered site for its issuer");
    co_return make_error_code(errc::bad_assertion);
  }
  // Two statements, not a conditional expression: GCC 12 miscompiles a co_await inside ?: .
  result<jose::validated_token> v = make_error_code(errc::bad_assertion);
  if (site->local) {
    v = site->validator.validate(assertion, *site->local);
  } else {
    v = co_await site->validator.validate(assertion, *site->remote);
  }
  if (!v) {
    log->info("user assertion of site {} refused: {}", site->site.id, v.error().message());
    co_return make_error_code(errc::bad_assertion);
  }
  const auto sub = v->claims().subject();
  if (!sub || sub->empty() || sub->size() > 256) {
    log->info("user assertion of site {} refused: bad sub", site->site.id);
    co_return make_error_code(errc::bad_assertion);
  }
  co_return key_.user_id(site->site.id, *sub);
}

}  // namespace parley::bot
