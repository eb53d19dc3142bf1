#include "bot_wiring.hpp"

#include <parley/assistant/definition.hpp>
#include <parley/core/config.hpp>
#include <parley/core/random.hpp>
#include <parley/net/static_files.hpp>

#include <cstdio>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

// The pages' own policies (their meta tags), sent as headers too: the server's default would be
// stricter than the pages need (the widget connects to the channel on another port).
constexpr const char* site_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' http://127.0.0.1:* "
    "ws://127.0.0.1:* http://localhost:* ws://localhost:*; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
constexpr const char* compat_csp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src "
    "'self' data:; media-src 'self' data: blob:; connect-src 'self' http://127.0.0.1:* ws://127.0.0.1:* "
    "http://localhost:* ws://localhost:*; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// index.html with {{PARLEY_BOT_URL}} replaced by "" (the page's own origin: the bot serves it).
net::handler page(fs::path file, const char* csp) {
  return [file = std::move(file), csp](const net::request&) -> boost::asio::awaitable<net::response> {
    auto text = core::read_file(file, 1 << 20);
    if (!text) co_return net::error_response(net::errc::not_found, "no such page");
    std::string html = std::move(*text);
    const std::string marker = "{{PARLEY_BOT_URL}}";
    for (auto at = html.find(marker); at != std::string::npos; at = html.find(marker, at)) html.replace(at, marker.size(), "");
    auto r = net::html_response(200, std::move(html));
    r.headers.set("Content-Security-Policy", csp);
    r.headers.set("Cache-Control", "no-cache");
    co_return r;
  };
}

net::handler one_file(fs::path file) {
  return [file = std::move(file)](const net::request&) -> boost::asio::awaitable<net::response> {
    auto text = core::read_file(file, 1 << 20);
    if (!text) co_return net::error_response(net::errc::not_found, "no such file");
    net::response r;
    r.body = std::move(*text);
    r.headers.set("Content-Type", std::string(net::content_type_for(file.filename().string())));
    r.headers.set("Cache-Control", "no-cache");
    co_return r;
  };
}

bool add_site_routes(net::router& r, const demo_site& site) {
  auto index = page(site.site / "index.html", site_csp);
  r.get("/", index);
  r.get("/index.html", index);
  auto widget = net::static_files(site.widget);
  if (!fs::is_regular_file(site.site / "index.html") || !widget) {
    std::fprintf(stderr, "parley demo: cannot serve the site (%s) or the widget (%s; build it with scripts/install-npm.sh)\n",
                 site.site.c_str(), site.widget.c_str());
    return false;
  }
  r.get("/bankx.css", one_file(site.site / "bankx.css"));
  r.get("/widget/{*path}", *widget);
  if (auto compat = net::static_files(site.webchat_compat)) {
    auto compat_index = page(site.webchat_compat / "index.html", compat_csp);
    r.get("/webchat-compat", compat_index);
    r.get("/webchat-compat/index.html", compat_index);
    r.get("/webchat-compat/{*path}", *compat);
  } else {
    std::fprintf(stderr, "parley demo: %s is not built; /webchat-compat/ is not served\n", site.webchat_compat.c_str());
  }
  return true;
}

}  // namespace

bot_runtime::~bot_runtime() {
  if (flow_) flow_->shutdown();  // wipes every bank token
}

std::unique_ptr<bot_runtime> bot_runtime::create(boost::asio::io_context& io, bot_plan plan, bot::channel_link* channel) {
  std::unique_ptr<bot_runtime> rt(new bot_runtime());
  if (!plan.store) {
    std::fprintf(stderr, "parley: bot: no conversation store\n");
    return nullptr;
  }
  rt->store_ = plan.store;
  auto loaded = assistant::load_definition_file(plan.bot.assistant);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "parley: bot: the assistant definition %s has %zu problem(s)\n", plan.bot.assistant.c_str(),
                 loaded.errors.size());
    return nullptr;
  }
  auto http = net::pooled_http_client::create(io, std::move(plan.client));
  if (!http) {
    std::fprintf(stderr, "parley: bot: cannot create the outbound client: %s\n", http.error().message().c_str());
    return nullptr;
  }
  rt->http_ = std::move(*http);
  bot::login_executor* login = &rt->login_;
  bot::user_token_source* tokens = &rt->login_;
  if (!plan.login.tenants.empty()) {
    auto sealer = crypto::secret_sealer::create();
    if (!sealer) {
      std::fprintf(stderr, "parley: login: cannot create the token sealer: %s\n", sealer.error().message().c_str());
      return nullptr;
    }
    rt->sealer_.emplace(std::move(*sealer));
    rt->flow_ = std::make_unique<login::flow>(io, core::system_clock(), plan.login);
    for (auto& t : plan.login.tenants) {
      auto client = net::pooled_http_client::create(io, std::move(t.http));
      if (!client) {
        std::fprintf(stderr, "parley: login: tenant %s: cannot create the outbound client: %s\n", t.tenant.c_str(),
                     client.error().message().c_str());
        return nullptr;
      }
      rt->login_http_.push_back(std::move(*client));
      rt->flow_->add_tenant(std::make_unique<login::api_client>(std::move(t), *rt->login_http_.back(), *rt->sealer_));
    }
    rt->flow_->start_sweeper();
    rt->bot_login_ = std::make_unique<login::bot_login>(*rt->flow_);
    login = rt->bot_login_.get();
    tokens = rt->bot_login_.get();
  }
  bot::dependencies deps{io, *rt->store_, *rt->http_, core::system_clock(), core::os_random(), *login, *tokens, channel};
  auto svc = bot::service::create(std::move(plan.bot), loaded.def, plan.assistant, deps);
  if (!svc) {
    std::fprintf(stderr, "parley: bot: %s (an assertion site's jwk)\n", svc.error().message().c_str());
    return nullptr;
  }
  rt->service_ = std::move(*svc);
  rt->site_ = std::move(plan.site);
  return rt;
}

bool bot_runtime::add_routes(net::router& r) {
  service_->add_routes(r);
  return !site_ || add_site_routes(r, *site_);
}

void bot_runtime::count_login_outcomes(net::metrics_registry& metrics) {
  if (flow_) flow_->count_outcomes(metrics);
}

}  // namespace parley::app
