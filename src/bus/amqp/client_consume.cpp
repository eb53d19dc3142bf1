// Consuming: one receiver per subscription with manual credit (at most max_in_flight messages in
// handlers), each delivery settled after its handler ran: accepted, or released after
// redelivery_delay when it failed; undecodable or unauthenticated messages are rejected.
#include "client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <proton/receiver_options.hpp>
#include <proton/source_options.hpp>
#include <proton/target_options.hpp>

namespace parley::bus::amqp::detail {
namespace {

namespace asio = boost::asio;

// The handler is copied into this frame: it stays alive however long the message is handled.
asio::awaitable<error_code> run_handler(handler h, message m) {
  co_return co_await h(std::move(m));
}

std::vector<proton::symbol> symbols(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

void client::add(std::shared_ptr<subscription_record> s) {
  if (stopping_) return;
  auto& rec = *s;
  subs_.emplace(rec.id, std::move(s));
  if (links_opened_) open_receiver(rec);
  update_health();
}

void client::remove(std::uint64_t id) {
  const auto it = subs_.find(id);
  if (it == subs_.end()) return;
  auto& s = *it->second;
  s.closing = true;
  if (!s.open) {
    s.receiver = proton::receiver();
    subs_.erase(it);
    update_health();
    return;
  }
  detach_if_done(s);
}

void client::open_receiver(subscription_record& s) {
  proton::source_options source;
  source.address(s.where.address);
  if (s.where.durable) {
    source.durability_mode(proton::source::CONFIGURATION);
    source.expiry_policy(proton::source::NEVER);
  } else {
    source.durability_mode(proton::source::NONDURABLE);
    source.expiry_policy(proton::source::LINK_CLOSE);
  }
  if (!s.where.capabilities.empty()) source.capabilities(symbols(s.where.capabilities));
  proton::receiver_options o;
  // Credit by hand: a slot is given back only when a handler's message is settled.
  o.source(source).credit_window(0).auto_accept(false).name(s.where.link_name);
  s.receiver = session_.open_receiver(s.where.address, o);
  s.open = true;
}

subscription_record* client::find(const proton::receiver& r) {
  for (auto& [id, s] : subs_) {
    if (s->open && s->receiver == r) return s.get();
  }
  return nullptr;
}

void client::on_receiver_open(proton::receiver& r) {
  if (is_cbs(r)) {
    cbs_receiver_ready_ = true;
    r.add_credit(4);
    cbs_put_token();
    return;
  }
  auto* s = find(r);
  if (!s) return;
  if (r.source().address().empty()) return;  // refused: the detach with the reason follows
  s->attached = true;
  metrics_.set_link(s->label, true);
  if (!s->closing && s->in_flight < s->opts.max_in_flight) {
    r.add_credit(static_cast<std::uint32_t>(s->opts.max_in_flight - s->in_flight));
  }
  // After a loss, fan-out subscribers may have missed messages: they catch up from the store.
  if (s->ever_attached && s->opts.on_reattached) asio::post(s->ex, s->opts.on_reattached);
  s->ever_attached = true;
  update_health();
  if (s->closing) detach_if_done(*s);
}

void client::on_receiver_error(proton::receiver& r) {
  const auto* s = find(r);
  fail(r.error(), s ? "link " + s->label : std::string("link $cbs"));
}

void client::on_receiver_detach(proton::receiver& r) {
  on_receiver_close(r);
}

void client::on_receiver_close(proton::receiver& r) {
  if (is_cbs(r)) {
    cbs_receiver_ready_ = false;
    if (!stopping_) fail(r.error(), "link $cbs");
    return;
  }
  auto* s = find(r);
  if (!s) return;
  s->open = false;
  s->attached = false;
  s->receiver = proton::receiver();
  metrics_.set_link(s->label, false);
  if (s->closing) {
    if (!stopping_) {
      subs_.erase(s->id);
      update_health();
    }
    return;
  }
  // The broker took the link away (queue deleted, broker shutting down): start over.
  if (!stopping_) fail(r.error(), "link " + s->label);
}

void client::on_message(proton::delivery& d, proton::message& m) {
  if (is_cbs(d.receiver())) {
    cbs_on_message(d, m);
    return;
  }
  auto* s = find(d.receiver());
  if (!s || s->closing) {
    d.release();  // closing: another consumer (or this one, later) gets it
    return;
  }
  auto decoded = seal_.decode(m, s->opts.topic, cfg_.common.max_message_bytes, cfg_.amqp.broker == flavour::rabbitmq3);
  if (!decoded) {
    metrics_.rejected();
    log_->warn("bus: a message on {} could not be decoded or authenticated (wrong seal key?): rejected", s->label);
    d.reject();
    s->receiver.add_credit(1);
    return;
  }
  const auto id = ++next_delivery_;
  deliveries_.emplace(id, d);
  ++s->in_flight;
  ++shared_->in_flight;
  metrics_.consumed(decoded->published_at);
  if (decoded->delivery_count > 0) metrics_.redelivered();
  auto rec = subs_.at(s->id);
  asio::co_spawn(s->ex, run_handler(s->h, std::move(*decoded)),
                 [this, id, rec, post = post_, shared = shared_](std::exception_ptr e, error_code ec) {
                   const bool ok = !e && !ec;
                   if (e)
                     core::logger("bus")->error("bus: a handler for {} threw; the message is redelivered", rec->label);
                   // `this` lives as long as the work queue accepts work (amqp_bus.cpp).
                   if (!post([this, id, rec, ok] { settle(id, rec, ok); })) --shared->in_flight;
                 });
}

void client::settle(std::uint64_t delivery, const std::shared_ptr<subscription_record>& s, bool ok) {
  --s->in_flight;
  --shared_->in_flight;
  if (!ok) metrics_.handler_failed();
  // Deliveries of a connection that is gone were forgotten: the broker delivers them again.
  if (const auto it = deliveries_.find(delivery); it != deliveries_.end()) {
    if (ok) {
      it->second.accept();
    } else {
      releases_.push_back({steady::now() + cfg_.common.redelivery_delay, it->second});
    }
    deliveries_.erase(it);
  }
  if (s->open && s->attached && !s->closing) s->receiver.add_credit(1);
  if (s->closing) detach_if_done(*s);
}

void client::release_due(steady::time_point now) {
  while (!releases_.empty() && releases_.front().due <= now) {
    releases_.front().delivery.release();
    releases_.pop_front();
  }
}

void client::detach_if_done(subscription_record& s) {
  // Detach before close, and only once the handlers' accepts went out: RabbitMQ drops accepts
  // that trail a detach or a close, and would deliver those messages again.
  if (!s.closing || s.in_flight > 0 || !s.open || stopping_) return;
  s.receiver.close();
}

void client::subscriptions_down() {
  for (auto it = subs_.begin(); it != subs_.end();) {
    auto& s = *it->second;
    if (s.open || s.attached) metrics_.set_link(s.label, false);
    s.open = false;
    s.attached = false;
    s.receiver = proton::receiver();
    it = s.closing && !stopping_ ? subs_.erase(it) : std::next(it);
  }
}

}  // namespace parley::bus::amqp::detail
