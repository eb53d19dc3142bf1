#include "services.hpp"

#include "bot_wiring.hpp"
#include "desk_wiring.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/net/health.hpp>

#include <cstdio>
#include <string>

namespace parley::app {
namespace {

// Operational endpoints: liveness, readiness (flipped off at shutdown, and while a dependency
// such as the bus's broker is unreachable) and Prometheus metrics.
bool add_ops_routes(net::router& r, service_context& ctx) {
  net::add_health_routes(r, ctx.server, ctx.readiness);
  net::add_metrics_route(r, ctx.metrics);
  return true;
}

// BankX, the example bank (examples/bankx): the client's system the demo assistant logs in to.
// Not a Parley component; a real deployment points [login] at the bank's own Login API instead.
bool add_bank_routes(net::router& r, service_context& ctx) {
  std::string problem;
  auto bank = bankx::bank::create(ctx.config.bankx, core::system_clock(), core::os_random(), &problem);
  if (!bank) {
    std::fprintf(stderr, "parley: cannot start the BankX example bank: %s\n",
                 problem.empty() ? bank.error().message().c_str() : problem.c_str());
    return false;
  }
  bankx::add_routes(r, std::shared_ptr<bankx::bank>(std::move(*bank)));
  return true;
}

// The channel (Direct Line 3.0 for clients, Bot Connector for bots); built by run_services.
bool add_channel_routes(net::router& r, service_context& ctx) {
  PARLEY_CHECK(ctx.channel != nullptr, "a channel listener without a channel");
  ctx.channel->add_routes(r);
  return true;
}

bool start_channel(service_context& ctx, const std::string& base_url) {
  if (ctx.channel->start(base_url)) return true;
  std::fprintf(stderr, "parley: channel: %s is not a usable public URL ([channel] public_url)\n", base_url.c_str());
  return false;
}

// The bot web service (handshake, /api/messages) and, in the demo, the BankX site; built by
// run_services.
bool add_bot_routes(net::router& r, service_context& ctx) {
  PARLEY_CHECK(ctx.bot != nullptr, "a bot listener without a bot");
  return ctx.bot->add_routes(r);
}

// The bot calls the channel of this process (its public URL) unless [bot] channel_url names one.
bool start_bot(service_context& ctx, const std::string&) {
  const std::string channel_url = ctx.channel ? ctx.channel->get_options().public_url : std::string{};
  if (ctx.bot->service().start(channel_url)) return true;
  std::fprintf(stderr, "parley: bot: no usable channel URL ([bot] channel_url, or a channel listener)\n");
  return false;
}

// The service desk (consultants' sign-in, sessions, the desk app and API); built by run_services.
bool add_desk_routes(net::router& r, service_context& ctx) {
  PARLEY_CHECK(ctx.desk != nullptr, "a desk listener without a desk");
  ctx.desk->service().add_routes(r);
  return true;
}

// The desk learns its URL (redirect URIs, allowed Origin) unless [desk] public_url names one.
bool start_desk(service_context& ctx, const std::string& base_url) {
  if (ctx.desk->service().start(base_url)) return true;
  std::fprintf(stderr, "parley: desk: %s is not a usable public URL ([desk] public_url)\n", base_url.c_str());
  return false;
}

}  // namespace

const std::vector<service>& services() {
  static const std::vector<service> table = {
      {"ops", 0, add_ops_routes, {{"health", "/healthz"}, {"ready", "/readyz"}, {"metrics", "/metrics"}}},
      {"channel",
       1,
       add_channel_routes,
       {{"directline", "/v3/directline"},
        {"channel", "/v3/directline"},
        {"channel_openid", "/v1/.well-known/openidconfiguration"}},
       start_channel},
      {"bot", 2, add_bot_routes, {{"bot", ""}, {"site", "/"}, {"webchat_compat", "/webchat-compat/"}}, start_bot},
      {"desk", 3, add_desk_routes, {{"desk", "/desk/"}}, start_desk},
      {"bank", 4, add_bank_routes, {{"bankx_api", "/api/v1"}, {"bankx_phone", "/app/"}}},
  };
  return table;
}

const service* find_service(std::string_view name) {
  for (const auto& s : services()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace parley::app
