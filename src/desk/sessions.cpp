// Consultants' sessions and their audit entries (sessions.hpp).
#include "sessions.hpp"

#include "secrets.hpp"

#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/desk/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace parley::desk::detail {

using boost::asio::awaitable;
using std::chrono::system_clock;

namespace {

constexpr auto touch_granularity = std::chrono::seconds{10};
constexpr auto settings_ttl = std::chrono::seconds{30};
constexpr std::size_t max_seen_jti = 10'000;

std::shared_ptr<spdlog::logger> log() {
  static auto l = core::logger("desk");
  return l;
}

// The sealed part of a session (store::desk_session::data).
struct session_data {
  std::string issuer;
  std::string subject;
  std::string name;
  desk::role role = desk::role::consultant;
  std::string id_token;
  std::string refresh_token;
  long long refreshed_at = 0;  // unix seconds of the last successful sign-in or refresh

  ~session_data() {
    crypto::secure_wipe(id_token);
    crypto::secure_wipe(refresh_token);
  }
  [[nodiscard]] std::string to_json() const {
    boost::json::object o;
    o["v"] = 1;
    o["iss"] = issuer;
    o["sub"] = subject;
    o["name"] = name;
    o["role"] = to_string(role);
    o["id_token"] = id_token;
    o["refresh_token"] = refresh_token;
    o["refreshed_at"] = refreshed_at;
    return boost::json::serialize(o);
  }
  static std::optional<session_data> parse(std::string_view json) {
    auto o = core::parse_json_object(json, {.max_bytes = 64 * 1024, .max_depth = 4});
    if (!o) return std::nullopt;
    session_data d;
    d.issuer = std::string(core::get_string(*o, "iss").value_or(""));
    d.subject = std::string(core::get_string(*o, "sub").value_or(""));
    d.name = std::string(core::get_string(*o, "name").value_or(""));
    auto r = role_from_string(core::get_string(*o, "role").value_or(""));
    d.id_token = std::string(core::get_string(*o, "id_token").value_or(""));
    d.refresh_token = std::string(core::get_string(*o, "refresh_token").value_or(""));
    d.refreshed_at = core::get_int(*o, "refreshed_at").value_or(0);
    for (auto& [k, v] : *o) {
      if (v.is_string()) {
        auto& s = v.get_string();
        crypto::secure_wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(s.data()), s.size()));
      }
    }
    if (!r || d.issuer.empty() || d.subject.empty()) return std::nullopt;
    d.role = *r;
    return d;
  }
};

std::string details_of(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  boost::json::object o;
  for (const auto& [k, v] : fields) o[k] = v;
  return boost::json::serialize(o);
}

std::string sid_ref_of(std::string_view issuer, std::string_view sid) {
  if (sid.empty()) return {};
  std::string in(issuer);
  in.push_back('\0');
  in.append(sid);
  return hash_ref("sid", in);
}

}  // namespace

std::string_view to_string(end_reason r) noexcept {
  switch (r) {
    case end_reason::signed_out:
      return "signed_out";
    case end_reason::backchannel:
      return "backchannel";
    case end_reason::idle:
      return "idle";
    case end_reason::absolute:
      return "absolute";
    case end_reason::timeout:
      return "timeout";
    case end_reason::refresh_refused:
      return "refresh_refused";
    case end_reason::role_removed:
      return "role_removed";
    case end_reason::idp_unreachable:
      return "idp_unreachable";
    case end_reason::replaced:
      return "replaced";
    case end_reason::corrupt:
      return "corrupt";
  }
  return "unknown";
}

signed_out::~signed_out() {
  crypto::secure_wipe(id_token);
}

session_manager::session_manager(const options& o, session_dependencies deps) : opts_(o), deps_(std::move(deps)) {}

audit::entry session_entry(std::string_view tenant, std::string_view actor, std::string_view actor_role,
                           std::string_view source, std::string_view event, std::string details) {
  audit::entry e;
  e.tenant_id = std::string(tenant);
  e.event = std::string(event);
  e.actor = actor.empty() ? std::string("anonymous") : std::string(actor);
  e.actor_role = actor.empty() ? std::string() : std::string(actor_role);
  e.source = std::string(source.substr(0, audit::max_field_size));
  e.details = std::move(details);
  return e;
}

audit::entry entry_for(const desk::caller& who, std::string_view event, std::string_view subject, std::string details) {
  auto e = session_entry(who.tenant_id, who.actor, to_string(who.role), who.source, event, std::move(details));
  e.subject = std::string(subject);
  return e;
}

awaitable<result<void>> session_manager::record(audit::entry e) {
  const std::string tenant = e.tenant_id;
  const std::string event = e.event;
  auto r = co_await deps_.audit.append(std::move(e));
  if (!r) {
    log()->error("desk: tenant {}: audit entry {} not written: {}", tenant, event, r.error().message());
    co_return r.error();
  }
  co_return result<void>{};
}

awaitable<result<void>> session_manager::ensure_tenant(const std::string& tenant) {
  {
    std::lock_guard lock(mutex_);
    if (ensured_.count(tenant)) co_return result<void>{};
  }
  auto r = co_await deps_.conversations.ensure_tenant(tenant);
  if (!r) co_return r.error();
  std::lock_guard lock(mutex_);
  ensured_.insert(tenant);
  co_return result<void>{};
}

awaitable<result<tenant_settings>> session_manager::settings(const std::string& tenant) {
  {
    std::lock_guard lock(mutex_);
    auto it = settings_.find(tenant);
    if (it != settings_.end() && deps_.clock.steady_now() - it->second.at < settings_ttl) co_return it->second.value;
  }
  tenant_settings out{opts_.idle_timeout, opts_.absolute_timeout, 0};
  auto stored = co_await deps_.store.get_desk_settings(tenant);
  if (!stored) {
    // Unreadable settings fall back to the [desk] limits, which bound them anyway.
    log()->warn("desk: tenant {}: settings unreadable ({}); using the defaults", tenant, stored.error().message());
  } else if (*stored) {
    out.version = (*stored)->version;
    if (auto o = core::parse_json_object((*stored)->data, {.max_bytes = 64 * 1024, .max_depth = 4})) {
      if (auto m = core::get_int(*o, "idle_timeout_minutes")) {
        out.idle_timeout =
            std::min<std::chrono::seconds>(opts_.idle_timeout, std::chrono::minutes(std::max<std::int64_t>(1, *m)));
      }
      if (auto h = core::get_int(*o, "absolute_timeout_hours")) {
        out.absolute_timeout =
            std::min<std::chrono::seconds>(opts_.absolute_timeout, std::chrono::hours(std::max<std::int64_t>(1, *h)));
      }
    }
  }
  std::lock_guard lock(mutex_);
  settings_[tenant] = {out, deps_.clock.steady_now()};
  co_return out;
}

void session_manager::forget_settings(const std::string& tenant) {
  std::lock_guard lock(mutex_);
  settings_.erase(tenant);
}

awaitable<result<std::string>> session_manager::create(const std::string& tenant, const identity& who, token_set tokens,
                                                       std::optional<std::string> previous_cookie, std::string source) {
  if (auto e = co_await ensure_tenant(tenant); !e) co_return e.error();
  auto limits = co_await settings(tenant);
  if (!limits) co_return limits.error();
  // Rotation: whatever session the browser held ends now; a planted id was never a session.
  if (previous_cookie) {
    const auto dot = previous_cookie->find('.');
    const std::string old_tenant = previous_cookie->substr(0, dot);
    const std::string secret = dot == std::string::npos ? std::string() : previous_cookie->substr(dot + 1);
    if (deps_.find_idp(old_tenant) && well_formed_token(secret)) {
      // Named arguments only in co_await calls (GCC 12 destroys temporaries there twice, PR 99576).
      std::string old_ref = hash_ref("session", secret);
      auto old = co_await deps_.store.get_desk_session(old_tenant, std::move(old_ref));
      if (old) {
        const auto d = session_data::parse(old->data);
        const std::string old_role = d ? std::string(to_string(d->role)) : std::string();
        co_await end(*old, old_role, end_reason::replaced, source);
      }
    }
  }
  const auto now = deps_.clock.now();
  const std::string secret = random_token(deps_.random);
  store::desk_session s;
  s.tenant_id = tenant;
  s.ref = hash_ref("session", secret);
  s.subject_ref = who.actor;
  s.sid_ref = sid_ref_of(who.issuer, who.sid);
  s.created = now;
  s.last_seen = now;
  s.expires = now + limits->absolute_timeout;
  s.refresh_due = tokens.refresh_token.empty() ? s.expires : now + opts_.refresh_interval;
  session_data d;
  d.issuer = who.issuer;
  d.subject = who.subject;
  d.name = who.name;
  d.role = who.role;
  d.id_token = std::move(tokens.id_token);
  d.refresh_token = std::move(tokens.refresh_token);
  d.refreshed_at = core::unix_seconds(now);
  s.data = d.to_json();

  const desk::caller c{tenant, who.role, who.actor, who.name, s.ref, source};
  // Fail closed: no audit entry, no session.
  auto entry = entry_for(c, "desk.sign_in", {}, details_of({{"session", std::string_view(s.ref).substr(0, 12)}}));
  auto logged = co_await record(std::move(entry));
  if (!logged) {
    crypto::secure_wipe(s.data);
    co_return logged.error();
  }
  auto stored = co_await deps_.store.create_desk_session(std::move(s));
  if (!stored) {
    log()->error("desk: tenant {}: session not stored: {}", tenant, stored.error().message());
    co_return stored.error();
  }
  co_return tenant + "." + secret;
}

awaitable<void> session_manager::end(const store::desk_session& s, const std::string& actor_role, end_reason reason,
                                     std::string source) {
  const bool expired = reason == end_reason::idle || reason == end_reason::absolute || reason == end_reason::timeout;
  const bool revoked = reason == end_reason::refresh_refused || reason == end_reason::role_removed ||
                       reason == end_reason::idp_unreachable || reason == end_reason::corrupt;
  const std::string event = expired ? "desk.session_expired" : revoked ? "desk.session_revoked" : "desk.sign_out";
  // Ended whatever the audit sink says: an ending must never be held back (its failure is logged).
  auto entry =
      session_entry(s.tenant_id, s.subject_ref, actor_role, source, event,
                    details_of({{"reason", to_string(reason)}, {"session", std::string_view(s.ref).substr(0, 12)}}));
  (void)co_await record(std::move(entry));
  auto deleted = co_await deps_.store.delete_desk_session(s.tenant_id, s.ref);
  if (!deleted) log()->error("desk: tenant {}: session not deleted: {}", s.tenant_id, deleted.error().message());
  if (deps_.on_ended) deps_.on_ended(s.tenant_id, s.ref, reason);
}

awaitable<result<active_session>> session_manager::authenticate(std::string cookie_value, bool activity,
                                                                std::string source) {
  const auto dot = cookie_value.find('.');
  if (dot == std::string::npos) co_return make_error_code(errc::no_session);
  const std::string tenant = cookie_value.substr(0, dot);
  const std::string_view secret = std::string_view(cookie_value).substr(dot + 1);
  if (!deps_.find_idp(tenant) || !well_formed_token(secret)) co_return make_error_code(errc::no_session);
  std::string ref = hash_ref("session", secret);
  auto s = co_await deps_.store.get_desk_session(tenant, std::move(ref));
  crypto::secure_wipe(cookie_value);
  if (!s) {
    if (s.error() == store::errc::not_found) co_return make_error_code(errc::no_session);
    co_return s.error();
  }
  co_return co_await examine(std::move(*s), activity, std::move(source));
}

awaitable<result<active_session>> session_manager::check(std::string tenant, std::string ref) {
  auto s = co_await deps_.store.get_desk_session(tenant, ref);
  if (!s) {
    if (s.error() == store::errc::not_found) co_return make_error_code(errc::no_session);
    co_return s.error();
  }
  std::string no_source;  // a named argument: GCC 12, PR 99576
  co_return co_await examine(std::move(*s), false, std::move(no_source));
}

awaitable<result<active_session>> session_manager::examine(store::desk_session s, bool activity, std::string source) {
  auto limits = co_await settings(s.tenant_id);
  if (!limits) co_return limits.error();
  const auto now = deps_.clock.now();
  auto data = session_data::parse(s.data);
  crypto::secure_wipe(s.data);
  if (!data) {
    const std::string unknown_role;
    co_await end(s, unknown_role, end_reason::corrupt, source);
    co_return make_error_code(errc::no_session);
  }
  const std::string role_name(to_string(data->role));
  if (now >= s.expires) {
    co_await end(s, role_name, end_reason::absolute, source);
    co_return make_error_code(errc::no_session);
  }
  if (now - s.last_seen >= limits->idle_timeout) {
    co_await end(s, role_name, end_reason::idle, source);
    co_return make_error_code(errc::no_session);
  }
  if (now >= s.refresh_due && !data->refresh_token.empty()) {
    // One node refreshes: the store's compare-and-set on refresh_due picks it.
    auto claimed = co_await deps_.store.claim_desk_session_refresh(s.tenant_id, s.ref, s.refresh_due,
                                                                   now + opts_.refresh_interval);
    if (claimed && *claimed) {
      auto* provider = deps_.find_idp(s.tenant_id);
      result<token_set> fresh = make_error_code(errc::idp_unavailable);
      if (provider) fresh = co_await provider->refresh(data->refresh_token);
      std::optional<end_reason> ended;
      if (fresh) {
        if (!fresh->id_token.empty()) {
          std::optional<std::string> no_nonce;  // a refreshed ID token; a named argument (PR 99576)
          auto who = co_await provider->validate_id_token(fresh->id_token, std::move(no_nonce));
          if (!who) {
            ended = who.error() == errc::no_role ? end_reason::role_removed : end_reason::refresh_refused;
          } else if (who->subject != data->subject) {
            ended = end_reason::refresh_refused;
          } else {
            data->role = who->role;
            data->name = who->name;
            data->id_token = fresh->id_token;
          }
        }
        if (!ended) {
          if (!fresh->refresh_token.empty()) data->refresh_token = fresh->refresh_token;
          data->refreshed_at = core::unix_seconds(now);
          std::string json = data->to_json();
          auto updated = co_await deps_.store.update_desk_session(s.tenant_id, s.ref, json);
          crypto::secure_wipe(json);
          if (!updated)
            log()->warn("desk: tenant {}: refreshed session not saved: {}", s.tenant_id, updated.error().message());
        }
      } else if (fresh.error() == errc::refresh_refused) {
        ended = end_reason::refresh_refused;
      } else if (now - system_clock::time_point(std::chrono::seconds(data->refreshed_at)) > opts_.refresh_grace) {
        ended = end_reason::idp_unreachable;
      }
      if (ended) {
        co_await end(s, role_name, *ended, source);
        co_return make_error_code(errc::no_session);
      }
    }
  }
  auto last_seen = s.last_seen;
  if (activity && now - s.last_seen >= touch_granularity) {
    auto touched = co_await deps_.store.touch_desk_session(s.tenant_id, s.ref, now);
    if (touched) last_seen = now;
  } else if (activity) {
    last_seen = std::max(last_seen, now - touch_granularity);
  }
  active_session out;
  out.caller = desk::caller{s.tenant_id, data->role, s.subject_ref, data->name, s.ref, std::move(source)};
  out.idle_deadline = std::min(last_seen + limits->idle_timeout, s.expires);
  out.absolute_deadline = s.expires;
  co_return out;
}

awaitable<result<signed_out>> session_manager::sign_out(const desk::caller& who) {
  auto s = co_await deps_.store.get_desk_session(who.tenant_id, who.session_ref);
  if (!s) co_return s.error() == store::errc::not_found ? make_error_code(errc::no_session) : s.error();
  signed_out out;
  out.tenant_id = who.tenant_id;
  if (auto d = session_data::parse(s->data)) out.id_token = d->id_token;
  crypto::secure_wipe(s->data);
  const std::string role_name(to_string(who.role));
  co_await end(*s, role_name, end_reason::signed_out, who.source);
  co_return out;
}

awaitable<result<std::size_t>> session_manager::back_channel_logout(const std::string& tenant,
                                                                    const logout_request& request) {
  auto* provider = deps_.find_idp(tenant);
  if (!provider) co_return make_error_code(errc::unknown_tenant);
  {
    // OIDC Back-Channel Logout §2.6 (10): a jti seen before is a replay.
    std::lock_guard lock(mutex_);
    const auto now = deps_.clock.now();
    std::erase_if(seen_jti_, [&](const auto& kv) { return kv.second < now; });
    if (seen_jti_.size() >= max_seen_jti) seen_jti_.erase(seen_jti_.begin());
    if (!seen_jti_.emplace(tenant + '\0' + request.jti, request.expires + std::chrono::minutes{2}).second) {
      co_return make_error_code(errc::bad_token);
    }
  }
  const std::string& issuer = provider->tenant().issuer;
  const std::string subject_ref = request.subject.empty() ? std::string() : actor_id(issuer, request.subject);
  std::string sid_ref = sid_ref_of(issuer, request.sid);
  auto ended = co_await deps_.store.delete_desk_sessions(tenant, subject_ref, std::move(sid_ref));
  if (!ended) co_return ended.error();
  for (const auto& k : *ended) {
    auto entry =
        session_entry(tenant, k.subject_ref, {}, {}, "desk.sign_out",
                      details_of({{"reason", "backchannel"}, {"session", std::string_view(k.ref).substr(0, 12)}}));
    (void)co_await record(std::move(entry));
    if (deps_.on_ended) deps_.on_ended(k.tenant_id, k.ref, end_reason::backchannel);
  }
  co_return ended->size();
}

awaitable<void> session_manager::sweep() {
  const auto now = deps_.clock.now();
  for (const auto& t : opts_.tenants) {
    auto limits = co_await settings(t.id);
    if (!limits) continue;
    auto purged = co_await deps_.store.purge_desk_sessions(t.id, now, now - limits->idle_timeout);
    if (!purged) {
      log()->warn("desk: tenant {}: sweep failed: {}", t.id, purged.error().message());
      continue;
    }
    for (const auto& k : *purged) {
      auto entry =
          session_entry(t.id, k.subject_ref, {}, {}, "desk.session_expired",
                        details_of({{"reason", "timeout"}, {"session", std::string_view(k.ref).substr(0, 12)}}));
      (void)co_await record(std::move(entry));
      if (deps_.on_ended) deps_.on_ended(k.tenant_id, k.ref, end_reason::timeout);
    }
  }
}

}  // namespace parley::desk::detail
