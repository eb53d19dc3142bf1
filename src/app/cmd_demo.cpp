#include "channel_wiring.hpp"
#include "commands.hpp"
#include "run_services.hpp"
#include "services.hpp"
#include "store_wiring.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/random.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <iterator>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

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
bool demo_bank_secret(const fs::path& dir, bankx::options& bank) {
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
  return true;
}

}  // namespace

command add_demo(CLI::App& app) {
  auto* sub = app.add_subcommand("demo", "Run every service on loopback with embedded defaults (no configuration)");
  auto data_dir = std::make_shared<std::string>();
  auto ready_file = std::make_shared<std::string>();
  auto port_base = std::make_shared<int>(8400);
  auto bot_endpoint = std::make_shared<std::string>();
  sub->add_option("--data-dir", *data_dir, "Data directory (default: $XDG_DATA_HOME or ~/.local/share, /parley-demo)");
  sub->add_option("--ready-file", *ready_file, "Write the service URLs here (one JSON object) once ready");
  sub->add_option("--port-base", *port_base, "Service n listens on port base + n; 0 picks free ports")
      ->check(CLI::Range(0, 65535 - 16));
  sub->add_option("--bot-endpoint", *bot_endpoint,
                  "Messaging endpoint of the demo's bot (default: the demo's bot service, port base + 2)");
  return [data_dir, ready_file, port_base, bot_endpoint] {
    const fs::path dir = data_dir->empty() ? default_data_dir() : fs::path(*data_dir);
    if (!prepare_data_dir(dir)) return 1;
    // The embedded store (SQLite and a root key in the data directory, created on first start) is
    // opened before anything listens: a wrong root key stops the demo here, having changed nothing.
    auto store_settings = demo_settings(dir);
    if (!store_settings) return 1;
    auto store = open_store(*store_settings, /*migrate=*/true);
    if (!store) return 1;
    run_plan plan;
    plan.banner = "parley demo";
    plan.config = std::move(*store_settings);
    plan.store = std::move(store);
    if (!demo_bank_secret(dir, plan.config.bankx)) return 1;
    plan.data_dir = dir;
    // The channel's bot: the demo's bot web service (its own issue) unless another is named.
    std::string endpoint = *bot_endpoint;
    if (endpoint.empty()) {
      endpoint = "http://127.0.0.1:" + std::to_string(*port_base == 0 ? 8402 : *port_base + 2) + "/api/messages";
    }
    auto demo = make_demo_channel(dir, std::move(endpoint));
    if (!demo) return 1;
    demo->plan.store = plan.store;  // the channel keeps its conversations in the demo's encrypted store
    plan.channel = std::move(demo->plan);
    plan.demo_bot = std::move(demo->bot);
    for (const auto& svc : services()) {
      net::listener_options l;
      l.name = std::string(svc.name);
      l.address = "127.0.0.1";
      l.port = static_cast<std::uint16_t>(*port_base == 0 ? 0 : *port_base + svc.port_offset);
      plan.net.listeners.push_back(std::move(l));
    }
    if (!ready_file->empty()) plan.ready_file = *ready_file;
    std::printf("parley demo: data directory %s\n", dir.c_str());
    return run_services(std::move(plan));
  };
}

}  // namespace parley::app
