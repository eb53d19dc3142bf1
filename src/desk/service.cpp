// desk::service: construction, start/stop and the background loops (sweeper, open desks' checks).
#include "service_impl.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/desk/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace parley::desk {

namespace asio = boost::asio;
using asio::awaitable;

service::impl::impl(options o, dependencies d)
    : opts(std::move(o)),
      deps(d),
      log(core::logger("desk")),
      sign_in_limiter({.tokens_per_second = 1.0, .burst = 20.0, .max_keys = 50'000}, d.clock),
      loop_strand(asio::make_strand(d.io)),
      sweep_timer(loop_strand),
      check_timer(loop_strand),
      send_limiter({.tokens_per_second = 5.0, .burst = 30.0, .max_keys = 50'000}, d.clock),
      answer_timer(asio::make_strand(d.io)) {
  for (const auto& t : opts.tenants) idps.emplace(t.id, std::make_unique<detail::idp>(t, opts, deps.http, deps.clock));
}

detail::idp* service::impl::find_idp(std::string_view tenant) const {
  auto it = idps.find(tenant);
  return it == idps.end() ? nullptr : it->second.get();
}

bool service::impl::origin_allowed(std::string_view origin) const {
  return std::find(origins.begin(), origins.end(), origin) != origins.end();
}

std::string service::impl::cookie(std::string_view name, std::string value, net::same_site same_site,
                                  std::optional<std::chrono::seconds> max_age) {
  net::set_cookie c;
  c.name = std::string(name);
  c.value = std::move(value);
  c.same_site = same_site;
  c.max_age = max_age;
  auto formatted = net::format_set_cookie(c);
  PARLEY_CHECK(formatted.has_value(), "a desk cookie that does not format");
  return std::move(*formatted);
}

service::service(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
service::~service() = default;

std::shared_ptr<service> service::create(options o, dependencies deps) {
  auto i = std::make_unique<impl>(std::move(o), deps);
  auto* raw = i.get();
  std::shared_ptr<service> s(new service(std::move(i)));
  std::weak_ptr<service> weak = s;
  raw->sessions = std::make_unique<detail::session_manager>(
      raw->opts, detail::session_dependencies{
                     deps.sessions, deps.conversations, deps.audit, deps.clock, deps.random,
                     [raw](std::string_view tenant) { return raw->find_idp(tenant); },
                     [weak](const std::string& tenant, const std::string& ref, detail::end_reason reason) {
                       auto self = weak.lock();
                       if (!self) return;
                       self->impl_->hub.end_session(tenant, ref, detail::to_string(reason));
                       self->session_left_live(tenant, ref);
                     }});
  return s;
}

void service::add_routes(net::router& r) {
  auto self = shared_from_this();
  add_app_routes(r, self);
  add_auth_routes(r, self);
  add_api_routes(r, self);
  add_live_routes(r, self);
}

bool service::start(const std::string& listener_url) {
  auto& i = *impl_;
  i.public_url = i.opts.public_url.empty() ? listener_url : i.opts.public_url;
  while (!i.public_url.empty() && i.public_url.back() == '/') i.public_url.pop_back();
  if (!acceptable_url(i.public_url) || origin_of(i.public_url).empty()) {
    i.log->error("desk: {} is not a usable public URL ([desk] public_url)", i.public_url);
    return false;
  }
  i.origins = {origin_of(i.public_url)};
  for (const auto& o : i.opts.allowed_origins) i.origins.push_back(o);
  for (auto& [id, provider] : i.idps) {
    const auto& t = provider->tenant();
    provider->set_uris(
        t.redirect_uri.empty() ? i.public_url + "/desk/callback/" + id : t.redirect_uri,
        t.post_logout_redirect_uri.empty() ? i.public_url + "/desk/signed-out" : t.post_logout_redirect_uri);
  }
  if (i.started.exchange(true)) return true;
  auto self = shared_from_this();
  // The loops hold the service; stop() ends them.
  asio::co_spawn(
      i.loop_strand,
      [self]() -> awaitable<void> {
        auto& x = *self->impl_;
        while (!x.stopped) {
          x.sweep_timer.expires_after(x.opts.sweep_interval);
          co_await x.sweep_timer.async_wait(core::use_tuple);
          if (x.stopped) break;
          co_await self->sweep();
        }
      },
      core::log_exceptions{i.log, "desk sweeper"});
  asio::co_spawn(
      i.loop_strand,
      [self]() -> awaitable<void> {
        auto& x = *self->impl_;
        while (!x.stopped) {
          x.check_timer.expires_after(x.opts.events_check_interval);
          co_await x.check_timer.async_wait(core::use_tuple);
          if (x.stopped) break;
          co_await self->check_open_desks();
        }
      },
      core::log_exceptions{i.log, "desk session checks"});
  if (i.deps.queue != nullptr) {
    asio::co_spawn(
        i.answer_timer.get_executor(),
        [self]() -> awaitable<void> {
          auto& x = *self->impl_;
          while (!x.stopped) {
            x.answer_timer.expires_after(x.opts.queue_check_interval);
            co_await x.answer_timer.async_wait(core::use_tuple);
            if (x.stopped) break;
            co_await self->check_queues();
          }
        },
        core::log_exceptions{i.log, "desk queue checks"});
  }
  return true;
}

void service::stop() {
  auto& i = *impl_;
  if (i.stopped.exchange(true)) return;
  asio::post(i.loop_strand, [self = shared_from_this()] {
    self->impl_->sweep_timer.cancel();
    self->impl_->check_timer.cancel();
  });
  asio::post(i.answer_timer.get_executor(), [self = shared_from_this()] { self->impl_->answer_timer.cancel(); });
  i.hub.close_all();
}

awaitable<void> service::sweep() {
  co_await impl_->sessions->sweep();
}

awaitable<void> service::check_open_desks() {
  for (const auto& [tenant, ref] : impl_->hub.sessions()) {
    auto s = co_await impl_->sessions->check(tenant, ref);
    if (!s && s.error() == errc::no_session) impl_->hub.end_session(tenant, ref, "ended");
  }
}

std::size_t service::open_desks() const {
  return impl_->hub.size();
}

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::consultant:
      return "consultant";
    case role::supervisor:
      return "supervisor";
    case role::admin:
      return "admin";
  }
  return "consultant";
}

std::optional<role> role_from_string(std::string_view s) noexcept {
  if (s == "consultant") return role::consultant;
  if (s == "supervisor") return role::supervisor;
  if (s == "admin") return role::admin;
  return std::nullopt;
}

}  // namespace parley::desk
