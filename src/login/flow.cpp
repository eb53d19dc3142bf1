// The login flow: one polling coroutine per login, each on its own strand with its own timer;
// the shared state (logins in progress, vault) behind one mutex that is never held across a wait.
#include <parley/core/async.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/login/flow.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <mutex>

namespace parley::login {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using steady_time = std::chrono::steady_clock::time_point;

namespace {

constexpr std::chrono::seconds slow_down_step = 5s;

// The reference the bank logs for this login: a hash, so that the bank's audit log can be matched
// with ours without handing it our conversation ids.
std::string conversation_ref(const conversation_key& key, std::uint64_t serial) {
  const auto d = crypto::sha256(key.tenant + '\n' + key.conversation_id);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += hex[d[static_cast<std::size_t>(i)] >> 4];
    out += hex[d[static_cast<std::size_t>(i)] & 0xf];
  }
  return out + ":" + std::to_string(serial);
}

std::string seal_context(const conversation_key& key) {
  return "login/" + key.tenant + "/" + key.conversation_id + "/access-token";
}

}  // namespace

std::string_view to_string(outcome o) noexcept {
  switch (o) {
    case outcome::approved: return "approved";
    case outcome::denied: return "denied";
    case outcome::expired: return "expired";
    case outcome::failed: return "failed";
    case outcome::cancelled: return "cancelled";
  }
  return "unknown";
}

struct pending_login {
  pending_login(asio::io_context& io, conversation_key k, method mm)
      : key(std::move(k)), m(mm), strand(asio::make_strand(io)), timer(strand) {}

  conversation_key key;
  method m;
  std::string ref;  // conversation_ref, for log lines
  std::string traceparent;  // W3C: on every call of this login to the bank
  std::string trace_id;     // its trace id, for the JSON log lines
  api_client* client = nullptr;
  crypto::sealed_secret polling_token;  // sealed by the api_client; opened only into a request body
  std::chrono::seconds interval{5};
  steady_time expires_at{};
  steady_time next_poll_at{};
  flow::on_done done;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;  // used on `strand` only
  std::atomic<bool> finished{false};
};

struct flow::state : std::enable_shared_from_this<flow::state> {
  state(asio::io_context& i, const core::clock& c, const options& o)
      : io(i),
        clock(c),
        sweep_interval(o.sweep_interval),
        max_logins(o.max_logins),
        vault(c, o.idle_timeout),
        sweep_timer(asio::make_strand(i)) {}

  asio::io_context& io;
  const core::clock& clock;
  std::chrono::milliseconds sweep_interval;
  std::size_t max_logins;
  token_vault vault;
  std::shared_ptr<spdlog::logger> log = core::logger("login");
  mutable std::mutex mutex;
  std::map<std::string, std::unique_ptr<api_client>, std::less<>> clients;
  std::map<conversation_key, std::shared_ptr<pending_login>> logins;
  std::atomic<std::uint64_t> serial{0};
  std::atomic<bool> stopping{false};
  bool sweeping = false;
  asio::steady_timer sweep_timer;
  net::metrics_registry* metrics = nullptr;  // count_outcomes()

  // parley_login_outcomes_total{tenant, outcome}: a locked registry lookup, but logins are rare.
  void count(const conversation_key& key, std::string_view outcome, std::uint64_t n = 1) const {
    if (!metrics) return;
    metrics
        ->counter_for("parley_login_outcomes_total",
                      "End-user logins, by tenant and how they ended (approved, denied, expired, failed, cancelled, "
                      "start_failed)",
                      {{"tenant", key.tenant}, {"outcome", std::string(outcome)}})
        .inc(n);
  }

  api_client* client_for(std::string_view tenant) const {
    std::lock_guard lock(mutex);
    auto it = clients.find(tenant);
    return it == clients.end() ? nullptr : it->second.get();
  }

  std::shared_ptr<pending_login> find(const conversation_key& key) const {
    std::lock_guard lock(mutex);
    auto it = logins.find(key);
    return it == logins.end() ? nullptr : it->second;
  }

  // The first party to end a login (poller, verify_otp, cancel) wins; the others see `finished`.
  bool claim(const std::shared_ptr<pending_login>& p) {
    if (p->finished.exchange(true)) return false;
    {
      std::lock_guard lock(mutex);
      auto it = logins.find(p->key);
      if (it != logins.end() && it->second == p) logins.erase(it);
    }
    asio::post(p->strand, [p] { p->timer.cancel(); });
    return true;
  }

  void approve(const std::shared_ptr<pending_login>& p, status_answer& answer) {
    vault.put(p->key, std::move(answer.access_token), answer.token_expires_in);
    core::with_log_fields({.conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id},
                          [&] {
                            log->info("login {}: approved ({}), token valid {}s", p->ref, to_string(p->m),
                                      answer.token_expires_in.count());
                          });
  }

  void finish_polled(const std::shared_ptr<pending_login>& p, outcome o) {
    {
      const core::log_fields ids{
          .conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id};
      const core::log_fields_scope scope(ids);
      log->info("login {}: {}", p->ref, to_string(o));
    }
    count(p->key, to_string(o));
    if (p->done) p->done(p->key, o);
  }

  // Ends a login from outside the poller (a code, cancel): the first to claim it reports.
  void end(const std::shared_ptr<pending_login>& p, outcome o) {
    if (claim(p)) finish_polled(p, o);
  }

  asio::awaitable<void> poll_loop(std::shared_ptr<pending_login> p) {
    auto self = shared_from_this();  // the state outlives every poller
    for (;;) {
      if (p->finished || stopping) co_return;
      const auto now = clock.steady_now();
      if (now >= p->expires_at) {
        if (claim(p)) finish_polled(p, outcome::expired);
        co_return;
      }
      const auto due = std::min(p->next_poll_at, p->expires_at);
      if (now < due) {
        p->timer.expires_after(due - now);
        co_await p->timer.async_wait(core::use_tuple);
        continue;  // woken by time, wake() or cancel: look again
      }
      // Arguments are named before co_await throughout: GCC 12 destroys a temporary in a
      // co_await operand twice.
      const std::string context = seal_context(p->key);
      auto answer = co_await p->client->poll(p->polling_token, context, p->traceparent);
      const auto after = clock.steady_now();
      if (p->finished || stopping) co_return;
      if (!answer) {
        if (answer.error() == errc::client_rejected || answer.error() == errc::bad_response ||
            answer.error() == errc::invalid_request) {
          if (claim(p)) finish_polled(p, outcome::failed);
          co_return;
        }
        core::with_log_fields(
            {.conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id}, [&] {
              log->info("login {}: poll failed ({}), retrying in {}s", p->ref, answer.error().message(),
                        p->interval.count());
            });
        p->next_poll_at = after + p->interval;
        continue;
      }
      switch (answer->status) {
        case login_status::pending:
          p->interval = std::max(p->interval, answer->interval);
          p->next_poll_at = after + p->interval;
          break;
        case login_status::slow_down:
          p->interval = std::max(p->interval + slow_down_step, answer->interval);
          core::with_log_fields(
              {.conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id},
              [&] { log->debug("login {}: slow_down, interval now {}s", p->ref, p->interval.count()); });
          p->next_poll_at = after + p->interval;
          break;
        case login_status::approved:
          if (claim(p)) {
            approve(p, *answer);
            finish_polled(p, outcome::approved);
          }
          co_return;
        case login_status::denied:
          if (claim(p)) finish_polled(p, outcome::denied);
          co_return;
        case login_status::expired:
          if (claim(p)) finish_polled(p, outcome::expired);
          co_return;
        case login_status::wrong_code:
          if (claim(p)) finish_polled(p, outcome::failed);
          co_return;
      }
    }
  }

  asio::awaitable<void> sweep_loop() {
    auto self = shared_from_this();
    while (!stopping) {
      sweep_timer.expires_after(sweep_interval);
      (void)co_await sweep_timer.async_wait(core::use_tuple);
      if (stopping) co_return;
      if (const auto n = vault.sweep()) log->info("login: wiped {} expired or idle token(s)", n);
    }
  }
};

flow::flow(asio::io_context& io, const core::clock& clock, const options& opts)
    : state_(std::make_shared<state>(io, clock, opts)) {}

flow::~flow() { shutdown(); }

void flow::add_tenant(std::unique_ptr<api_client> client) {
  std::lock_guard lock(state_->mutex);
  const std::string tenant = client->opts().tenant;
  state_->clients[tenant] = std::move(client);
}

const tenant_options* flow::tenant(std::string_view tenant) const {
  auto* c = state_->client_for(tenant);
  return c ? &c->opts() : nullptr;
}

token_vault& flow::vault() noexcept { return state_->vault; }

std::size_t flow::logins() const {
  std::lock_guard lock(state_->mutex);
  return state_->logins.size();
}

asio::awaitable<result<start_info>> flow::start(conversation_key key, std::string customer_id, method m, on_done done,
                                                std::string traceparent) {
  auto st = state_;
  if (st->stopping) co_return make_error_code(errc::shutting_down);
  auto* client = st->client_for(key.tenant);
  if (!client) co_return make_error_code(errc::unknown_tenant);
  auto p = std::make_shared<pending_login>(st->io, key, m);
  p->client = client;
  p->done = std::move(done);
  p->ref = conversation_ref(key, ++st->serial);
  // The login's trace: the caller's, or a new one (a valid traceparent either way).
  const auto parent = net::parse_traceparent(traceparent);
  p->traceparent = parent ? std::move(traceparent) : net::child_span(std::nullopt).traceparent();
  p->trace_id = p->traceparent.substr(3, 32);
  {
    // Reserve the conversation's slot before the call, so that two turns cannot both start one.
    std::lock_guard lock(st->mutex);
    if (st->logins.contains(key)) co_return make_error_code(errc::login_in_progress);
    if (st->logins.size() >= st->max_logins) {
      st->log->warn("login: {} logins in progress, refusing another", st->logins.size());
      co_return make_error_code(errc::rate_limited);
    }
    st->logins.emplace(key, p);
  }
  auto started = co_await client->start_login(std::move(customer_id), m, p->ref, p->traceparent);
  if (!started || st->stopping || p->finished) {
    st->claim(p);
    if (!started) {
      const core::log_fields ids{
          .conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id};
      const core::log_fields_scope scope(ids);
      st->log->info("login {}: startLogin failed: {}", p->ref, started.error().message());
      st->count(p->key, "start_failed");
      co_return started.error();
    }
    co_return make_error_code(st->stopping ? errc::shutting_down : errc::no_login);
  }
  const auto now = st->clock.steady_now();
  const auto lifetime = std::min(started->expires_in, client->opts().max_login_time);
  p->polling_token = std::move(started->polling_token);
  p->interval = started->interval;
  p->expires_at = now + lifetime;
  p->next_poll_at = now + p->interval;
  {
    const core::log_fields ids{
        .conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id};
    const core::log_fields_scope scope(ids);
    st->log->info("login {}: started ({}), interval {}s, expires in {}s", p->ref, to_string(m), p->interval.count(),
                  lifetime.count());
  }
  asio::co_spawn(p->strand, st->poll_loop(p), core::log_exceptions{st->log, "login poll"});
  start_info info;
  info.used = m;
  info.expires_in = lifetime;
  info.otp_sent_to = std::move(started->otp_sent_to);
  info.otp_length = started->otp_length;
  co_return info;
}

asio::awaitable<result<otp_result>> flow::verify_otp(conversation_key key, core::secret_string otp) {
  auto st = state_;
  auto p = st->find(key);
  if (!p || p->finished) co_return make_error_code(errc::no_login);
  if (!uses_code(p->m)) co_return make_error_code(errc::otp_not_expected);
  const std::string context = seal_context(key);
  auto answer = co_await p->client->verify_otp(p->polling_token, std::move(otp), context, p->traceparent);
  if (!answer) co_return answer.error();
  otp_result out;
  out.status = answer->status;
  out.attempts_left = answer->attempts_left;
  switch (answer->status) {
    case login_status::approved:
      if (st->claim(p)) {
        st->approve(p, *answer);
        st->finish_polled(p, outcome::approved);
      }
      break;
    case login_status::wrong_code:
      core::with_log_fields(
          {.conversation = p->key.conversation_id, .tenant = p->key.tenant, .trace_id = p->trace_id},
          [&] { st->log->info("login {}: wrong code, {} attempt(s) left", p->ref, answer->attempts_left); });
      if (answer->attempts_left == 0) {
        st->end(p, outcome::denied);
        out.status = login_status::denied;
      }
      break;
    case login_status::denied:
      st->end(p, outcome::denied);
      break;
    case login_status::expired:
      st->end(p, outcome::expired);
      break;
    case login_status::pending:
    case login_status::slow_down:
      co_return make_error_code(errc::bad_response);
  }
  co_return out;
}

bool flow::cancel(const conversation_key& key) {
  auto p = state_->find(key);
  if (!p || !state_->claim(p)) return false;
  state_->finish_polled(p, outcome::cancelled);
  return true;
}

bool flow::in_progress(const conversation_key& key) const { return state_->find(key) != nullptr; }

std::optional<method> flow::method_in_progress(const conversation_key& key) const {
  auto p = state_->find(key);
  if (!p) return std::nullopt;
  return p->m;
}

bool flow::logged_in(const conversation_key& key) const { return state_->vault.contains(key); }

asio::awaitable<result<void>> flow::logout(conversation_key key) {
  auto st = state_;
  auto entry = st->vault.take(key);
  if (!entry) co_return make_error_code(errc::not_logged_in);
  auto* client = st->client_for(key.tenant);
  if (!client) co_return make_error_code(errc::unknown_tenant);
  auto r = co_await client->logout(entry->token);
  if (!r)
    core::with_log_fields({.conversation = key.conversation_id, .tenant = key.tenant}, [&] {
      st->log->warn("login: logout at the bank failed ({}); the token is wiped here anyway", r.error().message());
    });
  co_return r;
}

asio::awaitable<void> flow::end_conversation(conversation_key key) {
  cancel(key);
  if (state_->vault.contains(key)) (void)co_await logout(key);
  state_->vault.erase(key);
}

void flow::forget(conversation_key key) {
  if (state_->stopping) return;
  asio::co_spawn(state_->io, end_conversation(std::move(key)), core::log_exceptions{state_->log, "login end"});
}

asio::awaitable<result<net::client_response>> flow::call_api(conversation_key key, net::client_request req) {
  auto st = state_;
  auto* client = st->client_for(key.tenant);
  if (!client) co_return make_error_code(errc::unknown_tenant);
  auto entry = st->vault.use(key);
  if (!entry) co_return make_error_code(errc::not_logged_in);
  auto res = co_await client->call(entry->token, std::move(req));
  entry.reset();
  if (!res) co_return res.error();
  if (res->status == 401) {
    st->vault.erase(key);
    core::with_log_fields({.conversation = key.conversation_id, .tenant = key.tenant}, [&] {
      st->log->info("login: the bank refused a token (401); wiped, the user logs in again");
    });
    co_return make_error_code(errc::token_rejected);
  }
  co_return res;
}

void flow::wake() {
  std::vector<std::shared_ptr<pending_login>> all;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [k, p] : state_->logins) all.push_back(p);
  }
  for (auto& p : all) asio::post(p->strand, [p] { p->timer.cancel(); });
}

void flow::start_sweeper() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->sweeping || state_->stopping) return;
    state_->sweeping = true;
  }
  asio::co_spawn(state_->sweep_timer.get_executor(), state_->sweep_loop(), core::log_exceptions{state_->log, "login sweep"});
}

void flow::count_outcomes(net::metrics_registry& metrics) {
  state_->metrics = &metrics;
  // Every series from zero, so that rate() and the alert on failures see the first one.
  std::vector<std::string> tenants;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [tenant, client] : state_->clients) tenants.push_back(tenant);
  }
  for (const auto& t : tenants) {
    for (const auto o : {outcome::approved, outcome::denied, outcome::expired, outcome::failed, outcome::cancelled}) {
      state_->count({t, ""}, to_string(o), 0);
    }
    state_->count({t, ""}, "start_failed", 0);
  }
}

void flow::shutdown() {
  if (state_->stopping.exchange(true)) return;
  std::map<conversation_key, std::shared_ptr<pending_login>> all;
  {
    std::lock_guard lock(state_->mutex);
    all.swap(state_->logins);
  }
  for (auto& entry : all) {
    auto& p = entry.second;  // not a structured binding: clang 14 cannot capture one in a lambda
    if (p->finished.exchange(true)) continue;
    asio::post(p->strand, [p] { p->timer.cancel(); });
    state_->count(p->key, to_string(outcome::cancelled));
    if (p->done) p->done(p->key, outcome::cancelled);
  }
  auto st = state_;
  asio::post(st->sweep_timer.get_executor(), [st] { st->sweep_timer.cancel(); });
  state_->vault.clear();
}

}  // namespace parley::login
