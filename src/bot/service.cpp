#include "service_state.hpp"
#include "url_util.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>

namespace parley::bot {
namespace {

// The channel's and the assertion sites' key sets are refreshed in the background for the
// service's lifetime (the frame holds the state, which owns the cache, so the cache outlives the
// loop), so that a key rotated in is known before the first token signed with it arrives.
boost::asio::awaitable<void> refresh_keys(state_ptr /*keeps the cache alive*/, jose::remote_jwks_cache* keys) {
  co_await keys->run();
}

// A channel of this process delivers in-process, without a JWT (ADR 0007): its keys are then not
// kept fresh (a delivery over HTTP would still fetch them on its first unknown kid).
std::vector<jose::remote_jwks_cache*> key_caches(const service::state& s) {
  std::vector<jose::remote_jwks_cache*> out = s.assertions->remote_caches();
  if (s.auth && s.auth->keys() != nullptr && s.deps.channel == nullptr) out.push_back(s.auth->keys());
  return out;
}

net::rate_limit_options limit(double rate, double burst) {
  net::rate_limit_options o;
  o.tokens_per_second = rate;
  o.burst = burst;
  return o;
}

}  // namespace

service::state::state(options o, std::shared_ptr<const assistant::definition> d, assistant::options ao,
                      dependencies dp)
    : opts(std::move(o)),
      deps(dp),
      def(std::move(d)),
      engine(std::move(ao), dp.rng, dp.clock),
      log(core::logger("bot")),
      channel_secret(protected_secret::take(opts.channel_secret)),
      per_address(limit(opts.token_rate_per_address, opts.token_burst_per_address), dp.clock),
      global(limit(opts.token_rate_global, opts.token_burst_global), dp.clock),
      refresh_per_address(limit(opts.refresh_rate_per_address, 4 * opts.refresh_rate_per_address), dp.clock),
      fetcher(dp.http),
      dpop(jose::dpop_options{}, dp.clock),
      api(opts.api, dp.http, dp.user_tokens) {}

result<std::unique_ptr<service>> service::create(options opts, std::shared_ptr<const assistant::definition> def,
                                                 assistant::options assistant_opts, dependencies deps) {
  PARLEY_CHECK(def != nullptr, "bot::service needs an assistant definition");
  auto s = std::make_shared<state>(std::move(opts), std::move(def), std::move(assistant_opts), deps);
  pseudonym_key key;
  if (s->opts.user_id_key) {
    auto k = protected_secret::take(s->opts.user_id_key);
    auto buf = crypto::secure_buffer::copy_of(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(k.view().data()), k.view().size()));
    if (buf) key = pseudonym_key(std::move(*buf));
  }
  auto a = user_assertions::create(s->opts.assertion_sites, std::move(key), s->fetcher, deps.clock);
  if (!a) return a.error();
  s->assertions = std::move(*a);
  return std::unique_ptr<service>(new service(std::move(s)));
}

service::service(std::shared_ptr<state> s) : state_(std::move(s)) {}

service::~service() { stop(); }

void service::add_routes(net::router& r) {
  add_handshake_routes(r, state_);
  add_message_routes(r, state_);
}

bool service::start(std::string_view channel_url) {
  auto& s = *state_;
  if (s.opts.channel_url.empty()) s.opts.channel_url = std::string(channel_url);
  resolve_defaults(s.opts);
  if (!usable_url(s.opts.channel_url)) return false;
  channel_auth_settings a;
  a.app_id = s.opts.app_id;
  a.issuer = s.opts.channel_issuer;
  a.metadata_url = s.opts.openid_metadata_url;
  a.clock_skew = s.opts.clock_skew;
  s.auth = std::make_unique<channel_authenticator>(a, s.fetcher, s.deps.clock);
  for (auto* keys : key_caches(s)) {
    // On a strand: stop() and wake() reach the loop's timer through its executor.
    boost::asio::co_spawn(boost::asio::make_strand(s.deps.io), refresh_keys(state_, keys),
                          core::log_exceptions{s.log, "key refresh"});
  }
  connector_settings c;
  c.app_id = s.opts.app_id;
  c.app_password = protected_secret::take(s.opts.app_password);
  c.token_endpoint = s.opts.token_endpoint;
  c.scope = s.opts.connector_scope;
  c.refresh_early = s.opts.token_refresh_early;
  c.timeout = s.opts.channel_timeout;
  c.bot_id = s.opts.id;
  c.link = s.deps.channel;
  s.connector = std::make_unique<connector_client>(std::move(c), s.deps.http, s.deps.clock);
  s.started = true;
  s.log->info("bot {} of tenant {} started (channel {}, {}{})", s.opts.id, s.opts.tenant, s.opts.channel_url,
              s.opts.app_id.empty() ? "anonymous" : "app id set",
              s.deps.channel != nullptr ? ", activities in-process" : "");
  return true;
}

void service::stop() {
  state_->stopped = true;
  if (!state_->started) return;
  for (auto* keys : key_caches(*state_)) keys->stop();
}

const options& service::get_options() const { return state_->opts; }

std::size_t service::background_actions() const noexcept { return state_->background.load(); }

}  // namespace parley::bot
