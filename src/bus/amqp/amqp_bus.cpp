// The bus facade: any thread in, the Proton container thread through its work queue
// (amqp_bus.hpp, client.hpp).
#include "client.hpp"
#include "url.hpp"

#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/core/log.hpp>

#include <proton/container.hpp>
#include <proton/work_queue.hpp>

#include <thread>

namespace parley::bus::amqp {
namespace {

namespace asio = boost::asio;

std::size_t message_size(const message& m) {
  return m.topic.size() + m.tenant.size() + m.key.size() + m.type.size() + m.body.size();
}

// Everything the Proton thread and handlers' completions share. The client is declared first so
// that it is destroyed last: the work queue goes before the container, the container (after
// run() returned) before the handler it calls.
struct core_state {
  core_state(net::metrics_registry* m) : metrics(m, "amqp") {}
  std::shared_ptr<detail::shared_state> shared = std::make_shared<detail::shared_state>();
  instruments metrics;
  std::unique_ptr<detail::client> client;
  std::unique_ptr<proton::container> container;
  std::unique_ptr<proton::work_queue> queue;
  // Every job touches the connection from outside its events: flush() wakes it (client.hpp).
  bool post(std::function<void()> f) {
    return queue->add([this, f = std::move(f)] {
      f();
      client->flush();
    });
  }
};

class handle final : public subscription {
 public:
  handle(std::shared_ptr<core_state> c, std::shared_ptr<detail::subscription_record> r)
      : core_(std::move(c)), rec_(std::move(r)) {}
  ~handle() override { close(); }
  void close() override {
    if (closed_.exchange(true)) return;
    rec_->attached = false;
    (void)core_->post([c = core_.get(), id = rec_->id] { c->client->remove(id); });
  }
  bool attached() const override { return !closed_.load() && rec_->attached.load(); }

 private:
  std::shared_ptr<core_state> core_;
  std::shared_ptr<detail::subscription_record> rec_;
  std::atomic<bool> closed_{false};
};

class amqp_bus final : public bus {
 public:
  amqp_bus(const parley::bus::options& common, std::string node, std::shared_ptr<core_state> core, detail::sealer seal,
           detail::address_book book)
      : common_(common),
        node_(std::move(node)),
        core_(std::move(core)),
        seal_(std::move(seal)),
        book_(std::move(book)) {
    thread_ = std::thread([c = core_] {
      try {
        c->container->run();
      } catch (const std::exception& e) {
        core::logger("bus")->error("bus: the AMQP event loop ended with an error: {}", e.what());
        c->shared->set_health(make_error_code(errc::unavailable), "the AMQP event loop ended");
      }
    });
  }

  ~amqp_bus() override { stop(); }

  void publish(message m, publish_callback done) override {
    const auto fail = [&](errc e) {
      core_->metrics.publish_failed(e);
      done(make_error_code(e));
    };
    if (core_->shared->stopping.load()) return fail(errc::stopped);
    if (!valid_name(m.topic)) return fail(errc::invalid_argument);
    if (message_size(m) > common_.max_message_bytes) return fail(errc::too_large);
    // Back-pressure before any work: the count is released when `done` is called.
    if (core_->shared->outstanding.fetch_add(1) >= common_.max_outgoing) {
      --core_->shared->outstanding;
      return fail(errc::overloaded);
    }
    m.id = node_ + "-" + std::to_string(++counter_);
    m.origin = node_;
    m.published_at = std::chrono::system_clock::now();
    m.delivery_count = 0;
    // Sealed on the caller's thread: the Proton thread only moves bytes.
    auto encoded = seal_.encode(m);
    if (!encoded) {
      --core_->shared->outstanding;
      return fail(errc::invalid_argument);
    }
    auto p = std::make_shared<detail::pending_publish>(
        detail::pending_publish{std::move(m.topic), std::move(*encoded), std::move(done), detail::steady::now()});
    if (!core_->post([c = core_.get(), p] { c->client->publish(std::move(*p)); })) {
      --core_->shared->outstanding;
      core_->metrics.publish_failed(errc::stopped);
      p->done(make_error_code(errc::stopped));
    }
  }

  result<std::unique_ptr<subscription>> subscribe(subscription_options o, asio::any_io_executor ex,
                                                  handler h) override {
    if (core_->shared->stopping.load()) return make_error_code(errc::stopped);
    if (!valid_name(o.topic) || !h) return make_error_code(errc::invalid_argument);
    if (o.kind == subscription_kind::competing ? !valid_name(o.name) : !o.name.empty()) {
      return make_error_code(errc::invalid_argument);
    }
    auto rec = std::make_shared<detail::subscription_record>();
    rec->id = ++next_subscription_;
    if (o.max_in_flight == 0) o.max_in_flight = common_.max_in_flight;
    rec->label = "subscribe:" + o.topic + "/" + (o.kind == subscription_kind::competing ? o.name : "fan-out");
    rec->where = book_.subscribe(o, rec->id);
    rec->opts = std::move(o);
    rec->ex = std::move(ex);
    rec->h = std::move(h);
    if (!core_->post([c = core_.get(), rec] { c->client->add(rec); })) return make_error_code(errc::stopped);
    return std::unique_ptr<subscription>(new handle(core_, std::move(rec)));
  }

  health status() const override { return core_->shared->get(); }
  const std::string& node_id() const override { return node_; }

  void stop() override {
    std::lock_guard lock(stop_mutex_);
    if (!thread_.joinable()) return;
    core_->shared->stopping = true;
    if (!core_->post([c = core_.get()] { c->client->begin_stop(); })) core_->container->stop();
    thread_.join();
    core_->shared->set_health(make_error_code(errc::stopped), "stopped");
  }

 private:
  parley::bus::options common_;
  std::string node_;
  std::shared_ptr<core_state> core_;
  detail::sealer seal_;
  detail::address_book book_;
  std::thread thread_;
  std::mutex stop_mutex_;
  std::atomic<std::uint64_t> counter_{0};
  std::atomic<std::uint64_t> next_subscription_{0};
};

}  // namespace

result<std::unique_ptr<bus>> open(const parley::bus::options& common, options amqp, net::metrics_registry* metrics) {
  auto log = core::logger("bus");
  const auto problems = check(amqp);
  if (!problems.empty()) {
    for (const auto& p : problems) log->error("bus: [bus.amqp] {}: {}", p.key, p.message);
    return make_error_code(errc::invalid_argument);
  }
  const auto url = detail::parse_url(amqp.url);
  auto seal = detail::sealer::create(*amqp.seal_key, amqp.seal_key_previous.get());
  auto seal_for_bus = detail::sealer::create(*amqp.seal_key, amqp.seal_key_previous.get());
  if (!url || !seal || !seal_for_bus) return make_error_code(errc::invalid_argument);
  const std::string node = common.node_id.empty() ? make_node_id() : common.node_id;

  auto core = std::make_shared<core_state>(metrics);
  core->container = std::make_unique<proton::container>("parley-" + node);
  core->container->auto_stop(false);  // no connection while reconnecting is not the end
  core->queue = std::make_unique<proton::work_queue>(*core->container);
  detail::client_config cfg;
  cfg.common = common;
  cfg.node = node;
  cfg.host = url->host;
  cfg.plain_tcp = !url->tls;
  detail::address_book book(amqp.broker, amqp.exchange, amqp.addresses, node);
  cfg.amqp = std::move(amqp);
  std::weak_ptr<core_state> weak = core;
  core->client = std::make_unique<detail::client>(std::move(cfg), std::move(*seal), core->shared, core->metrics,
                                                  *core->container, *core->queue, [weak](std::function<void()> f) {
                                                    auto c = weak.lock();
                                                    return c && c->post(std::move(f));
                                                  });
  auto shared = core->shared;
  core->metrics.watch_unsettled([shared] { return static_cast<double>(shared->outstanding.load()); },
                                [shared] { return static_cast<double>(shared->in_flight.load()); });
  (void)core->post([c = core.get()] { c->client->start(); });
  return std::unique_ptr<bus>(new amqp_bus(common, node, std::move(core), std::move(*seal_for_bus), std::move(book)));
}

}  // namespace parley::bus::amqp
