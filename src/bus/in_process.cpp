#include <parley/bus/in_process.hpp>
#include <parley/bus/instruments.hpp>
#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

namespace parley::bus {
namespace {

namespace asio = boost::asio;
struct consumer;

// One subscription's queue: a fan-out subscription has one consumer; a competing one has every
// consumer of its name, on any node, and outlives them (durable).
struct queue {
  std::string topic;
  subscription_kind kind = subscription_kind::fan_out;
  std::string name;
  std::deque<message> pending;
  std::vector<std::shared_ptr<consumer>> consumers;
  std::size_t next = 0;  // round robin among consumers
};

struct consumer {
  std::weak_ptr<in_process_bus::node> owner;
  std::shared_ptr<queue> q;
  asio::any_io_executor ex;
  handler h;
  std::size_t max_in_flight = 1;
  std::size_t in_flight = 0;  // under the broker's mutex
  bool closed = false;
};

// A delivery decided under the lock and started after it.
struct launch {
  std::shared_ptr<consumer> c;
  message m;
};

asio::awaitable<error_code> run_handler(handler h, message m) {
  co_return co_await h(std::move(m));
}

std::size_t message_size(const message& m) {
  return m.topic.size() + m.tenant.size() + m.key.size() + m.type.size() + m.body.size();
}

}  // namespace

struct in_process_broker::state {
  std::mutex mutex;
  std::condition_variable settled;
  std::map<std::string, std::vector<std::shared_ptr<queue>>, std::less<>> by_topic;
  std::map<std::string, std::shared_ptr<queue>, std::less<>> competing;
};

in_process_broker::in_process_broker() : state_(std::make_unique<state>()) {}
in_process_broker::~in_process_broker() = default;

struct in_process_bus::node : std::enable_shared_from_this<in_process_bus::node> {
  node(options o, std::shared_ptr<in_process_broker> b, net::metrics_registry* m)
      : opts(std::move(o)), broker(std::move(b)), metrics(m, "in-process") {
    id = opts.node_id.empty() ? make_node_id() : opts.node_id;
    metrics.set_connected(true);
    metrics.watch_unsettled([] { return 0.0; }, [this] { return static_cast<double>(in_flight.load()); });
  }

  options opts;
  std::string id;
  std::shared_ptr<in_process_broker> broker;
  instruments metrics;
  std::atomic<std::uint64_t> counter{0};
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> in_flight{0};
  std::vector<std::weak_ptr<consumer>> consumers;  // under the broker's mutex
  std::shared_ptr<spdlog::logger> log = core::logger("bus");

  in_process_broker::state& st() { return broker->get(); }

  // Picks consumers with room for the queue's pending messages (under the lock).
  static void dispatch(queue& q, std::vector<launch>& out) {
    while (!q.pending.empty() && !q.consumers.empty()) {
      std::shared_ptr<consumer> chosen;
      for (std::size_t i = 0; i < q.consumers.size(); ++i) {
        auto& c = q.consumers[(q.next + i) % q.consumers.size()];
        auto n = c->owner.lock();
        if (!c->closed && n && !n->stopped.load() && c->in_flight < c->max_in_flight) {
          chosen = c;
          q.next = (q.next + i + 1) % q.consumers.size();
          break;
        }
      }
      if (!chosen) return;
      ++chosen->in_flight;
      if (auto n = chosen->owner.lock()) ++n->in_flight;
      out.push_back({chosen, std::move(q.pending.front())});
      q.pending.pop_front();
    }
  }

  static void start(std::vector<launch>& batch) {
    for (auto& l : batch) {
      auto n = l.c->owner.lock();
      if (!n) continue;
      n->metrics.consumed(l.m.published_at);
      if (l.m.delivery_count > 0) n->metrics.redelivered();
      auto c = l.c;
      auto copy = l.m;
      asio::co_spawn(c->ex, run_handler(c->h, std::move(copy)),
                     [c, m = std::move(l.m)](std::exception_ptr e, error_code ec) mutable {
                       if (auto owner = c->owner.lock()) {
                         if (e)
                           owner->log->error("bus: a handler for topic {} threw; the message is redelivered", m.topic);
                         owner->finish(c, std::move(m), e || ec);
                       }
                     });
    }
  }

  void finish(const std::shared_ptr<consumer>& c, message m, bool failed) {
    std::vector<launch> batch;
    {
      std::lock_guard lock(st().mutex);
      --c->in_flight;
      --in_flight;
      dispatch(*c->q, batch);
    }
    st().settled.notify_all();
    if (failed) {
      metrics.handler_failed();
      ++m.delivery_count;
      auto t = std::make_shared<asio::steady_timer>(c->ex, opts.redelivery_delay);
      t->async_wait([t, c, self = shared_from_this(), m = std::move(m)](error_code) mutable {
        std::vector<launch> again;
        {
          std::lock_guard lock(self->st().mutex);
          // A closed fan-out subscription's messages go with it; a competing one keeps them.
          if (c->q->kind == subscription_kind::competing || !c->closed) {
            c->q->pending.push_front(std::move(m));
            dispatch(*c->q, again);
          }
        }
        start(again);
      });
    }
    start(batch);
  }
};

namespace {

class handle final : public subscription {
 public:
  handle(std::shared_ptr<consumer> c, std::shared_ptr<in_process_bus::node> n) : c_(std::move(c)), n_(std::move(n)) {}
  ~handle() override { close(); }
  void close() override {
    std::lock_guard lock(n_->st().mutex);
    if (c_->closed) return;
    c_->closed = true;
    auto& q = *c_->q;
    std::erase(q.consumers, c_);
    if (q.kind == subscription_kind::fan_out) {
      auto it = n_->st().by_topic.find(q.topic);
      if (it != n_->st().by_topic.end()) std::erase(it->second, c_->q);
      q.pending.clear();
    }
  }
  bool attached() const override {
    std::lock_guard lock(n_->st().mutex);
    return !c_->closed && !n_->stopped.load();
  }

 private:
  std::shared_ptr<consumer> c_;
  std::shared_ptr<in_process_bus::node> n_;
};

}  // namespace

in_process_bus::in_process_bus(options opts, net::metrics_registry* metrics)
    : in_process_bus(std::move(opts), std::make_shared<in_process_broker>(), metrics) {}

in_process_bus::in_process_bus(options opts, std::shared_ptr<in_process_broker> broker, net::metrics_registry* metrics)
    : node_(std::make_shared<node>(std::move(opts), std::move(broker), metrics)) {}

in_process_bus::~in_process_bus() {
  stop();
}

void in_process_bus::publish(message m, publish_callback done) {
  auto& n = *node_;
  const auto fail = [&](errc e) {
    n.metrics.publish_failed(e);
    done(make_error_code(e));
  };
  if (n.stopped.load()) return fail(errc::stopped);
  if (!valid_name(m.topic)) return fail(errc::invalid_argument);
  if (message_size(m) > n.opts.max_message_bytes) return fail(errc::too_large);
  m.id = n.id + "-" + std::to_string(++n.counter);
  m.origin = n.id;
  m.published_at = std::chrono::system_clock::now();
  m.delivery_count = 0;
  std::vector<launch> batch;
  bool room = true;
  {
    std::lock_guard lock(n.st().mutex);
    auto it = n.st().by_topic.find(m.topic);
    if (it != n.st().by_topic.end()) {
      auto& queues = it->second;
      for (const auto& q : queues) room = room && q->pending.size() < n.opts.max_outgoing;
      for (std::size_t i = 0; room && i < queues.size(); ++i) {
        queues[i]->pending.push_back(i + 1 == queues.size() ? std::move(m) : m);
        node::dispatch(*queues[i], batch);
      }
    }
  }
  // Outside the lock: `done` may publish again.
  if (!room) return fail(errc::overloaded);
  node::start(batch);
  n.metrics.published({});
  done({});
}

result<std::unique_ptr<subscription>> in_process_bus::subscribe(subscription_options o, boost::asio::any_io_executor ex,
                                                                handler h) {
  auto& n = *node_;
  if (n.stopped.load()) return make_error_code(errc::stopped);
  if (!valid_name(o.topic) || !h) return make_error_code(errc::invalid_argument);
  if (o.kind == subscription_kind::competing ? !valid_name(o.name) : !o.name.empty()) {
    return make_error_code(errc::invalid_argument);
  }
  auto c = std::make_shared<consumer>();
  c->owner = node_;
  c->ex = std::move(ex);
  c->h = std::move(h);
  c->max_in_flight = o.max_in_flight != 0 ? o.max_in_flight : n.opts.max_in_flight;
  std::vector<launch> batch;
  {
    std::lock_guard lock(n.st().mutex);
    std::shared_ptr<queue> q;
    if (o.kind == subscription_kind::competing) {
      auto& slot = n.st().competing[o.name];
      if (!slot) {
        slot = std::make_shared<queue>();
        slot->topic = o.topic;
        slot->kind = o.kind;
        slot->name = o.name;
        n.st().by_topic[o.topic].push_back(slot);
      } else if (slot->topic != o.topic) {
        return make_error_code(errc::invalid_argument);  // one name, one topic
      }
      q = slot;
    } else {
      q = std::make_shared<queue>();
      q->topic = o.topic;
      q->kind = o.kind;
      n.st().by_topic[o.topic].push_back(q);
    }
    c->q = q;
    q->consumers.push_back(c);
    std::erase_if(n.consumers, [](const auto& w) { return w.expired(); });
    n.consumers.push_back(c);
    node::dispatch(*q, batch);
  }
  node::start(batch);
  return std::unique_ptr<subscription>(new handle(std::move(c), node_));
}

health in_process_bus::status() const {
  if (node_->stopped.load()) return {make_error_code(errc::stopped), "stopped"};
  return {};
}

const std::string& in_process_bus::node_id() const {
  return node_->id;
}

void in_process_bus::stop() {
  auto& n = *node_;
  if (n.stopped.exchange(true)) return;
  std::unique_lock lock(n.st().mutex);
  // Handlers already running finish (bounded by stop_timeout); nothing new starts.
  n.st().settled.wait_for(lock, n.opts.stop_timeout, [&] { return n.in_flight.load() == 0; });
  for (auto& w : n.consumers) {
    auto c = w.lock();
    if (!c || c->closed) continue;
    c->closed = true;
    std::erase(c->q->consumers, c);
    if (c->q->kind == subscription_kind::fan_out) {
      auto it = n.st().by_topic.find(c->q->topic);
      if (it != n.st().by_topic.end()) std::erase(it->second, c->q);
    }
  }
  n.metrics.set_connected(false);
}

}  // namespace parley::bus
