// The connection's life: connect, open, fail, reconnect with backoff, stop (client.hpp).
#include "client.hpp"

#include <parley/core/log.hpp>

#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/duration.hpp>
#include <proton/error_condition.hpp>
#include <proton/ssl.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>

#include <algorithm>
#include <random>

namespace parley::bus::amqp::detail {

void shared_state::set_health(error_code ec, std::string detail) {
  std::lock_guard lock(mutex_);
  health_ = {ec, std::move(detail)};
}

health shared_state::get() const {
  std::lock_guard lock(mutex_);
  return health_;
}

namespace {

proton::duration ms(std::chrono::milliseconds d) {
  return proton::duration(d.count());
}

// The broker's words, as an error of ours.
error_code classify(const std::string& condition) {
  if (condition == "amqp:unauthorized-access") return make_error_code(errc::unauthorized);
  if (condition == "amqp:not-found") return make_error_code(errc::not_found);
  return make_error_code(errc::unavailable);
}

}  // namespace

client::client(client_config cfg, sealer seal, std::shared_ptr<shared_state> shared, instruments& metrics,
               proton::container& container, proton::work_queue& queue, post_fn post)
    : cfg_(std::move(cfg)),
      seal_(std::move(seal)),
      shared_(std::move(shared)),
      metrics_(metrics),
      container_(container),
      queue_(queue),
      post_(std::move(post)),
      book_(cfg_.amqp.broker, cfg_.amqp.exchange, cfg_.amqp.addresses, cfg_.node),
      log_(core::logger("bus")) {}

client::~client() = default;

void client::start() {
  connect();
  schedule_tick();
}

proton::connection_options client::connection_options() {
  proton::connection_options co;
  co.handler(*this);
  co.container_id("parley-" + cfg_.node);
  co.idle_timeout(ms(cfg_.amqp.idle_timeout));
  co.sasl_enabled(true);
  // The mechanism is pinned: Proton's own SASL would otherwise prefer whatever the broker offers
  // (EXTERNAL without a certificate, or ANONYMOUS instead of a PLAIN it mis-parses).
  switch (cfg_.amqp.mechanism) {
    case auth::plain:
      co.user(cfg_.amqp.user);
      co.password(std::string(cfg_.amqp.password ? cfg_.amqp.password->reveal() : std::string_view{}));
      co.sasl_allowed_mechs("PLAIN");
      co.sasl_allow_insecure_mechs(cfg_.plain_tcp);  // plain TCP is loopback only (check())
      break;
    case auth::external:
      co.sasl_allowed_mechs("EXTERNAL");
      break;
    case auth::sas:
      co.sasl_allowed_mechs("ANONYMOUS");
      break;
  }
  if (!cfg_.plain_tcp) {
    const std::string trust = cfg_.amqp.tls_ca_file.empty() ? cfg_.system_ca_bundle : cfg_.amqp.tls_ca_file;
    if (!cfg_.amqp.tls_cert_file.empty()) {
      co.ssl_client_options(
          proton::ssl_client_options(proton::ssl_certificate(cfg_.amqp.tls_cert_file, cfg_.amqp.tls_key_file), trust,
                                     proton::ssl::VERIFY_PEER_NAME));
    } else {
      co.ssl_client_options(proton::ssl_client_options(trust, proton::ssl::VERIFY_PEER_NAME));
    }
  }
  return co;
}

void client::connect() {
  if (stopping_) return;
  ++generation_;
  connecting_ = true;
  try {
    connection_ = container_.connect(cfg_.amqp.url, connection_options());
  } catch (const std::exception& e) {
    // A URL or option Proton refuses: retried like any failed attempt, and reported.
    connecting_ = false;
    last_code_ = make_error_code(errc::unavailable);
    last_error_ = std::string("cannot connect: ") + e.what();
    ++attempts_;
    update_health();
    schedule_reconnect();
    return;
  }
  connect_deadline_ = steady::now() + cfg_.amqp.connect_timeout;
}

void client::on_connection_open(proton::connection& c) {
  connection_ = c;
  if (stopping_) {
    c.close();
    return;
  }
  session_ = c.open_session();
  if (cfg_.amqp.mechanism == auth::sas) {
    cbs_open();  // the links open once the token is accepted
    return;
  }
  opened();
}

void client::opened() {
  const bool again = generation_ > 1;
  connected_ = true;
  connect_deadline_.reset();
  if (again) {
    metrics_.reconnected();
    log_->info("bus: connected to the broker again after {} failed attempt(s); restoring {} link(s)", attempts_,
               topics_.size() + subs_.size());
  } else {
    log_->info("bus: connected to the broker as node {}", cfg_.node);
  }
  attempts_ = 0;
  last_error_.clear();
  links_opened_ = true;
  for (auto& [topic, l] : topics_) open_sender(l);
  for (auto& [id, s] : subs_) {
    if (!s->closing) open_receiver(*s);
  }
  update_health();
}

void client::fail(const proton::error_condition& e, std::string_view where) {
  const std::string name = e ? e.name() : std::string("closed");
  std::string text = std::string(where) + ": " + name;
  if (e && !e.description().empty()) text += " " + e.description();
  if (text.size() > 300) text.resize(300);
  last_code_ = classify(name);
  if (text != last_error_) log_->warn("bus: {}", text);
  last_error_ = std::move(text);
  update_health();
  if (connection_ && !connection_.closed()) connection_.close();
}

void client::on_transport_error(proton::transport& t) {
  const auto e = t.error();
  const std::string name = e ? e.name() : std::string("proton:io");
  std::string text = "connection: " + name;
  if (e && !e.description().empty()) text += " " + e.description();
  if (text.size() > 300) text.resize(300);
  last_code_ = classify(name);
  // A broker that stays down fails every attempt the same way: logged once until it changes.
  if (text != last_error_) log_->warn("bus: {}", text);
  last_error_ = std::move(text);
}

void client::on_connection_error(proton::connection& c) {
  fail(c.error(), "connection");
}
void client::on_connection_close(proton::connection&) {}
void client::on_session_error(proton::session& s) {
  fail(s.error(), "session");
}

void client::on_error(const proton::error_condition& e) {
  // Anything Proton reports that no other callback handled: never thrown out of run().
  fail(e, "error");
}

void client::on_transport_close(proton::transport&) {
  disconnected();
}

void client::disconnected() {
  const bool was_connected = connected_;
  connect_deadline_.reset();
  cbs_deadline_.reset();
  cbs_renew_at_.reset();
  connecting_ = false;
  connected_ = false;
  links_opened_ = false;
  requeue_unsettled();
  subscriptions_down();
  release_handles();
  if (stopping_) {
    finish_stop();
    return;
  }
  if (was_connected && last_error_.empty()) last_error_ = "connection: closed by the broker";
  ++attempts_;
  update_health();
  schedule_reconnect();
}

void client::schedule_reconnect() {
  // Exponential backoff with jitter: reconnect_min × 2^(attempts-1), at most reconnect_max.
  static thread_local std::minstd_rand jitter(std::random_device{}());
  const auto shift = std::min(attempts_ == 0 ? 0U : attempts_ - 1, 16U);
  auto delay = std::min(cfg_.amqp.reconnect_min * (std::int64_t{1} << shift), cfg_.amqp.reconnect_max);
  delay += std::chrono::milliseconds(jitter() % (delay.count() / 4 + 1));
  reconnect_at_ = steady::now() + delay;
}

void client::release_handles() {
  // Proton handles are released on this thread only (client.hpp).
  for (auto& [topic, l] : topics_) {
    l.sender = proton::sender();
    l.open = false;
    l.attached = false;
  }
  for (auto& [id, s] : subs_) s->receiver = proton::receiver();
  deliveries_.clear();
  releases_.clear();
  cbs_sender_ = proton::sender();
  cbs_receiver_ = proton::receiver();
  cbs_sender_ready_ = false;
  cbs_receiver_ready_ = false;
  cbs_pending_.reset();
  session_ = proton::session();
  connection_ = proton::connection();
}

void client::update_health() {
  if (stopping_) {
    shared_->set_health(make_error_code(errc::stopped), "stopped");
    metrics_.set_connected(false);
    return;
  }
  if (!connected_) {
    shared_->set_health(last_code_, last_error_.empty() ? "connecting to the broker" : last_error_);
    metrics_.set_connected(false);
    return;
  }
  for (const auto& [topic, l] : topics_) {
    if (l.open && !l.attached) {
      shared_->set_health(make_error_code(errc::unavailable), "link publish:" + topic + " not attached yet");
      metrics_.set_connected(false);
      return;
    }
  }
  for (const auto& [id, s] : subs_) {
    if (s->open && !s->closing && !s->attached.load()) {
      shared_->set_health(make_error_code(errc::unavailable), "link " + s->label + " not attached yet");
      metrics_.set_connected(false);
      return;
    }
  }
  shared_->set_health({}, {});
  metrics_.set_connected(true);
}

void client::flush() {
  if (connection_ && !stopped_) connection_.wake();
}

void client::schedule_tick() {
  queue_.schedule(proton::duration(20), [this] { tick(); });
}

void client::tick() {
  if (stopped_) return;  // the last tick: nothing keeps the container from stopping
  const auto now = steady::now();
  const auto due = [&](std::optional<steady::time_point>& t) {
    if (!t || now < *t) return false;
    t.reset();
    return true;
  };
  if (++ticks_ % 5 == 0) expire_publishes(now);  // 100 ms is precise enough for publish_timeout
  release_due(now);
  if (due(reconnect_at_) && !stopping_ && !connecting_) connect();
  if (due(connect_deadline_) && connecting_ && !connected_) {
    last_code_ = make_error_code(errc::unavailable);
    last_error_ = "the broker did not complete the connection within connect_timeout";
    update_health();
    if (connection_ && !connection_.closed()) connection_.close();
  }
  if (due(cbs_deadline_) && !cbs_answered_ && connection_) {
    last_code_ = make_error_code(errc::unavailable);
    last_error_ = "the broker did not answer the CBS put-token in time";
    update_health();
    if (!connection_.closed()) connection_.close();
  }
  if (due(cbs_renew_at_) && connected_ && !stopping_) cbs_put_token();
  if (stopping_) stop_step(now);
  flush();
  if (!stopped_) schedule_tick();
}

void client::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& [id, s] : subs_) s->closing = true;  // no more credit
  reconnect_at_.reset();
  update_health();
  stop_deadline_ = steady::now() + cfg_.common.stop_timeout;
  stop_phase_ = 0;
  stop_step(steady::now());
}

// Phase 0: wait for confirmations and running handlers; 1: detach every link and wait for the
// broker's detach; 2: the connection is closing (finish_stop() runs when the transport closes,
// or a second later at the latest).
void client::stop_step(steady::time_point now) {
  const bool late = now >= stop_deadline_;
  if (stop_phase_ == 0) {
    bool busy = false;
    for (const auto& [topic, l] : topics_) busy = busy || !l.backlog.empty() || !l.unsettled.empty();
    for (const auto& [id, s] : subs_) busy = busy || s->in_flight > 0;
    if (connected_ && busy && !late) return;
    if (connected_) {
      for (auto& [topic, l] : topics_) {
        if (l.open) l.sender.close();
      }
      for (auto& [id, s] : subs_) {
        if (s->open) s->receiver.close();
      }
      if (cbs_sender_) cbs_sender_.close();
      if (cbs_receiver_) cbs_receiver_.close();
    }
    stop_phase_ = 1;
    return;
  }
  if (stop_phase_ == 1) {
    bool detaching = false;
    for (const auto& [topic, l] : topics_) detaching = detaching || l.open;
    for (const auto& [id, s] : subs_) detaching = detaching || s->open;
    if (connected_ && detaching && !late) return;
    fail_all_publishes(make_error_code(errc::stopped));
    stop_phase_ = 2;
    finish_by_ = now + std::chrono::seconds(1);
    if (connection_ && !connection_.closed()) {
      connection_.close();
      return;
    }
    finish_stop();
    return;
  }
  if (now >= finish_by_) finish_stop();
}

void client::finish_stop() {
  if (stopped_) return;
  stopped_ = true;
  fail_all_publishes(make_error_code(errc::stopped));
  for (auto& [id, s] : subs_) {
    s->attached = false;
    s->open = false;
  }
  release_handles();
  subs_.clear();
  update_health();
  log_->info("bus: stopped");
  container_.stop();
}

}  // namespace parley::bus::amqp::detail
