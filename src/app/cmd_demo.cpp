#include "bot_wiring.hpp"
#include "channel_wiring.hpp"
#include "commands.hpp"
#include "demo_desk.hpp"
#include "run_services.hpp"
#include "services.hpp"
#include "store_wiring.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/log_format.hpp>
#include <parley/core/random.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

fs::path default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "parley-demo";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local" / "share" / "parley-demo";
  return fs::temp_directory_path() / "parley-demo";
}

// The data directory holds keys and conversations later: owner-only, always.
bool prepare_data_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    std::fprintf(stderr, "parley demo: cannot create the data directory %s\n", dir.c_str());
    return false;
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    std::fprintf(stderr, "parley demo: cannot make %s private (chmod 700)\n", dir.c_str());
    return false;
  }
  return true;
}

// The Login API client secret that the demo bank (BankX) expects and the bot presents: made once
// per data directory (0600), so restarts of the demo keep working with the same secret. Tests
// read it from there; it is never printed.
bool demo_bank_secret(const fs::path& dir, bankx::options& bank, std::string& plain) {
  const fs::path sub = dir / "bankx";
  const fs::path file = sub / "client-secret";
  std::error_code ec;
  fs::create_directories(sub, ec);
  if (ec || ::chmod(sub.c_str(), 0700) != 0) {
    std::fprintf(stderr, "parley demo: cannot create %s\n", sub.c_str());
    return false;
  }
  std::string secret;
  if (std::ifstream in(file); in) std::getline(in, secret);
  if (secret.size() < 43) {
    std::array<std::uint8_t, 32> raw{};
    core::os_random().fill(raw);
    secret = core::base64url_encode(raw);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const bool written = fd >= 0 && ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
    if (fd >= 0) ::close(fd);
    if (!written) {
      std::fprintf(stderr, "parley demo: cannot write %s\n", file.c_str());
      return false;
    }
  }
  bankx::set_client_secret(bank, secret);
  plain = std::move(secret);
  return true;
}

// Free loopback ports for every service (`--port-base 0`): the channel's bot registration and the
// bot's origin allowlist need the bot's URL before anything listens, so the demo picks the ports
// first (all sockets bound at once, so they differ) and then listens on them.
std::optional<std::vector<std::uint16_t>> free_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (fd >= 0) ::close(fd);
      break;
    }
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  if (ports.size() != n) return std::nullopt;
  return ports;
}

// --bank-url: an https URL, or plain http on loopback only (SECURITY.md promise 7), without
// credentials, query or fragment (paths are appended to it).
bool usable_bank_url(const std::string& url) {
  auto loopback = [&](std::string_view host) {
    return url.rfind(std::string("http://") + std::string(host), 0) == 0 &&
           (url.size() == 7 + host.size() || url[7 + host.size()] == ':' || url[7 + host.size()] == '/');
  };
  const bool scheme =
      url.rfind("https://", 0) == 0 || loopback("127.0.0.1") || loopback("localhost") || loopback("[::1]");
  return scheme && url.find_first_of("?#@ ") == std::string::npos && url.back() != '/';
}

// The demo's bot web service: the BankX assistant, the secrets the demo generated for the
// channel (in-process only), the BankX client API, and the site served from its own listener.
bot_plan demo_bot_plan(demo_bot_credentials& creds, const std::string& bot_origin, const std::string& bank_api,
                       std::string bank_secret) {
  const fs::path src(PARLEY_SOURCE_DIR);
  bot_plan p;
  p.bot.id = creds.bot_id;
  p.bot.tenant = creds.tenant;
  p.bot.name = "BankX Assistant";
  p.bot.assistant = (src / "examples" / "bankx" / "assistant.toml").string();
  p.bot.channel_secret = std::make_shared<core::secret_string>(std::move(creds.channel_secret));
  p.bot.app_id = creds.app_id;
  p.bot.app_password = std::make_shared<core::secret_string>(std::move(creds.app_password));
  p.bot.origins = {bot_origin};
  auto api = core::config::load_file(src / "examples" / "bankx" / "client-api.toml", {});
  p.bot.api = bot::parse_api_options(api->section("api"));
  p.bot.api.base_url = bank_api;
  // The end user's login at BankX's Login API, with the client secret the demo generated.
  login::tenant_options t;
  t.tenant = creds.tenant;
  t.base_url = p.bot.api.base_url;
  t.client_id = "parley";
  t.client_secret = core::secret_string(std::move(bank_secret));
  t.methods = {login::method::push, login::method::otp_sms, login::method::otp_email, login::method::ussd,
               login::method::totp};
  p.login.tenants.push_back(std::move(t));
  p.site = demo_site{src / "examples" / "bankx" / "site", src / "web" / "widget" / "dist",
                     src / "web" / "webchat-compat" / "dist"};
  return p;
}

}  // namespace

command add_demo(CLI::App& app) {
  auto* sub = app.add_subcommand("demo", "Run every service on loopback with embedded defaults (no configuration)");
  auto data_dir = std::make_shared<std::string>();
  auto ready_file = std::make_shared<std::string>();
  auto port_base = std::make_shared<int>(8400);
  auto bot_endpoint = std::make_shared<std::string>();
  auto token_lifetime = std::make_shared<std::string>();
  auto bank_url = std::make_shared<std::string>();
  auto erasure_dir = std::make_shared<std::string>();
  auto bench_consultants = std::make_shared<unsigned>(0);
  auto log_format = std::make_shared<std::string>("auto");
  sub->add_option("--data-dir", *data_dir, "Data directory (default: $XDG_DATA_HOME or ~/.local/share, /parley-demo)");
  sub->add_option("--erasure-dir", *erasure_dir,
                  "Where the erasure secrets live, apart from the data directory so that its backups cannot undo an "
                  "erasure (default: DATA_DIR-erasure)");
  sub->add_option("--ready-file", *ready_file, "Write the service URLs here (one JSON object) once ready");
  sub->add_option("--port-base", *port_base, "Service n listens on port base + n; 0 picks free ports")
      ->check(CLI::Range(0, 65535 - 16));
  sub->add_option("--bot-endpoint", *bot_endpoint,
                  "Messaging endpoint of an external bot (default: the demo's own bot service, in-process)");
  sub->add_option("--token-lifetime", *token_lifetime,
                  "Lifetime of the widget's conversation tokens, e.g. 60s (default 30m; at least 60s)");
  sub->add_option("--bank-url", *bank_url,
                  "Base URL of the Login API and accounts API of a bank that runs elsewhere (e.g. "
                  "http://127.0.0.1:9000/api/v1), instead of starting BankX; it must accept client id \"parley\" "
                  "with the secret in DATA_DIR/bankx/client-secret");
  sub->add_option("--desk-bench-consultants", *bench_consultants,
                  "Adds N BankX consultant accounts (bench01..) to the test IdP, for bench/desk/load.mjs (default 0)")
      ->check(CLI::Range(0, 200));
  sub->add_option("--log-format", *log_format,
                  "Log line format, as [log] format: auto, text, journal or json (one JSON object a line)");
  return [data_dir, ready_file, port_base, bot_endpoint, token_lifetime, bank_url, erasure_dir, bench_consultants,
          log_format] {
    const auto format = core::parse_log_format(*log_format);
    if (!format || core::set_log_format(*format)) {
      std::fprintf(stderr, "parley demo: --log-format must be \"auto\", \"text\", \"journal\" or \"json\"\n");
      return 2;
    }
    if (!bank_url->empty() && !usable_bank_url(*bank_url)) {
      std::fprintf(stderr,
                   "parley demo: --bank-url must be https://..., or http:// on loopback, without a trailing "
                   "slash, query or credentials\n");
      return 2;
    }
    const fs::path dir = data_dir->empty() ? default_data_dir() : fs::path(*data_dir);
    if (!prepare_data_dir(dir)) return 1;
    std::optional<std::chrono::seconds> lifetime;
    if (!token_lifetime->empty()) {
      const auto d = core::parse_duration(*token_lifetime);
      if (!d || *d < std::chrono::seconds{60} || *d > std::chrono::hours{24}) {
        std::fprintf(stderr, "parley demo: --token-lifetime must be a duration from 60s to 24h\n");
        return 2;
      }
      lifetime = std::chrono::duration_cast<std::chrono::seconds>(*d);
    }
    // The embedded store (SQLite and a root key in the data directory, created on first start; the
    // erasure secrets in a directory of their own) is opened before anything listens: a wrong
    // root key stops the demo here, having changed nothing.
    auto store_settings = demo_settings(dir, *erasure_dir);
    if (!store_settings) return 1;
    std::shared_ptr<store::encrypted_store> store = open_store(*store_settings, /*migrate=*/true);
    if (!store) return 1;
    run_plan plan;
    plan.banner = "parley demo";
    plan.audit = make_audit_plan(*store_settings, store);  // the audit log, in the same store
    plan.config = std::move(*store_settings);
    plan.store = store;
    plan.desk_store = store;
    plan.desk_queue = store;
    std::string bank_secret;
    if (!demo_bank_secret(dir, plan.config.bankx, bank_secret)) return 1;
    plan.data_dir = dir;
    // Each service's port: base + offset, or free ports picked now (--port-base 0).
    std::vector<std::uint16_t> ports;
    for (const auto& svc : services()) ports.push_back(static_cast<std::uint16_t>(*port_base + svc.port_offset));
    if (*port_base == 0) {
      auto picked = free_ports(services().size());
      if (!picked) {
        std::fprintf(stderr, "parley demo: no free loopback ports\n");
        return 1;
      }
      ports = std::move(*picked);
    }
    auto port_of = [&](std::string_view name) -> std::uint16_t {
      for (std::size_t i = 0; i < services().size(); ++i) {
        if (services()[i].name == name) return ports[i];
      }
      return 0;
    };
    const std::string bot_base = "http://127.0.0.1:" + std::to_string(port_of("bot"));
    // The channel's bot: the demo's bot web service of this process, reached in-process (no HTTP,
    // no JWT on that hop: docs/adr/0007), unless another is named.
    std::string endpoint = bot_endpoint->empty() ? std::string(channel::in_process_endpoint) : *bot_endpoint;
    auto demo = make_demo_channel(dir, std::move(endpoint));
    if (!demo) return 1;
    // The widget's page is served by the bot: its origin is the one the channel and the bot allow.
    demo->plan.channel.bots.front().origins = {bot_base};
    if (lifetime) {
      demo->plan.channel.bots.front().token_lifetime = *lifetime;
      demo->plan.channel.allow_short_token_lifetime = true;
    }
    demo->plan.store = plan.store;  // the embedded encrypted store, shared by the channel and the bot
    if (demo->plan.store) {
      if (bot_endpoint->empty()) {
        const std::string bank_api =
            bank_url->empty() ? "http://127.0.0.1:" + std::to_string(port_of("bank")) + "/api/v1" : *bank_url;
        plan.bot = demo_bot_plan(demo->bot, bot_base, bank_api, std::move(bank_secret));
        plan.bot->store = demo->plan.store;
      }
      plan.channel = std::move(demo->plan);
      plan.demo_bot = std::move(demo->bot);
    } else {
      std::fprintf(stderr, "parley demo: running without the channel and the bot (no conversation store)\n");
    }
    // The desk and its tenants' identity provider (a child process, stopped with the demo).
    std::optional<demo_desk> desk;
    if (plan.store) {
      std::string problem;
      desk = start_demo_desk(dir, "http://127.0.0.1:" + std::to_string(port_of("desk")), problem, *bench_consultants);
      if (desk) {
        desk->plan.store = plan.store;
        desk->plan.sessions = plan.desk_store;
        plan.desk = std::move(desk->plan);
        plan.ready_extra.emplace_back("desk_accounts", desk->accounts_json);
        for (const auto& line : desk->banner) std::printf("parley demo: desk account   %s\n", line.c_str());
      } else {
        std::fprintf(stderr, "parley demo: running without the desk: %s\n", problem.c_str());
      }
    }
    for (std::size_t i = 0; i < services().size(); ++i) {
      const auto& svc = services()[i];
      if (svc.name == "desk" && !plan.desk) continue;
      if (svc.name == "channel" && !plan.channel) continue;
      if (svc.name == "bot" && !plan.bot) continue;
      if (svc.name == "bank" && !bank_url->empty()) continue;  // the bank runs elsewhere
      net::listener_options l;
      l.name = std::string(svc.name);
      l.address = "127.0.0.1";
      l.port = ports[i];
      plan.net.listeners.push_back(std::move(l));
    }
    if (!ready_file->empty()) plan.ready_file = *ready_file;
    std::printf(
        "parley demo: data directory %s, erasure secrets in %s (keep them out of the data directory's "
        "backups)\n",
        dir.c_str(), std::filesystem::path(plan.config.crypto.erasure_secrets_file).parent_path().c_str());
    return run_services(std::move(plan));
  };
}

}  // namespace parley::app
