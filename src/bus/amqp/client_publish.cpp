// Publishing: one sender per topic, sending while it has credit, completing each publish on the
// broker's outcome; what was sent and not settled goes back to the backlog when the connection
// is lost, and is sent again on the next one.
#include "client.hpp"

#include <proton/binary.hpp>
#include <proton/sender_options.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>

namespace parley::bus::amqp::detail {
namespace {

proton::binary tag_of(std::uint64_t n) {
  proton::binary b(8);
  for (int i = 7; i >= 0; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n & 0xff);
    n >>= 8;
  }
  return b;
}

std::uint64_t number_of(const proton::binary& b) {
  std::uint64_t n = 0;
  for (const auto byte : b) n = (n << 8) | byte;
  return b.size() == 8 ? n : 0;
}

std::vector<proton::symbol> symbols(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

client::topic_link& client::link_for(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) {
    it = topics_.emplace(topic, topic_link{}).first;
    it->second.topic = topic;
    it->second.where = book_.publish(topic);
  }
  return it->second;
}

void client::publish(pending_publish p) {
  if (stopping_) {
    --shared_->outstanding;
    metrics_.publish_failed(errc::stopped);
    p.done(make_error_code(errc::stopped));
    return;
  }
  auto& l = link_for(p.topic);
  l.backlog.push_back(std::move(p));
  if (links_opened_ && !l.open) {
    open_sender(l);
    update_health();
  }
  pump(l);
}

void client::open_sender(topic_link& l) {
  proton::target_options target;
  target.address(l.where.address);
  if (!l.where.capabilities.empty()) target.capabilities(symbols(l.where.capabilities));
  proton::sender_options o;
  o.delivery_mode(proton::delivery_mode::AT_LEAST_ONCE).auto_settle(true).target(target).name(l.where.link_name);
  l.sender = session_.open_sender(l.where.address, o);
  l.open = true;
  l.attached = false;
}

void client::pump(topic_link& l) {
  if (!l.attached) return;
  while (!l.backlog.empty() && l.sender.credit() > 0) {
    auto p = std::move(l.backlog.front());
    l.backlog.pop_front();
    const auto tag = ++next_tag_;
    l.sender.send(p.encoded, tag_of(tag));
    l.unsettled.emplace(tag, std::move(p));
  }
}

client::topic_link* client::find(const proton::sender& s) {
  for (auto& [topic, l] : topics_) {
    if (l.open && l.sender == s) return &l;
  }
  return nullptr;
}

void client::on_sender_open(proton::sender& s) {
  if (is_cbs(s)) {
    cbs_sender_ready_ = true;
    cbs_put_token();
    return;
  }
  auto* l = find(s);
  if (!l) return;
  // A broker that refuses the target attaches without one and then detaches with its reason.
  if (s.target().address().empty()) return;
  l->attached = true;
  metrics_.set_link("publish:" + l->topic, true);
  update_health();
  pump(*l);
}

void client::on_sendable(proton::sender& s) {
  if (is_cbs(s)) {
    cbs_put_token();
    return;
  }
  if (auto* l = find(s)) pump(*l);
}

void client::on_sender_error(proton::sender& s) {
  const auto* l = find(s);
  fail(s.error(), l ? "link publish:" + l->topic : std::string("link $cbs"));
}

void client::on_sender_detach(proton::sender& s) {
  on_sender_close(s);
}

void client::on_sender_close(proton::sender& s) {
  if (is_cbs(s)) {
    cbs_sender_ready_ = false;
    if (!stopping_) fail(s.error(), "link $cbs");
    return;
  }
  auto* l = find(s);
  if (!l) return;
  l->open = false;
  l->attached = false;
  metrics_.set_link("publish:" + l->topic, false);
  // The broker took the link away: start over on a new connection (every link, every unsettled message).
  if (!stopping_) fail(s.error(), "link publish:" + l->topic);
}

void client::complete(const proton::tracker& t, error_code ec) {
  auto* l = find(t.sender());
  if (!l) return;
  const auto it = l->unsettled.find(number_of(t.tag()));
  if (it == l->unsettled.end()) return;
  auto p = std::move(it->second);
  l->unsettled.erase(it);
  --shared_->outstanding;
  if (ec) {
    metrics_.publish_failed(ec);
  } else {
    metrics_.published(steady::now() - p.taken_at);
  }
  p.done(ec);
}

void client::on_tracker_accept(proton::tracker& t) {
  complete(t, {});
}
void client::on_tracker_reject(proton::tracker& t) {
  complete(t, make_error_code(errc::rejected));
}
// Released: the broker did not route it (RabbitMQ 4.x without a binding): nobody subscribed.
void client::on_tracker_release(proton::tracker& t) {
  complete(t, {});
}
// Settled without one of the outcomes above (e.g. modified): not known to be delivered.
void client::on_tracker_settle(proton::tracker& t) {
  complete(t, make_error_code(errc::rejected));
}

void client::expire_publishes(steady::time_point now) {
  const auto limit = cfg_.common.publish_timeout;
  const auto expired = [&](const pending_publish& p) { return now - p.taken_at > limit; };
  std::vector<pending_publish> failed;
  for (auto& [topic, l] : topics_) {
    for (auto it = l.backlog.begin(); it != l.backlog.end();) {
      if (expired(*it)) {
        failed.push_back(std::move(*it));
        it = l.backlog.erase(it);
      } else {
        ++it;
      }
    }
    // Sent and never confirmed: reported now and forgotten (not sent again after a reconnect).
    for (auto it = l.unsettled.begin(); it != l.unsettled.end();) {
      if (expired(it->second)) {
        failed.push_back(std::move(it->second));
        it = l.unsettled.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& p : failed) {
    --shared_->outstanding;
    metrics_.publish_failed(errc::unavailable);
    p.done(make_error_code(errc::unavailable));
  }
}

void client::requeue_unsettled() {
  for (auto& [topic, l] : topics_) {
    // Oldest first, ahead of what was never sent: at-least-once, in the original order.
    for (auto it = l.unsettled.rbegin(); it != l.unsettled.rend(); ++it) l.backlog.push_front(std::move(it->second));
    l.unsettled.clear();
    if (l.open || l.attached) metrics_.set_link("publish:" + topic, false);
  }
}

void client::fail_all_publishes(error_code ec) {
  std::vector<pending_publish> failed;
  for (auto& [topic, l] : topics_) {
    for (auto& p : l.backlog) failed.push_back(std::move(p));
    for (auto& [tag, p] : l.unsettled) failed.push_back(std::move(p));
    l.backlog.clear();
    l.unsettled.clear();
  }
  for (auto& p : failed) {
    --shared_->outstanding;
    metrics_.publish_failed(ec);
    p.done(ec);
  }
}

}  // namespace parley::bus::amqp::detail
