#include "replay_windows.hpp"
#include "verify_cache.hpp"

#include <parley/channel/error.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/jose/dpop.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/core/log.hpp>

#include <map>
#include <mutex>
#include <unordered_map>

namespace parley::channel {
namespace {

using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

constexpr std::string_view dl_typ = "dl+jwt";
constexpr std::string_view stream_typ = "dl-stream+jwt";
constexpr std::string_view to_bot_typ = "JWT";
constexpr std::string_view access_typ = "at+jwt";
// The channel checks its own Direct Line tokens: the skew only covers clock differences between
// the channel's nodes (NTP keeps them well within it), so an expired token is refused promptly.
constexpr seconds dl_skew{5};
constexpr seconds access_skew{60};
// A to-bot token is replaced this long before it expires (botbuilder allows 5 min of skew, and a
// slow delivery must not arrive with an expired token).
constexpr seconds to_bot_refresh_margin{300};

jose::profile make_profile(std::string name, std::string issuer, std::string audience, std::string_view typ,
                           seconds skew, seconds max_lifetime, std::vector<std::string> required) {
  jose::profile p;
  p.name = std::move(name);
  p.issuers = {std::move(issuer)};
  p.audiences = {std::move(audience)};
  p.aud_form = jose::audience_form::string_only;
  p.algorithms = {jose::algorithm::es256};
  p.typ = std::string(typ);
  p.clock_skew = skew;
  p.max_lifetime = max_lifetime;
  p.require_nbf = true;
  p.required_claims = std::move(required);
  return p;
}

// Maps a verification failure: only a genuine token that expired is "expired".
error_code verification_error(const error_code& ec) {
  if (ec == jose::errc::expired) return make_error_code(errc::token_expired);
  return make_error_code(errc::bad_credentials);
}

jose::claims grant_claims(const conversation_grant& g) {
  jose::claims c;
  c.set("conv", g.conversation_id);
  c.set("user", g.user_id);
  if (!g.user_name.empty()) c.set("name", g.user_name);
  c.set("bot", g.bot_id);
  c.set("tid", g.tenant_id);
  if (!g.trusted_origins.empty()) c.set("origins", g.trusted_origins);
  c.set("sid", g.session_id);
  c.set_time("sst", g.session_start);
  c.set("gen", static_cast<std::int64_t>(g.generation));
  if (g.bound()) {
    jose::claims cnf;
    cnf.set("jkt", g.jkt);
    c.set("cnf", cnf);
  }
  return c;
}

result<conversation_grant> grant_from(const jose::claims& c) {
  conversation_grant g;
  const auto conv = c.string("conv");
  const auto user = c.string("user");
  const auto bot = c.string("bot");
  const auto tid = c.string("tid");
  const auto exp = c.expires_at();
  if (!conv || !user || !bot || !tid || !exp || conv->empty() || user->empty()) {
    return make_error_code(errc::bad_credentials);
  }
  g.conversation_id = *conv;
  g.user_id = *user;
  g.bot_id = *bot;
  g.tenant_id = *tid;
  g.user_name = c.string("name").value_or("");
  if (c.has("origins")) {
    auto origins = c.strings("origins");
    if (!origins) return make_error_code(errc::bad_credentials);
    g.trusted_origins = std::move(*origins);
  }
  g.expires = *exp;
  const auto sid = c.string("sid");
  const auto sst = c.time("sst");
  const auto gen = c.integer("gen");
  if (!sid || sid->empty() || sid->size() > 64 || !sst || !gen || *gen < 0) return make_error_code(errc::bad_credentials);
  g.session_id = *sid;
  g.session_start = *sst;
  g.generation = static_cast<std::uint64_t>(*gen);
  if (c.has("cnf")) {
    const auto cnf = c.object("cnf");
    const auto jkt = cnf ? cnf->string("jkt") : std::nullopt;
    if (!jkt || !jose::valid_jkt(*jkt)) return make_error_code(errc::bad_credentials);
    g.jkt = *jkt;
  }
  return g;
}

}  // namespace

struct token_service::state {
  state(const options& o, jose::signing_key_store& k, const core::clock& c, core::random_source& r)
      : opts(o),
        keys(k),
        clock(c),
        rng(r),
        dl_audience(o.public_url + "/v3/directline"),
        stream_audience(o.public_url + "/v3/directline/stream"),
        dl(make_profile("directline", o.issuer, dl_audience, dl_typ, dl_skew, 24h + 5min,
                        {"conv", "user", "bot", "tid", "sid", "sst", "gen"}),
           c),
        stream(make_profile("directline-stream", o.issuer, stream_audience, stream_typ, dl_skew, 10min,
                            {"conv", "user", "bot", "tid", "jti", "sid", "sst", "gen"}),
               c),
        access(make_profile("bot-access", o.issuer, o.connector_scope, access_typ, access_skew, 25h, {"appid", "tid"}),
               c),
        dl_cache(o.verify_cache_entries),
        access_cache(o.verify_cache_entries) {}

  result<std::string> sign(std::string_view purpose, jose::claims c, std::string_view typ) {
    auto key = keys.signer(purpose);
    if (!key) return make_error_code(errc::internal);
    auto token = jose::sign(c, **key, typ);
    if (!token) return make_error_code(errc::internal);
    return std::move(*token);
  }

  result<jose::validated_token> validate(const jose::token_validator& v, std::string_view purpose,
                                         std::string_view token) {
    auto published = keys.public_keys(purpose);
    if (!published) return make_error_code(errc::internal);
    auto t = v.validate(token, **published);
    if (!t) return verification_error(t.error());
    return t;
  }

  // Claims common to the Direct Line and bot access tokens: iss, aud, nbf, iat, exp.
  void add_base(jose::claims& c, std::string_view audience, time_point now, seconds lifetime) const {
    c.set("iss", opts.issuer);
    c.set("aud", audience);
    c.set_time("nbf", now);
    c.set_time("iat", now);
    c.set_time("exp", now + lifetime);
  }

  const options& opts;
  jose::signing_key_store& keys;
  const core::clock& clock;
  core::random_source& rng;
  std::string dl_audience;
  std::string stream_audience;
  jose::token_validator dl;
  jose::token_validator stream;
  jose::token_validator access;
  verify_cache<conversation_grant> dl_cache;
  verify_cache<bot_grant> access_cache;

  std::mutex used_mutex;
  replay_windows used_stream{{.window = seconds{10}, .per_window = 100'000, .per_conversation = 20, .skew = dl_skew}};
  std::chrono::steady_clock::time_point last_full_warning{};
  std::uint64_t unrecorded_redemptions = 0;

  struct cached_token {
    std::string token;
    time_point expires;
  };
  std::mutex to_bot_mutex;
  std::map<std::pair<std::string, std::string>, cached_token, std::less<>> to_bot;
};

std::vector<jose::key_purpose> token_service::key_purposes() {
  return {{std::string(directline_key_purpose), jose::algorithm::es256},
          {std::string(to_bot_key_purpose), jose::algorithm::rs256},
          {std::string(bot_access_key_purpose), jose::algorithm::es256}};
}

token_service::token_service(const options& opts, jose::signing_key_store& keys, const core::clock& clock,
                             core::random_source& rng)
    : s_(std::make_unique<state>(opts, keys, clock, rng)) {}

token_service::~token_service() = default;

result<issued_token> token_service::issue_conversation_token(const conversation_grant& g, seconds lifetime) {
  const auto now = s_->clock.now();
  auto c = grant_claims(g);
  s_->add_base(c, s_->dl_audience, now, lifetime);
  auto token = s_->sign(directline_key_purpose, std::move(c), dl_typ);
  if (!token) return token.error();
  return issued_token{std::move(*token), lifetime};
}

result<conversation_grant> token_service::verify_conversation_token(std::string_view token) {
  const auto now = s_->clock.now();
  if (auto hit = s_->dl_cache.find(token, now)) return std::move(*hit);
  auto t = s_->validate(s_->dl, directline_key_purpose, token);
  if (!t) return t.error();
  auto g = grant_from(t->claims());
  if (!g) return g.error();
  s_->dl_cache.insert(token, *g, g->expires + dl_skew);
  return g;
}

result<std::string> token_service::issue_stream_token(const conversation_grant& g) {
  const auto now = s_->clock.now();
  auto c = grant_claims(g);
  c.erase("origins");
  s_->add_base(c, s_->stream_audience, now, s_->opts.stream_token_lifetime);
  c.set("jti", core::random_id(s_->rng, "", 16));
  return s_->sign(directline_key_purpose, std::move(c), stream_typ);
}

result<conversation_grant> token_service::redeem_stream_token(
    std::string_view token, const std::function<error_code(const conversation_grant&)>& check) {
  auto t = s_->validate(s_->stream, directline_key_purpose, token);
  if (!t) return t.error();
  auto g = grant_from(t->claims());
  if (!g) return g.error();
  const auto jti = t->claims().string("jti");
  if (!jti || jti->empty() || jti->size() > 64) return make_error_code(errc::bad_credentials);
  g->token_id = std::string(*jti);
  if (check) {
    if (auto ec = check(*g)) return ec;
  }
  std::lock_guard lock(s_->used_mutex);
  switch (s_->used_stream.redeem(*jti, g->conversation_id, g->expires, s_->clock.now())) {
    case replay_windows::outcome::admitted: return g;
    case replay_windows::outcome::replayed: return make_error_code(errc::bad_credentials);
    case replay_windows::outcome::conversation_over_limit: return make_error_code(errc::rate_limited);
    case replay_windows::outcome::admitted_unrecorded: {
      // The window is full: admitting unrecorded keeps every other user streaming (ADR 0012).
      const auto now = std::chrono::steady_clock::now();
      if (now - s_->last_full_warning >= std::chrono::seconds(10)) {
        s_->last_full_warning = now;
        core::logger("channel")->warn("stream tokens: the replay window is full; fresh tokens are admitted unrecorded");
      }
      ++s_->unrecorded_redemptions;
      return g;
    }
  }
  return make_error_code(errc::internal);
}

result<std::string> token_service::to_bot_token(std::string_view app_id, std::string_view service_url) {
  const auto now = s_->clock.now();
  std::lock_guard lock(s_->to_bot_mutex);
  auto key = std::pair{std::string(app_id), std::string(service_url)};
  if (auto it = s_->to_bot.find(key); it != s_->to_bot.end() && now + to_bot_refresh_margin < it->second.expires) {
    return it->second.token;
  }
  const auto lifetime = s_->opts.to_bot_token_lifetime;
  // Exactly Azure's claim set: serviceurl, nbf, exp, iss, aud (a string). No ver/appid/azp, which
  // would send the token down botbuilder's skill path.
  jose::claims c;
  c.set("serviceurl", service_url);
  c.set_time("nbf", now);
  c.set_time("exp", now + lifetime);
  c.set("iss", s_->opts.issuer);
  c.set("aud", app_id);
  auto token = s_->sign(to_bot_key_purpose, std::move(c), to_bot_typ);
  if (!token) return token.error();
  if (s_->to_bot.size() > 10'000) s_->to_bot.clear();  // bots × service URLs: a handful in practice
  s_->to_bot[std::move(key)] = {*token, now + lifetime};
  return token;
}

result<issued_token> token_service::issue_bot_access_token(std::string_view app_id, std::string_view tenant) {
  const auto now = s_->clock.now();
  const auto lifetime = s_->opts.bot_access_token_lifetime;
  jose::claims c;
  s_->add_base(c, s_->opts.connector_scope, now, lifetime);
  c.set("appid", app_id);
  c.set("azp", app_id);
  c.set("tid", tenant);
  c.set("jti", core::random_id(s_->rng, "", 16));
  auto token = s_->sign(bot_access_key_purpose, std::move(c), access_typ);
  if (!token) return token.error();
  return issued_token{std::move(*token), lifetime};
}

result<bot_grant> token_service::verify_bot_access_token(std::string_view token) {
  const auto now = s_->clock.now();
  if (auto hit = s_->access_cache.find(token, now)) return std::move(*hit);
  auto t = s_->validate(s_->access, bot_access_key_purpose, token);
  if (!t) return t.error();
  const auto& c = t->claims();
  const auto appid = c.string("appid");
  const auto azp = c.string("azp");
  const auto tid = c.string("tid");
  const auto exp = c.expires_at();
  // appid (v1) and azp (v2) name the same client; when both are present they must agree.
  if (!appid || appid->empty() || !tid || !exp || (azp && *azp != *appid)) return make_error_code(errc::bad_credentials);
  bot_grant g{std::string(*appid), std::string(*tid), *exp};
  s_->access_cache.insert(token, g, *exp + access_skew);
  return g;
}

result<std::string> token_service::to_bot_jwks() const {
  auto published = s_->keys.public_keys(to_bot_key_purpose);
  if (!published) return make_error_code(errc::internal);
  std::vector<jose::jwk> keys = (*published)->keys();
  for (auto& k : keys) k.endorsements = {"directline"};
  auto set = jose::jwks::make(std::move(keys));
  if (!set) return make_error_code(errc::internal);
  return jose::to_json(*set);
}

result<std::string> token_service::bot_access_jwks() const {
  auto published = s_->keys.public_keys(bot_access_key_purpose);
  if (!published) return make_error_code(errc::internal);
  return jose::to_json(**published);
}

std::size_t token_service::cached_verifications() const { return s_->dl_cache.size() + s_->access_cache.size(); }

}  // namespace parley::channel
