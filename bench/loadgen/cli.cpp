#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <sstream>

namespace loadgen {

const char* to_string(target_kind t) noexcept {
  return t == target_kind::peer ? "peer" : "parley";
}
const char* to_string(transport t) noexcept {
  return t == transport::polling ? "polling" : "stream";
}
const char* to_string(scenario_kind s) noexcept {
  switch (s) {
    case scenario_kind::idle:
      return "idle";
    case scenario_kind::handshake:
      return "handshake";
    case scenario_kind::chat:
      break;
  }
  return "chat";
}

std::optional<endpoints> resolve_endpoints(const settings& cfg, std::string& message) {
  endpoints ep;
  if (!parse_url(cfg.directline, ep.channel, ep.channel_host, ep.directline_path)) {
    message = "loadgen: --directline must be http://ADDRESS:PORT/path, got '" + cfg.directline + "'\n";
    return std::nullopt;
  }
  if (cfg.target == target_kind::peer) {
    ep.bot = ep.channel;
    ep.bot_host = ep.channel_host;
    return ep;
  }
  if (!parse_url(cfg.token_url, ep.bot, ep.bot_host, ep.token_path)) {
    message = "loadgen: --token-url must be http://ADDRESS:PORT/api/token for Parley\n";
    return std::nullopt;
  }
  return ep;
}

command_line parse_command_line(int argc, const char* const* argv) {
  settings cfg;
  CLI::App app{"parley_loadgen: simulated chat users against a Direct Line server"};
  std::string target = "parley", mode = "stream", scenario = "chat";
  long think_ms = 1000, poll_ms = 200, ramp_ms = 2000, keepalive_ms = 20000, timeout_ms = 30000;
  long hold_s = 10, duration_s = 10;
  std::vector<std::string> sources;
  app.add_option("--target", target, "parley | peer (offline-directline: no tokens, polling only)")
      ->check(CLI::IsMember({"parley", "peer"}));
  app.add_option("--mode", mode, "stream (WebSocket) | polling")->check(CLI::IsMember({"stream", "polling"}));
  app.add_option("--scenario", scenario, "chat | idle | handshake")
      ->check(CLI::IsMember({"chat", "idle", "handshake"}));
  app.add_option("--token-url", cfg.token_url, "Parley: the bot's POST /api/token URL");
  app.add_option("--directline", cfg.directline, "Direct Line base URL (http://127.0.0.1:P/v3/directline)")->required();
  app.add_option("--origin", cfg.origin, "Origin header of /api/token and the stream");
  app.add_option("--users", cfg.users, "concurrent conversations (handshake: concurrent callers)")
      ->check(CLI::PositiveNumber);
  app.add_option("--messages", cfg.messages, "messages per user (chat)")->check(CLI::NonNegativeNumber);
  app.add_option("--think-ms", think_ms, "mean think time before each message (0: closed loop)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--poll-ms", poll_ms, "polling interval while a reply is awaited (directlinejs minimum: 200)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ramp-ms", ramp_ms, "users connect spread over this time")->check(CLI::NonNegativeNumber);
  app.add_option("--keepalive-ms", keepalive_ms, "empty frame on each stream this often")->check(CLI::PositiveNumber);
  app.add_option("--timeout-ms", timeout_ms, "HTTP exchange and reply timeout")->check(CLI::PositiveNumber);
  app.add_option("--hold-s", hold_s, "idle: seconds the streams stay open once all are")->check(CLI::NonNegativeNumber);
  app.add_option("--duration-s", duration_s, "handshake: measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--threads", cfg.threads, "worker threads")->check(CLI::Range(1u, 64u));
  app.add_option("--http-connections", cfg.http_connections, "keep-alive connections per worker and server (0: auto)");
  app.add_option("--source", sources, "local address(es) for connections, e.g. 127.0.0.2 (repeat)");
  app.add_option("--server-pid", cfg.server_pids, "process(es) to report CPU and memory of (repeat)")
      ->check(CLI::PositiveNumber);
  app.add_option("--json", cfg.json_out, "also write the summary here");
  app.add_option("--label", cfg.label, "free text copied into the summary");

  command_line out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream text, errors;
    out.exit_code = app.exit(e, text, errors);
    out.message = out.exit_code == 0 ? text.str() : errors.str();
    return out;
  }
  const auto refuse = [&out](std::string why) {
    out.exit_code = 2;
    out.message = "loadgen: " + std::move(why) + "\n";
    return out;
  };
  cfg.target = target == "peer" ? target_kind::peer : target_kind::parley;
  cfg.mode = mode == "polling" ? transport::polling : transport::stream;
  cfg.scenario = scenario == "idle"        ? scenario_kind::idle
                 : scenario == "handshake" ? scenario_kind::handshake
                                           : scenario_kind::chat;
  cfg.think = std::chrono::milliseconds(think_ms);
  cfg.poll_interval = std::chrono::milliseconds(poll_ms);
  cfg.ramp = std::chrono::milliseconds(ramp_ms);
  cfg.keepalive = std::chrono::milliseconds(keepalive_ms);
  cfg.timeout = std::chrono::milliseconds(timeout_ms);
  cfg.hold = std::chrono::seconds(hold_s);
  cfg.duration = std::chrono::seconds(duration_s);
  for (const auto& s : sources) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(s, ec);
    if (ec) return refuse("--source " + s + " is not an address");
    cfg.sources.push_back(a);
  }
  if (cfg.target == target_kind::peer && (cfg.mode == transport::stream || cfg.scenario == scenario_kind::handshake)) {
    return refuse("the peer has no stream and no handshake: use --mode polling --scenario chat");
  }
  out.cfg = std::move(cfg);
  return out;
}

}  // namespace loadgen
