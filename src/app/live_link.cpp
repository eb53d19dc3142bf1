#include "live_link.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <exception>

namespace parley::app {

using boost::asio::awaitable;

namespace {

desk::link_status status_of(const boost::system::error_code& e) {
  if (!e) return desk::link_status::ok;
  if (e == channel::errc::not_found) return desk::link_status::not_found;
  if (e == channel::errc::wrong_state) return desk::link_status::wrong_state;
  if (e == channel::errc::bad_argument || e == channel::errc::too_large) return desk::link_status::bad_argument;
  return desk::link_status::unavailable;
}

}  // namespace

void live_link::attach(channel::service& channel, std::shared_ptr<desk::service> desk) {
  std::lock_guard lock(mutex_);
  desk_ = std::move(desk);
  channel_.store(&channel);
}

void live_link::detach() {
  std::lock_guard lock(mutex_);
  desk_.reset();
  channel_.store(nullptr);
}

std::shared_ptr<desk::service> live_link::desk() const {
  std::lock_guard lock(mutex_);
  return desk_;
}

result<std::unique_ptr<bus::subscription>> live_link::subscribe_activities(bus::bus& b,
                                                                           boost::asio::any_io_executor ex) {
  bus::subscription_options o;
  o.topic = std::string(channel::activity_topic);
  o.kind = bus::subscription_kind::fan_out;
  return b.subscribe(std::move(o), std::move(ex), [this](bus::message m) -> awaitable<error_code> {
    if (auto d = desk()) d->conversation_activity(m.tenant, m.key, m.seq, m.type, m.body);
    co_return error_code{};  // settled: a desk that missed it reads the transcript from the store
  });
}

namespace {

constexpr std::string_view desk_event_topic = "desk.event";

std::string_view scope_name(desk::desk_event::scope s) {
  switch (s) {
    case desk::desk_event::scope::tenant:
      return "tenant";
    case desk::desk_event::scope::actor:
      return "actor";
    case desk::desk_event::scope::conversation:
      return "conversation";
  }
  return "tenant";
}

}  // namespace

void live_link::publish(desk::desk_event e) {
  auto* b = bus_.load();
  if (!b) return;
  bus::message m;
  m.topic = std::string(desk_event_topic);
  m.tenant = std::move(e.tenant_id);
  m.key = e.conversation;
  m.type = std::move(e.type);
  boost::json::object body{{"scope", scope_name(e.to)}, {"key", std::move(e.key)}, {"data", std::move(e.data)}};
  m.body = boost::json::serialize(body);
  b->publish(std::move(m), [](error_code) {});  // a lost event costs the other desks a reload
}

result<std::unique_ptr<bus::subscription>> live_link::subscribe_desk_events(bus::bus& b,
                                                                            boost::asio::any_io_executor ex,
                                                                            std::weak_ptr<desk::service> desk) {
  bus::subscription_options o;
  o.topic = std::string(desk_event_topic);
  o.kind = bus::subscription_kind::fan_out;
  auto sub = b.subscribe(std::move(o), std::move(ex), [&b, desk](bus::message m) -> awaitable<error_code> {
    if (m.origin == b.node_id()) co_return error_code{};  // this node told its own desks already
    auto d = desk.lock();
    if (!d) co_return error_code{};
    boost::system::error_code ec;
    auto body = boost::json::parse(m.body, ec);
    const auto* fields = body.if_object();
    if (ec || !fields) co_return error_code{};  // settled: not ours to retry
    const auto* scope = fields->if_contains("scope");
    const auto* key = fields->if_contains("key");
    const auto* data = fields->if_contains("data");
    if (!scope || !scope->is_string() || !key || !key->is_string() || !data || !data->is_string()) {
      co_return error_code{};
    }
    desk::desk_event e;
    e.tenant_id = m.tenant;
    e.to = scope->get_string() == "actor"          ? desk::desk_event::scope::actor
           : scope->get_string() == "conversation" ? desk::desk_event::scope::conversation
                                                   : desk::desk_event::scope::tenant;
    e.key = std::string(key->get_string());
    e.conversation = m.key;
    e.type = m.type;
    e.data = std::string(data->get_string());
    d->relayed_event(e);
    co_return error_code{};
  });
  if (sub) bus_.store(&b);
  return sub;
}

void live_link::handoff_requested(const channel::handoff_request& r) {
  auto d = desk();
  if (!d) return;
  desk::handoff_notice n{r.tenant_id, r.conversation_id, r.activity_id, r.reason, r.failed_intent, r.queue, r.priority};
  // Never blocks the channel: the desk queues it on its own.
  boost::asio::co_spawn(
      io_, [d, n = std::move(n)]() mutable { return d->handoff_requested(std::move(n)); },
      core::log_exceptions{core::logger("app"), "live desk: handoff"});
}

void live_link::handoff_abandoned(std::string_view tenant_id, std::string_view conversation_id) {
  auto d = desk();
  if (!d) return;
  boost::asio::co_spawn(
      io_,
      [d, t = std::string(tenant_id), c = std::string(conversation_id)]() mutable {
        return d->handoff_abandoned(std::move(t), std::move(c));
      },
      core::log_exceptions{core::logger("app"), "live desk: abandoned"});
}

awaitable<desk::link_result> live_link::accept(std::string tenant_id, std::string conversation_id,
                                               std::string display_name) {
  auto* c = channel_.load();
  if (!c) co_return desk::link_result{};
  auto r = co_await c->accept_handoff(std::move(tenant_id), std::move(conversation_id), std::move(display_name));
  co_return desk::link_result{status_of(r ? boost::system::error_code{} : r.error()), {}};
}

awaitable<desk::link_result> live_link::send(std::string tenant_id, std::string conversation_id,
                                             std::string display_name, bool typing, std::string text) {
  auto* c = channel_.load();
  if (!c) co_return desk::link_result{};
  auto r = co_await c->send_as_consultant(std::move(tenant_id), std::move(conversation_id), std::move(display_name),
                                          typing, std::move(text));
  if (!r) co_return desk::link_result{status_of(r.error()), {}};
  co_return desk::link_result{desk::link_status::ok, std::move(*r)};
}

awaitable<desk::link_result> live_link::update(std::string tenant_id, std::string conversation_id,
                                               std::uint32_t position, std::chrono::seconds estimated_wait) {
  auto* c = channel_.load();
  if (!c) co_return desk::link_result{};
  auto r = co_await c->update_handoff(std::move(tenant_id), std::move(conversation_id), position, estimated_wait);
  co_return desk::link_result{status_of(r ? boost::system::error_code{} : r.error()), {}};
}

awaitable<desk::link_result> live_link::transfer(std::string tenant_id, std::string conversation_id,
                                                 std::string display_name) {
  auto* c = channel_.load();
  if (!c) co_return desk::link_result{};
  auto r = co_await c->transfer_handoff(std::move(tenant_id), std::move(conversation_id), std::move(display_name));
  co_return desk::link_result{status_of(r ? boost::system::error_code{} : r.error()), {}};
}

awaitable<desk::link_result> live_link::end(std::string tenant_id, std::string conversation_id, bool completed,
                                            std::string message, std::string resume_intent) {
  auto* c = channel_.load();
  if (!c) co_return desk::link_result{};
  auto r = co_await c->end_handoff(std::move(tenant_id), std::move(conversation_id),
                                   completed ? channel::handoff_outcome::completed : channel::handoff_outcome::failed,
                                   std::move(message), std::move(resume_intent));
  co_return desk::link_result{status_of(r ? boost::system::error_code{} : r.error()), {}};
}

}  // namespace parley::app
