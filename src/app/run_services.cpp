#include "run_services.hpp"

#include "bus_wiring.hpp"
#include "in_process_link.hpp"
#include "integrity_relay.hpp"
#include "live_link.hpp"
#include "reload.hpp"
#include "service_manager.hpp"
#include "services.hpp"
#include "store_probe.hpp"
#include "store_timing.hpp"
#include "tls_expiry.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/net/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

namespace parley::app {
namespace {

namespace asio = boost::asio;

// Many idle WebSockets need many descriptors: use what the administrator allows.
void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Written to a temporary name and renamed, so that a watcher never reads half a file.
bool write_ready_file(const std::filesystem::path& file, const boost::json::object& urls) {
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << boost::json::serialize(urls) << '\n';
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  return !ec;
}

// Every bot the channel delivers to in-process must be the [bot] of this process (same id and
// tenant): a start-up error otherwise, not a 502 on the first message.
bool check_in_process_bots(const channel_plan& c, const bot::options* bot, const char* banner) {
  for (const auto& b : c.channel.bots) {
    if (b.endpoint != channel::in_process_endpoint) continue;
    if (bot == nullptr || bot->id != b.id || bot->tenant != b.tenant) {
      std::fprintf(stderr,
                   "%s: [[channel.bots]] %s has endpoint \"in-process\" but this process runs no [bot] with id %s "
                   "and tenant %s (and a \"bot\" listener)\n",
                   banner, b.id.c_str(), b.id.c_str(), b.tenant.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int run_services(run_plan plan) {
  raise_descriptor_limit();
  std::signal(SIGPIPE, SIG_IGN);
  auto log = core::logger("app");

  net::metrics_registry metrics;  // before the io_context: queued handlers refer to it
  // The store's integrity failures counted on /metrics while the services run.
  struct relay_attachment {
    explicit relay_attachment(net::metrics_registry& m) {
      integrity_relay::process().attach(m);
      store_timing::process().attach(m);  // parley_store_operation_duration_seconds
    }
    ~relay_attachment() {
      store_timing::process().detach();
      integrity_relay::process().detach();
    }
  } integrity_metrics(metrics);
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  // The bus before the services that publish and subscribe on it (in-process unless [bus] says
  // amqp), and the thread that stops it at shutdown while the io_context still runs handlers.
  auto bus = open_bus(plan.config, metrics);
  if (!bus) return 1;
  std::thread bus_stopper;
  // The channel ↔ bot seam (ADR 0007) before both services: they hold pointers to it.
  in_process_link link;
  // The channel ↔ desk seam of the live desk (ADR 0021), likewise.
  live_link live(io);
  std::unique_ptr<bus::subscription> desk_activities;
  std::unique_ptr<bus::subscription> desk_events;  // the other nodes' desk events (ADR 0023)
  // Services before the server: its routes refer to them until it is destroyed.
  std::unique_ptr<channel_runtime> channel;
  if (plan.bot) {
    // The bot's calls (channel, Connector, the client's API) use the [net] client settings.
    plan.bot->client = without_client_identity(plan.net.client);
  }
  // The audit log before the services that append to it (the desk) and before the server.
  std::unique_ptr<audit_runtime> audit;
  if (plan.audit) {
    audit = audit_runtime::create(std::move(*plan.audit));
    if (!audit) return 1;
  }
  // The store's integrity failures become audit entries while the log exists (those found while
  // the store opened first); detached before the log goes.
  struct relay_audit {
    relay_audit(audit::sink& sink, asio::io_context& io) { integrity_relay::process().attach_audit(sink, io); }
    ~relay_audit() { integrity_relay::process().detach_audit(); }
    relay_audit(const relay_audit&) = delete;
    relay_audit& operator=(const relay_audit&) = delete;
  };
  std::optional<relay_audit> integrity_audit;
  if (audit) integrity_audit.emplace(audit->log(), io);
  const bool wants_desk = has_listener(plan.net, "desk");
  std::unique_ptr<desk_runtime> desk;
  if (wants_desk) {
    if (!plan.desk) {
      std::fprintf(stderr, "%s: a \"desk\" listener needs a [desk] section with [[desk.tenants]]\n", plan.banner);
      return 1;
    }
    // The desk's calls to the IdPs use the [net] client settings ([desk] ca_file is added later).
    plan.desk->client = without_client_identity(plan.net.client);
    if (!audit) {
      std::fprintf(stderr, "%s: a \"desk\" listener needs the audit log ([store] and [audit])\n", plan.banner);
      return 1;
    }
    if (!plan.desk->queue) plan.desk->queue = plan.desk_queue;
    desk = desk_runtime::create(io, std::move(*plan.desk), audit->log(), &live, &live);
    if (!desk) return 1;
    auto events = live.subscribe_desk_events(*bus, io.get_executor(), desk->shared_service());
    if (!events) {
      std::fprintf(stderr, "%s: the desk cannot subscribe to desk events: %s\n", plan.banner,
                   events.error().message().c_str());
      return 1;
    }
    desk_events = std::move(*events);
  }
  const bool wants_bot = has_listener(plan.net, "bot");
  const bool wants_channel = has_listener(plan.net, "channel");
  if (wants_channel) {
    if (!plan.channel) {
      std::fprintf(stderr, "%s: a \"channel\" listener needs a [channel] section\n", plan.banner);
      return 1;
    }
    if (!check_in_process_bots(*plan.channel, wants_bot && plan.bot ? &plan.bot->bot : nullptr, plan.banner)) return 1;
    plan.channel->client = std::move(plan.net.client);  // the channel is the only outbound caller so far
    channel = channel_runtime::create(io, std::move(*plan.channel), metrics, *bus, &link, desk ? &live : nullptr);
    if (!channel) return 1;
    if (desk) {
      live.attach(channel->service(), desk->shared_service());
      // The desk hears every appended activity (channel::activity_topic, fan-out) and forwards
      // those of the conversations its desks watch; before the bus, so it ends first.
      auto tap = live.subscribe_activities(*bus, io.get_executor());
      if (!tap) {
        std::fprintf(stderr, "%s: the desk cannot subscribe to the channel's activities: %s\n", plan.banner,
                     tap.error().message().c_str());
        return 1;
      }
      desk_activities = std::move(*tap);
    }
  }
  std::unique_ptr<bot_runtime> bot;
  if (wants_bot) {
    if (!plan.bot) {
      std::fprintf(stderr, "%s: a \"bot\" listener needs a [bot] section\n", plan.banner);
      return 1;
    }
    // The bot replies in-process when this process's channel delivers to it in-process.
    const bool linked =
        channel && wants_in_process(channel->service().get_options(), plan.bot->bot.id, plan.bot->bot.tenant);
    bot = bot_runtime::create(io, std::move(*plan.bot), linked ? &link : nullptr);
    if (!bot) return 1;
    bot->count_login_outcomes(metrics);
    if (linked) link.attach(channel->service(), bot->service());
  }
  // /readyz: the bus's broker and the store's database (a node that cannot reach either drains).
  std::optional<store_probe> store_health;
  if (plan.store && plan.config.store.backend == store::backend_kind::postgres) store_health.emplace(io, *plan.store);
  net::server srv(io, plan.net.server, metrics);
  auto readiness = [b = bus.get(), &store_health] {
    auto reason = bus_readiness(*b);
    if (reason.empty() && store_health) reason = store_health->readiness();
    return reason;
  };
  service_context ctx{srv,
                      metrics,
                      plan.data_dir,
                      plan.config,
                      plan.store.get(),
                      channel ? &channel->service() : nullptr,
                      plan.demo_bot ? &*plan.demo_bot : nullptr,
                      bot.get(),
                      desk.get(),
                      audit ? &audit->log() : nullptr,
                      readiness};

  boost::json::object urls;
  for (const auto& l : plan.net.listeners) {
    const service* svc = find_service(l.name);
    if (!svc) {
      std::fprintf(stderr, "%s: unknown service \"%s\" in [[net.listeners]]\n", plan.banner, l.name.c_str());
      return 2;
    }
    auto routes = std::make_shared<net::router>();
    if (!svc->add_routes(*routes, ctx)) return 1;
    const auto bound = srv.listen(l, routes);
    if (!bound) {
      std::fprintf(stderr, "%s: cannot start listener %s on %s:%u: %s\n", plan.banner, l.name.c_str(),
                   l.address.c_str(), static_cast<unsigned>(l.port), bound.error().message().c_str());
      return 1;
    }
    if (svc->on_listening && !svc->on_listening(ctx, bound->base_url())) return 1;
    for (const auto& [key, path] : svc->urls) {
      const std::string url = bound->base_url() + std::string(path);
      urls[key] = url;
      std::printf("%s: %-14s %s\n", plan.banner, std::string(key).c_str(), url.c_str());
    }
  }
  publish_certificate_expiry(plan.net, metrics);
  for (const auto& [key, value] : plan.ready_extra) {
    boost::system::error_code ec;
    auto v = boost::json::parse(value, ec);
    if (!ec) urls[key] = std::move(v);
  }
  std::fflush(stdout);
  srv.set_ready(true);
  if (plan.ready_file && !write_ready_file(*plan.ready_file, urls)) {
    std::fprintf(stderr, "%s: cannot write the ready file %s\n", plan.banner, plan.ready_file->c_str());
    return 1;
  }

  if (audit) audit->start_timer(io);
  // systemd (Type=notify): started, and alive while the io_context runs handlers.
  notify_service_manager("READY=1", "listening");
  service_watchdog watchdog(io);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  // SIGHUP (`systemctl reload`, ExecReload): new TLS certificates and rotated signing keys,
  // open streams untouched (reload.hpp); systemd hears RELOADING=1 ... READY=1.
  asio::signal_set hangups(io, SIGHUP);
  const reload_targets reloadable{plan.config_file, &srv, &metrics, channel ? &channel->signing_keys() : nullptr};
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      notify_service_manager(reloading_notice(), "reloading certificates and keys");
      const bool ok = reload(reloadable);
      notify_service_manager("READY=1", ok ? "listening" : "listening; the last reload failed (see the log)");
      await_hangup();
    });
  };
  await_hangup();
  signals.async_wait([&](boost::system::error_code ec, int signal_number) {
    if (ec) return;
    log->info("signal {}: shutting down", signal_number);
    notify_service_manager("STOPPING=1", "shutting down");
    watchdog.stop();
    if (store_health) store_health->stop();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          if (bot) bot->service().stop();
          if (desk) desk->service().stop();
          co_await srv.shutdown();
          if (audit) co_await integrity_relay::process().flush();  // waiting integrity entries
          if (audit) co_await audit->stop();                       // no entry of this process stays uncovered
          // The bus stops on a thread of its own (it waits for its handlers, which need this
          // io_context), then ends the run.
          bus_stopper = std::thread([&] {
            bus->stop();
            asio::post(io, [&] {
              work.reset();
              io.stop();  // abandon handlers still waiting after the deadline cut their connections
            });
          });
        },
        core::log_exceptions{log, "shutdown"});
  });

  const unsigned threads = plan.net.threads != 0 ? plan.net.threads : std::max(1U, std::thread::hardware_concurrency());
  core::thread_group group(io, threads, "io");
  group.join();
  if (bus_stopper.joinable()) bus_stopper.join();
  link.detach();
  live.detach();
  if (plan.ready_file) {
    std::error_code ignored;
    std::filesystem::remove(*plan.ready_file, ignored);
  }
  log->info("stopped");
  return 0;
}

}  // namespace parley::app
