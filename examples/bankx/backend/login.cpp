#include <bankx/login.hpp>

#include <parley/core/log.hpp>
#include <parley/crypto/primitives.hpp>

#include <algorithm>

namespace bankx {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct login_service::login {
  std::string id;      // public id the phone sees
  std::string log_id;  // hash prefix of the polling token
  std::string customer_id;
  bool can_approve = false;  // a known customer with this method enrolled
  login_method method = login_method::push;
  std::string conversation_ref;
  std::chrono::system_clock::time_point created_wall;
  steady::time_point created, expires, last_poll;
  std::chrono::seconds interval{0};
  enum class state { pending, approved, denied } status = state::pending;
  std::string code;  // otp_sms / otp_email
  int attempts_left = 0;
};

namespace {

std::shared_ptr<spdlog::logger> log() { return parley::core::logger("bankx"); }

std::string key_of(std::string_view polling_token) {
  const auto d = parley::crypto::sha256(polling_token);
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

bool is_otp(login_method m) {
  return m == login_method::otp_sms || m == login_method::otp_email || m == login_method::totp;
}

bool approved_on_phone(login_method m) { return m == login_method::push || m == login_method::ussd; }

std::chrono::seconds ceil_seconds(std::chrono::milliseconds ms) {
  return std::chrono::ceil<std::chrono::seconds>(std::max(ms, 1000ms));
}

long long ms_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

parley::net::rate_limit_options per_window(int count, std::chrono::seconds window) {
  parley::net::rate_limit_options o;
  o.burst = count;
  o.tokens_per_second = static_cast<double>(count) / static_cast<double>(window.count());
  return o;
}

}  // namespace

std::string_view to_string(login_status s) noexcept {
  switch (s) {
    case login_status::pending: return "pending";
    case login_status::slow_down: return "slow_down";
    case login_status::approved: return "approved";
    case login_status::denied: return "denied";
    case login_status::expired: return "expired";
  }
  return "expired";
}

login_service::login_service(const std::vector<customer>& customers, const options& opts, token_store& access_tokens,
                             authenticator& authenticators, outbox& messages, const parley::core::clock& clock,
                             parley::core::random_source& rng)
    : opts_(opts),
      access_tokens_(access_tokens),
      authenticators_(authenticators),
      outbox_(messages),
      clock_(clock),
      rng_(rng),
      start_limiter_(per_window(opts.logins_per_customer, opts.login_start_window), clock),
      otp_limiter_(per_window(opts.otp_attempts_per_customer, opts.otp_attempt_window), clock) {
  for (const auto& c : customers) profiles_.emplace(c.id, profile{c.phone, c.email, c.methods});
  rng_.fill(hint_key_);
}

login_service::~login_service() { parley::crypto::secure_wipe(hint_key_); }

bool login_service::can_approve(const std::string& customer_id, login_method m) const {
  const auto it = profiles_.find(customer_id);
  if (it == profiles_.end()) return false;
  const auto& methods = it->second.methods;
  if (std::find(methods.begin(), methods.end(), m) == methods.end()) return false;
  return m != login_method::totp || authenticators_.active(customer_id);
}

std::string login_service::masked_destination(const std::string& customer_id, login_method m) const {
  if (m != login_method::otp_sms && m != login_method::otp_email) return {};
  if (can_approve(customer_id, m)) {
    const auto& p = profiles_.find(customer_id)->second;
    if (m == login_method::otp_sms) return p.phone.substr(0, 3) + "*******" + p.phone.substr(p.phone.size() - 3);
    const auto at = p.email.find('@');
    return p.email.substr(0, 1) + "***" + p.email.substr(at == std::string::npos ? p.email.size() : at);
  }
  // Unknown customers (or methods they have not enrolled) get a hint of the same shape, stable
  // per identifier, so that the answer never tells whether the customer exists.
  const auto mac = parley::crypto::hmac_sha256(hint_key_, parley::crypto::as_bytes(customer_id));
  if (m == login_method::otp_sms) {
    std::string digits;
    for (int i = 0; i < 3; ++i) digits += static_cast<char>('0' + mac[static_cast<std::size_t>(i)] % 10);
    return "+44*******" + digits;
  }
  return customer_id.substr(0, 1) + "***@mail.example";
}

void login_service::send_code(const login& l) {
  const auto& p = profiles_.find(l.customer_id)->second;
  const std::string minutes = std::to_string(std::max<long long>(1, opts_.login_lifetime.count() / 60));
  outbox_message msg;
  msg.sent = clock_.now();
  msg.text = "BankX: " + l.code + " is your login code for the BankX chat. It expires in " + minutes +
             " minutes. Only enter it in the chat login you started yourself; BankX staff never ask for it.";
  if (l.method == login_method::otp_sms) {
    msg.channel = outbox_message::kind::sms;
    msg.to = p.phone;
  } else {
    msg.channel = outbox_message::kind::email;
    msg.to = p.email;
    msg.subject = "Your BankX login code";
  }
  outbox_.send(l.customer_id, std::move(msg));
}

void login_service::purge_locked(steady::time_point now) {
  if (now < next_purge_) return;
  next_purge_ = now + 1s;
  std::erase_if(logins_, [now](const auto& kv) { return kv.second.expires <= now; });
}

std::map<std::string, login_service::login, std::less<>>::iterator login_service::find_locked(
    std::string_view polling_token) {
  // A polling token has a fixed shape; anything else cannot be one (and is not hashed).
  if (polling_token.size() != 4 + 43 || polling_token.substr(0, 4) != "bxp_") return logins_.end();
  return logins_.find(key_of(polling_token));
}

parley::result<start_result> login_service::start(const start_request& req, refusal* details) {
  const auto allowed = start_limiter_.take(req.customer_id);
  if (!allowed.allowed) {
    if (details) details->retry_after = ceil_seconds(allowed.retry_after);
    log()->warn("startLogin refused: too many logins for one customer identifier");
    return errc::too_many_requests;
  }
  start_result out;
  out.polling_token = parley::core::random_id(rng_, "bxp_", 32);
  login l;
  l.id = parley::core::random_id(rng_, "lr_", 16);
  l.log_id = token_log_id(out.polling_token);
  l.customer_id = req.customer_id;
  l.method = req.method;
  l.can_approve = can_approve(req.customer_id, req.method);
  l.conversation_ref = req.conversation_ref;
  l.created_wall = clock_.now();
  l.created = l.last_poll = clock_.steady_now();
  l.expires = l.created + opts_.login_lifetime;
  l.interval = opts_.polling_interval;
  l.attempts_left = opts_.otp_attempts_per_login;
  if (l.method == login_method::otp_sms || l.method == login_method::otp_email) {
    std::uint64_t bound = 1;
    for (int i = 0; i < opts_.otp_length; ++i) bound *= 10;
    l.code = std::to_string(parley::core::random_below(rng_, bound));
    l.code.insert(0, static_cast<std::size_t>(opts_.otp_length) - l.code.size(), '0');
  }
  out.interval = l.interval;
  out.expires_in = opts_.login_lifetime;
  out.otp_sent_to = masked_destination(l.customer_id, l.method);
  out.otp_length = l.method == login_method::totp ? authenticator::params.digits
                   : is_otp(l.method)             ? opts_.otp_length
                                                  : 0;
  {
    std::lock_guard lock(mutex_);
    purge_locked(l.created);
    if (logins_.size() >= opts_.max_pending_logins) {
      log()->error("startLogin refused: {} logins held (max_pending_logins)", logins_.size());
      return errc::temporarily_unavailable;
    }
    if (l.can_approve && !l.code.empty()) send_code(l);
    log()->info("login {} started: method {}, conversation {}", l.log_id, to_string(l.method), l.conversation_ref);
    logins_.emplace(key_of(out.polling_token), std::move(l));
  }
  return out;
}

parley::result<poll_result> login_service::finish_locked(std::map<std::string, login, std::less<>>::iterator it) {
  login& l = it->second;
  auto issued = access_tokens_.issue(l.customer_id);
  if (!issued) {
    log()->error("login {} approved but no access token could be issued: {}", l.log_id, issued.error().message());
    return issued.error();
  }
  log()->info("login {} approved for customer {} after {} ms; access token {} issued", l.log_id, l.customer_id,
              ms_between(l.created, clock_.steady_now()), token_log_id(issued->token));
  poll_result r;
  r.status = login_status::approved;
  r.access = std::move(*issued);
  logins_.erase(it);  // a polling token yields its access token once
  return r;
}

parley::result<poll_result> login_service::poll(std::string_view polling_token) {
  const auto now = clock_.steady_now();
  std::lock_guard lock(mutex_);
  purge_locked(now);
  const auto it = find_locked(polling_token);
  if (it == logins_.end()) return poll_result{login_status::expired, {}, {}};
  login& l = it->second;
  if (now >= l.expires) {
    log()->info("login {} expired after {} ms", l.log_id, ms_between(l.created, now));
    logins_.erase(it);
    return poll_result{login_status::expired, {}, {}};
  }
  if (l.status == login::state::denied) return poll_result{login_status::denied, {}, {}};
  if (l.status == login::state::approved) return finish_locked(it);
  const bool too_soon = now - l.last_poll + opts_.polling_jitter < l.interval;
  l.last_poll = now;
  if (too_soon) {
    const auto before = l.interval;
    l.interval = std::min(l.interval + opts_.slow_down_step, std::max(opts_.max_polling_interval, l.interval));
    // Once the interval stops growing, a client that keeps hammering is told so at debug level
    // only: a misbehaving poller must not be able to flood the log.
    log()->log(l.interval != before ? spdlog::level::info : spdlog::level::debug,
               "login {} polled too fast: slow_down, interval now {} s", l.log_id, l.interval.count());
    return poll_result{login_status::slow_down, l.interval, {}};
  }
  return poll_result{login_status::pending, l.interval, {}};
}

parley::result<poll_result> login_service::verify_otp(std::string_view polling_token, std::string_view code,
                                                      refusal* details) {
  const auto now = clock_.steady_now();
  std::lock_guard lock(mutex_);
  purge_locked(now);
  const auto it = find_locked(polling_token);
  if (it == logins_.end()) return poll_result{login_status::expired, {}, {}};
  login& l = it->second;
  if (now >= l.expires) {
    logins_.erase(it);
    return poll_result{login_status::expired, {}, {}};
  }
  if (!is_otp(l.method)) return errc::otp_not_expected;
  if (l.status == login::state::denied) return poll_result{login_status::denied, {}, {}};
  const std::size_t length = l.method == login_method::totp ? static_cast<std::size_t>(authenticator::params.digits)
                                                            : static_cast<std::size_t>(opts_.otp_length);
  if (code.size() != length || code.find_first_not_of("0123456789") != std::string_view::npos) {
    return errc::invalid_request;
  }
  // Every attempt counts against the customer identifier, known or not, right or wrong: guessing
  // across many parallel logins is as slow as guessing within one.
  const auto allowed = otp_limiter_.take(l.customer_id);
  if (!allowed.allowed) {
    if (details) details->retry_after = ceil_seconds(allowed.retry_after);
    log()->warn("login {}: code attempt refused, too many attempts for the customer identifier", l.log_id);
    return errc::too_many_attempts;
  }
  bool right = false;
  if (l.can_approve) {
    right = l.method == login_method::totp ? authenticators_.verify(l.customer_id, code)
                                           : parley::crypto::constant_time_equal(code, l.code);
  }
  if (right) {
    l.status = login::state::approved;
    return finish_locked(it);
  }
  l.attempts_left = std::max(0, l.attempts_left - 1);
  if (details) details->attempts_left = l.attempts_left;
  if (l.attempts_left == 0) {
    l.status = login::state::denied;
    log()->info("login {} denied: too many wrong codes", l.log_id);
  } else {
    log()->info("login {}: wrong code, {} attempt(s) left", l.log_id, l.attempts_left);
  }
  return errc::invalid_otp;
}

void login_service::logout(std::string_view access_token) {
  if (access_tokens_.revoke(access_token)) log()->info("access token {} revoked (logout)", token_log_id(access_token));
}

std::vector<login_request_view> login_service::pending_requests(std::string_view customer_id) const {
  const auto now = clock_.steady_now();
  std::vector<login_request_view> out;
  std::lock_guard lock(mutex_);
  for (const auto& [key, l] : logins_) {
    if (l.customer_id != customer_id || !l.can_approve || !approved_on_phone(l.method)) continue;
    if (l.status != login::state::pending || now >= l.expires) continue;
    out.push_back({l.id, l.method, l.created_wall, std::chrono::ceil<std::chrono::seconds>(l.expires - now)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
  return out;
}

parley::result<void> login_service::decide(std::string_view customer_id, std::string_view request_id, bool approve) {
  const auto now = clock_.steady_now();
  std::lock_guard lock(mutex_);
  for (auto& [key, l] : logins_) {
    if (l.id != request_id) continue;
    if (l.customer_id != customer_id || !l.can_approve || !approved_on_phone(l.method)) break;
    if (l.status != login::state::pending || now >= l.expires) return errc::login_not_pending;
    l.status = approve ? login::state::approved : login::state::denied;
    log()->info("login {} {} on the phone after {} ms", l.log_id, approve ? "approved" : "denied",
                ms_between(l.created, now));
    return {};
  }
  return errc::not_found;
}

std::size_t login_service::size() const {
  std::lock_guard lock(mutex_);
  return logins_.size();
}

}  // namespace bankx
