#include "channel_auth.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/net/trace_context.hpp>

#include <algorithm>

namespace parley::bot {
namespace {

jose::profile connector_profile(const channel_auth_settings& s) {
  jose::profile p;
  p.name = "connector-to-bot";
  p.issuers = {s.issuer};
  p.audiences = {s.app_id};
  p.aud_form = jose::audience_form::string_only;  // botbuilder: an array aud fails
  p.algorithms = {jose::algorithm::rs256};
  // Azure's tokens carry typ "JWT"; botbuilder does not look at typ at all, so a token without one
  // is accepted too.
  p.typ = "JWT";
  p.typ_optional = true;
  p.clock_skew = s.clock_skew;
  // Azure's and Parley's channel tokens live 1 hour; anything much longer is refused.
  p.max_lifetime = std::chrono::hours{2};
  p.required_claims = {"serviceurl"};
  return p;
}

}  // namespace

channel_authenticator::channel_authenticator(const channel_auth_settings& s, jose::jwks_fetcher& fetcher,
                                             const core::clock& clock)
    : app_id_(s.app_id) {
  if (app_id_.empty()) return;
  jose::remote_jwks_options ro;
  ro.url = s.metadata_url;
  ro.discovery = true;
  // botbuilder reads only jwks_uri from the metadata; the channel may serve it over http on loopback.
  ro.allow_http = s.metadata_url.starts_with("http://");
  // The channel may come up after the bot: a failed fetch (at start-up, by the background loop)
  // is retried after 30 s rather than 5 minutes, since until a fetch succeeds every token is
  // refused (the unknown-kid refetch is held back by its cooldown).
  ro.retry_after_failure = channel_keys_retry;
  keys_ = std::make_unique<jose::remote_jwks_cache>(ro, fetcher, clock);
  validator_ = std::make_unique<jose::token_validator>(connector_profile(s), clock);
}

channel_authenticator::~channel_authenticator() = default;

boost::asio::awaitable<result<void>> channel_authenticator::authenticate(std::optional<std::string> authorization,
                                                                         const inbound_activity& activity) const {
  if (app_id_.empty()) co_return result<void>{};
  auto log = core::logger("bot");
  const auto refuse = [&](std::string_view why) -> result<void> {
    core::with_log_fields(
        {.conversation = activity.conversation_id, .trace_id = net::trace_id_of(activity.traceparent)}, [&] {
          log->warn("/api/messages: channel token refused ({}), conversation {}", why, activity.conversation_id);
        });
    return make_error_code(errc::unauthorized);
  };
  if (!authorization || authorization->empty()) co_return refuse("no Authorization header");
  // botbuilder splits on one space into exactly two parts, scheme "Bearer" case-sensitively.
  const auto space = authorization->find(' ');
  if (space == std::string::npos || authorization->substr(0, space) != "Bearer" ||
      authorization->find(' ', space + 1) != std::string::npos || space + 1 == authorization->size()) {
    co_return refuse("not a Bearer credential");
  }
  const std::string token = authorization->substr(space + 1);
  auto v = co_await validator_->validate(token, *keys_);
  if (!v) co_return refuse(v.error().message());
  const auto service_url = v->claims().string("serviceurl");
  if (!service_url || *service_url != activity.service_url) co_return refuse("serviceurl claim does not match");
  // Endorsements of the key that verified the token: when present, they must name the channel.
  const auto snapshot = keys_->snapshot();
  const jose::jwk* key = snapshot ? snapshot->find(v->kid()) : nullptr;
  if (key != nullptr && !key->endorsements.empty()) {
    if (activity.channel_id.empty() ||
        std::find(key->endorsements.begin(), key->endorsements.end(), activity.channel_id) == key->endorsements.end()) {
      co_return refuse("channelId not endorsed by the key");
    }
  }
  co_return result<void>{};
}

}  // namespace parley::bot
