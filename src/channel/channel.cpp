#include "routes.hpp"
#include "service_state.hpp"
#include "url_util.hpp"

#include <parley/core/async.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/net/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cctype>

namespace parley::channel {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

net::rate_limit_options rate(double per_second, double burst) {
  net::rate_limit_options o;
  o.tokens_per_second = per_second;
  o.burst = burst;
  return o;
}

std::shared_ptr<net::cors_policy> make_cors(const bot_registry& bots, bool credentials) {
  auto p = std::make_shared<net::cors_policy>();
  // Preflights carry no credentials, so they are answered for the origins of every bot; each
  // actual request is then checked against its own bot's origins (state::authenticate_client).
  p->allow_origin = [&bots](std::string_view origin) { return bots.any_allows(origin); };
  p->allow_credentials = credentials;
  p->allow_headers = {"authorization", "content-type", "accept", "x-ms-bot-agent", "x-requested-with", "dpop"};
  // A DPoP client reads the nonce, the challenge and the server's clock (for its proofs' iat).
  p->expose_headers = {"dpop-nonce", "www-authenticate", "date"};
  return p;
}

bool looks_like_jwt(std::string_view s) {
  return std::count(s.begin(), s.end(), '.') == 2;
}

}  // namespace

namespace {
// The credential of `Authorization: <scheme> <x>` (scheme case-insensitive), or nullopt.
std::optional<std::string_view> credential(const net::request& req, std::string_view scheme) {
  const auto h = req.headers.get("authorization");
  if (!h || h->size() < scheme.size() + 2) return std::nullopt;
  if (!net::iequals(h->substr(0, scheme.size()), scheme) || (*h)[scheme.size()] != ' ') return std::nullopt;
  auto v = h->substr(scheme.size() + 1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v.size() > 8192 || v.find(' ') != std::string_view::npos) return std::nullopt;
  return v;
}
}  // namespace

std::optional<std::string_view> bearer(const net::request& req) { return credential(req, "bearer"); }

std::optional<std::string_view> dpop_credential(const net::request& req) { return credential(req, "dpop"); }

std::optional<std::uint64_t> parse_watermark(std::string_view text) {
  if (text.empty() || text == "-" || text == "null") return 0;
  if (text.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

bool valid_user_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
  });
}

service::state::state(options o, dependencies d)
    : opts(std::move(o)),
      deps(d),
      bots(opts.bots),
      conversations(
          d.store, [this](activity_event e) { fan_out(std::move(e)); }, d.clock, d.rng),
      per_client(rate(opts.client_rate, opts.client_rate * 4), d.clock),
      per_conversation(rate(opts.conversation_rate, opts.conversation_rate * 4), d.clock),
      secret_attempts(rate(1, 10), d.clock),
      log(core::logger("channel")),
      // The token service's skew (5 s): a token still verifies that long after its exp.
      sessions(opts.max_sessions, opts.refresh_grace, std::chrono::seconds(5)),
      dpop(opts, d.clock, d.rng) {
  for (const auto& b : opts.bots) {
    for (const auto& h : b.secret_hashes) {
      if (auto parsed = parse_secret_hash(h)) secret_hashes[b.id].push_back(std::move(*parsed));
    }
    if (auto parsed = parse_secret_hash(b.app_password_hash)) password_hashes[b.id].push_back(std::move(*parsed));
  }
  for (const auto& b : bots.all()) secret_candidates.push_back({"secret:" + b.id, &secret_hashes[b.id]});
  cors = make_cors(bots, false);
  cors_credentials = make_cors(bots, true);
}

namespace {

// A coroutine function, not a capturing lambda: its arguments live in its own frame.
awaitable<error_code> on_activity_message(std::weak_ptr<service::state> w, bus::message m) {
  if (auto s = w.lock()) s->receive_remote(std::move(m));
  co_return error_code{};  // settled: a stream that missed it reads the store
}

}  // namespace

void service::state::fan_out(activity_event e) {
  hub.deliver(e);
  bus::message m;
  m.topic = std::string(activity_topic);
  m.tenant = std::move(e.tenant_id);
  m.key = std::move(e.conversation_id);
  m.seq = e.seq;
  m.type = std::move(e.type);
  m.body = std::move(e.body);
  deps.bus.publish(std::move(m), [w = weak_from_this()](error_code ec) {
    if (auto s = w.lock()) s->published(ec);
  });
}

void service::state::published(error_code ec) {
  if (ec) {
    if (!bus_failing.exchange(true)) {
      log->warn(
          "publishing appended activities on the bus fails ({}); other nodes' streams will read them from the store",
          ec.message());
    }
  } else if (bus_failing.exchange(false)) {
    log->info("publishing appended activities on the bus works again");
  }
}

void service::state::receive_remote(bus::message m) {
  if (m.origin == deps.bus.node_id()) return;  // fan_out() gave it to this node's streams already
  if (m.tenant.empty() || m.key.empty() || m.seq == 0) {
    log->warn("bus message {} on {} without tenant, conversation or sequence number: dropped", m.id, m.topic);
    return;
  }
  hub.deliver({std::move(m.tenant), std::move(m.key), m.seq, std::move(m.type), std::move(m.body)});
}

bool service::state::start(std::string_view listener_url) {
  if (started.load()) return true;
  if (opts.public_url.empty()) opts.public_url = std::string(listener_url);
  if (!resolve_urls(opts)) return false;
  tokens = std::make_unique<token_service>(opts, deps.keys, deps.clock, deps.rng);
  bot = std::make_unique<bot_client>(opts, deps.http, *tokens, deps.in_process);
  // Other nodes' appends, for the streams held here; after the bus lost and regained its link,
  // every stream reads what it may have missed from the store.
  bus::subscription_options sub;
  sub.topic = std::string(activity_topic);
  sub.kind = bus::subscription_kind::fan_out;
  sub.on_reattached = [w = weak_from_this()] {
    if (auto s = w.lock()) s->hub.catch_up_all();
  };
  auto subscribed = deps.bus.subscribe(std::move(sub), deps.io.get_executor(), [w = weak_from_this()](bus::message m) {
    return on_activity_message(w, std::move(m));
  });
  if (!subscribed) {
    log->error("cannot subscribe to {} on the bus: {}", activity_topic, subscribed.error().message());
    return false;
  }
  activity_subscription = std::move(*subscribed);
  started.store(true);
  start_sweeper();
  log->info("channel ready at {} (serviceUrl {}, {} bot(s))", opts.public_url, opts.service_url, bots.all().size());
  if (opts.allow_short_token_lifetime) {
    log->warn("allow_short_token_lifetime is set: token lifetimes under a minute are for tests only");
  }
  return true;
}

awaitable<result<client_identity>> service::state::authenticate_client(const net::request& req, bool rotating) {
  if (!started.load()) co_return make_error_code(errc::not_started);
  const auto bound_credential = dpop_credential(req);
  const auto credential = bound_credential ? bound_credential : bearer(req);
  if (!credential) co_return make_error_code(errc::missing_credentials);
  client_identity who;
  if (looks_like_jwt(*credential)) {
    auto g = tokens->verify_conversation_token(*credential);
    if (!g) co_return g.error();
    who.bot = bots.by_id(g->bot_id);
    if (!who.bot || who.bot->tenant != g->tenant_id) co_return make_error_code(errc::bad_credentials);
    const auto& policy = tenant_policy(opts, g->tenant_id);
    if (g->bound()) {
      // RFC 9449 §7.1: a bound token travels with the DPoP scheme and a proof for this very request.
      if (!bound_credential) co_return make_error_code(errc::dpop_required);
      const auto proof = dpop_check::proof_header(req);
      if (!proof) co_return make_error_code(errc::dpop_required);
      const std::string htu = opts.public_url + std::string(req.path);
      if (auto ec = dpop.check(*proof, req.method_token, htu, *credential, *g, policy.require_dpop_nonce)) co_return ec;
    } else if (bound_credential) {
      co_return make_error_code(errc::bad_credentials);  // an unbound token is a Bearer token
    }
    if (!rotating) {
      switch (sessions.check(*g, deps.clock.now(), session_end(*g))) {
        case session_state::live: break;
        case session_state::superseded: co_return make_error_code(errc::token_expired);
        case session_state::ended: co_return make_error_code(errc::token_expired);
        case session_state::revoked: co_return make_error_code(errc::token_revoked);
      }
    }
    who.grant = std::move(*g);
    who.token = std::string(*credential);
  } else {
    if (bound_credential) co_return make_error_code(errc::bad_credentials);  // a secret is a Bearer credential
    const auto& candidates = secret_candidates;
    if (!secrets.remembered(*credential, candidates)) {
      // Only attempts that cost a KDF are counted: a bot web service's known secret is free.
      if (!secret_attempts.take(req.limit_key()).allowed) co_return make_error_code(errc::rate_limited);
    }
    auto hit = co_await secrets.match(*credential, candidates);
    if (!hit) co_return hit.error();
    if (!*hit) co_return make_error_code(errc::bad_credentials);
    who.with_secret = true;
    who.bot = &bots.all()[**hit];
    who.grant.bot_id = who.bot->id;
    who.grant.tenant_id = who.bot->tenant;
  }
  if (const auto origin = req.headers.get("origin");
      origin && !origin_allowed(*who.bot, who.grant.trusted_origins, *origin)) {
    co_return make_error_code(errc::origin_not_allowed);
  }
  co_return who;
}

awaitable<result<store::conversation>> service::state::authorize_conversation(const client_identity& who,
                                                                              std::string_view id) {
  if (!who.with_secret && who.grant.conversation_id != id) co_return make_error_code(errc::wrong_conversation);
  // Arguments of a co_awaited call are named locals, never temporaries: GCC 12 destroys a class
  // temporary in a co_await's full-expression twice (GCC PR 99576, fixed in 13).
  const conversation_ref ref{who.bot->tenant, std::string(id)};
  auto c = co_await conversations.get(ref);
  if (!c && c.error() == errc::integrity_failure && !who.with_secret) {
    // The conversation's record fails its integrity check, but the token names the conversation,
    // its bot and its user: its holder may still read (markers) and be told why writing fails.
    store::conversation from_token;
    from_token.id = std::string(id);
    from_token.tenant_id = who.bot->tenant;
    from_token.bot_id = who.grant.bot_id;
    from_token.user_id = who.grant.user_id;
    co_return from_token;
  }
  if (!c) co_return c.error();
  if (c->bot_id != who.bot->id) co_return make_error_code(errc::wrong_conversation);
  // Ended (endOfConversation, tokens/revoke, the assistant): its tokens stay refused even after a
  // restart has emptied the session registry.
  if (!who.with_secret && c->state == store::conversation_state::ended) co_return make_error_code(errc::token_revoked);
  co_return std::move(*c);
}

awaitable<result<std::pair<const bot_options*, store::conversation>>> service::state::authenticate_bot(
    const net::request& req, std::string_view id) {
  if (!started.load()) co_return make_error_code(errc::not_started);
  const auto credential = bearer(req);
  if (credential) {
    auto g = tokens->verify_bot_access_token(*credential);
    if (!g) co_return g.error();
    const auto* b = bots.by_app_id(g->app_id);
    if (!b || (g->tenant_id != "botframework.com" && g->tenant_id != b->tenant)) {
      co_return make_error_code(errc::bad_credentials);
    }
    const conversation_ref ref{b->tenant, std::string(id)};
    auto c = co_await conversations.get(ref);
    if (!c) co_return c.error();
    // The token must belong to the bot that owns the conversation: no bot speaks in another's.
    if (c->bot_id != b->id) co_return make_error_code(errc::wrong_conversation);
    co_return std::pair{b, std::move(*c)};
  }
  // An anonymous bot is trusted by position: only a loopback peer that is really the caller (not a
  // same-host TLS proxy relaying every client), and never for a bot reached in-process (it has no
  // HTTP calls to make: a caller claiming to be it is not it).
  const bool behind_proxy = req.secure && !req.tls;
  if (req.headers.contains("authorization") || !is_loopback_peer(req.remote_address) || behind_proxy) {
    co_return make_error_code(errc::missing_credentials);
  }
  for (const auto& b : bots.all()) {
    if (!b.app_id.empty() || b.endpoint == in_process_endpoint) continue;
    const conversation_ref ref{b.tenant, std::string(id)};
    auto c = co_await conversations.get(ref);
    if (c && c->bot_id == b.id) co_return std::pair{&b, std::move(*c)};
  }
  co_return make_error_code(errc::missing_credentials);
}

awaitable<bool> service::state::throttle(net::rate_limiter& limiter, std::string_view key) {
  // Each waiting request holds its place in the bucket's queue (the bucket goes into debt), so
  // concurrent requests are spaced at the sustained rate; past max_throttle_delay of debt the
  // budget is spent and the request is refused without waiting.
  const auto d = limiter.reserve(key, opts.max_throttle_delay);
  if (!d.allowed) co_return false;
  if (d.retry_after.count() > 0) {
    asio::steady_timer t(co_await asio::this_coro::executor, d.retry_after);
    co_await t.async_wait(core::use_tuple);
  }
  co_return true;
}

activity_context service::state::context(const bot_options& b, std::string_view conversation_id, std::string user_id,
                                         std::string user_name) const {
  return {std::string(conversation_id),
          {std::move(user_id), std::move(user_name), "user"},
          bot_registry::bot_account(b),
          opts.service_url};
}

result<std::string> service::state::stream_url(const conversation_grant& g, std::string_view watermark) {
  auto t = tokens->issue_stream_token(g);
  if (!t) return t.error();
  const bool https = opts.public_url.starts_with("https://");
  const auto rest = std::string_view(opts.public_url).substr(https ? 8 : 7);
  return std::string(https ? "wss://" : "ws://") + std::string(rest) + "/v3/directline/conversations/" +
         url_encode(g.conversation_id) + "/stream?watermark=" + url_encode(watermark.empty() ? "-" : watermark) +
         "&t=" + *t;
}

namespace {
// A coroutine function rather than a capturing lambda (GCC 12 destroys a coroutine lambda's
// captures twice); the state stays alive for as long as the delivery runs.
awaitable<void> deliver_detached(std::shared_ptr<service::state> s, const bot_options* b, std::string activity,
                                 std::string conversation_id, std::string traceparent) {
  auto r = co_await s->bot->deliver(*b, std::move(activity), std::move(traceparent), std::move(conversation_id));
  (void)r;  // failures are logged by the bot client; nobody waits for this one
}
}  // namespace

namespace {
// channelData.parley.<flag> of an activity: true, false, or absent (nullopt).
std::optional<bool> parley_flag(const boost::json::object& activity, std::string_view flag) {
  const auto* cd = activity.if_contains("channelData");
  const auto* parley = cd && cd->is_object() ? cd->get_object().if_contains("parley") : nullptr;
  const auto* value = parley && parley->is_object() ? parley->get_object().if_contains(flag) : nullptr;
  if (!value || !value->is_bool()) return std::nullopt;
  return value->get_bool();
}
}  // namespace

void service::state::note_bot_activity(const conversation_ref& ref, const boost::json::object& activity) {
  const bool message = activity.contains("type") && activity.at("type") == "message";
  const bool expects_secret = message && parley_flag(activity, "expectsSecret").value_or(false);
  const auto awaits_code = parley_flag(activity, "awaitsCode");
  const auto now = deps.clock.now();
  auto key = stream_hub::key(ref.tenant_id, ref.conversation_id);
  std::lock_guard lock(secret_mutex);
  auto it = prompts.find(key);
  if (message && !expects_secret && !awaits_code.value_or(false)) {
    // Any other bot message ends what its predecessor asked for.
    if (it != prompts.end()) prompts.erase(it);
    return;
  }
  if (!expects_secret && !awaits_code) return;  // typing, events...: no change
  if (it == prompts.end()) {
    if (prompts.size() >= prompts_sweep_at) {
      std::erase_if(prompts, [&](const auto& p) { return !p.second.next_is_secret && p.second.code_until <= now; });
      prompts_sweep_at = std::max<std::size_t>(1024, 2 * prompts.size());
    }
    it = prompts.emplace(std::move(key), prompt_state{}).first;
  }
  if (message) it->second.next_is_secret = expects_secret;
  if (awaits_code.value_or(expects_secret)) {
    it->second.code_until = now + code_wait_limit;
  } else if (awaits_code && !*awaits_code) {
    it->second.code_until = {};
  }
}

bool service::state::take_secret_expected(const conversation_ref& ref) {
  const auto key = stream_hub::key(ref.tenant_id, ref.conversation_id);
  std::lock_guard lock(secret_mutex);
  auto it = prompts.find(key);
  if (it == prompts.end() || !it->second.next_is_secret) return false;
  it->second.next_is_secret = false;
  return true;
}

bool service::state::code_awaited(const conversation_ref& ref) {
  const auto key = stream_hub::key(ref.tenant_id, ref.conversation_id);
  const auto now = deps.clock.now();
  std::lock_guard lock(secret_mutex);
  auto it = prompts.find(key);
  if (it == prompts.end()) return false;
  if (it->second.code_until > now) return true;
  if (!it->second.next_is_secret) prompts.erase(it);
  return false;
}

void service::state::deliver_in_background(const bot_options& b, std::string activity, std::string conversation_id,
                                           std::string traceparent) {
  asio::co_spawn(
      deps.io,
      deliver_detached(shared_from_this(), &b, std::move(activity), std::move(conversation_id), std::move(traceparent)),
      core::log_exceptions{log, "channel background delivery"});
}

service::service(options opts, dependencies deps) : state_(std::make_shared<state>(std::move(opts), deps)) {}

service::~service() {
  state_->stopping.store(true);
  if (state_->activity_subscription) state_->activity_subscription->close();
}

void service::add_routes(net::router& r) {
  add_directline_routes(r, state_);
  add_upload_routes(r, state_);
  add_stream_route(r, state_);
  add_connector_routes(r, state_);
  add_oauth_routes(r, state_);
  add_token_routes(r, state_);
}

bool service::start(std::string_view listener_url) {
  return state_->start(listener_url);
}

awaitable<result<std::string>> service::receive_from_bot(std::string bot_id, std::string conversation_id,
                                                         std::string reply_to_id, std::string activity_json) {
  const auto s = state_;
  if (!s->started.load()) co_return make_error_code(errc::not_started);
  // Only a bot registered as in-process may use this door: an HTTP bot authenticates on the route.
  const auto* b = s->bots.by_id(bot_id);
  if (b == nullptr || b->endpoint != in_process_endpoint) co_return make_error_code(errc::bad_credentials);
  // The limits of the Connector route: body size, then strict JSON with the same depth.
  if (activity_json.size() > s->opts.max_activity_bytes) co_return make_error_code(errc::too_large);
  auto body = core::parse_json(activity_json, {activity_json.size() + 1, connector_json_depth});
  if (!body) co_return make_error_code(errc::bad_syntax);
  if (body->is_null()) co_return make_error_code(errc::bad_argument);
  const conversation_ref ref{b->tenant, std::move(conversation_id)};
  auto conv = co_await s->conversations.get(ref);
  if (!conv) co_return conv.error();
  if (conv->bot_id != b->id) co_return make_error_code(errc::wrong_conversation);
  std::optional<std::string_view> reply_to;
  if (!reply_to_id.empty()) reply_to = reply_to_id;
  std::optional<std::string> no_key;  // no retries in-process; a named argument: GCC 12, PR 99576
  co_return co_await post_bot_activity(s, *b, *conv, *body, reply_to, std::move(no_key));
}

token_service& service::tokens() {
  PARLEY_CHECK(state_->started.load(), "channel::service::tokens() before start()");
  return *state_->tokens;
}
const options& service::get_options() const {
  return state_->opts;
}
std::size_t service::open_streams() const {
  return state_->hub.size();
}

}  // namespace parley::channel
