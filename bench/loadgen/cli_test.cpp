#include "cli.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace loadgen {
namespace {

using namespace std::chrono_literals;

command_line parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"parley_loadgen"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

const char* const dl = "http://127.0.0.1:8401/v3/directline";

TEST(cli, defaults_and_every_option) {
  auto d = parse({"--directline", dl});
  ASSERT_TRUE(d.cfg) << d.message;
  EXPECT_EQ(d.cfg->scenario, scenario_kind::chat);
  EXPECT_EQ(d.cfg->mode, transport::stream);
  EXPECT_EQ(d.cfg->users, 100);
  EXPECT_EQ(d.cfg->think, 1000ms);
  auto c = parse({"--directline", dl,          "--target",           "peer", "--mode",         "polling",
                  "--users",      "7",         "--messages",         "3",    "--think-ms",     "0",
                  "--poll-ms",    "250",       "--ramp-ms",          "10",   "--keepalive-ms", "5000",
                  "--timeout-ms", "900",       "--hold-s",           "4",    "--duration-s",   "6",
                  "--threads",    "2",         "--http-connections", "9",    "--source",       "127.0.0.2",
                  "--source",     "127.0.0.3", "--server-pid",       "12",   "--json",         "out.json",
                  "--label",      "x"});
  ASSERT_TRUE(c.cfg) << c.message;
  const auto& s = *c.cfg;
  EXPECT_EQ(s.target, target_kind::peer);
  EXPECT_EQ(s.mode, transport::polling);
  EXPECT_EQ(s.users, 7);
  EXPECT_EQ(s.messages, 3);
  EXPECT_EQ(s.think, 0ms);
  EXPECT_EQ(s.poll_interval, 250ms);
  EXPECT_EQ(s.ramp, 10ms);
  EXPECT_EQ(s.keepalive, 5000ms);
  EXPECT_EQ(s.timeout, 900ms);
  EXPECT_EQ(s.hold, 4s);
  EXPECT_EQ(s.duration, 6s);
  EXPECT_EQ(s.threads, 2u);
  EXPECT_EQ(s.http_connections, 9u);
  ASSERT_EQ(s.sources.size(), 2u);
  EXPECT_EQ(s.sources[1].to_string(), "127.0.0.3");
  EXPECT_EQ(s.server_pids, std::vector<int>{12});
  EXPECT_EQ(s.json_out, "out.json");
  EXPECT_EQ(s.label, "x");
  for (const char* sc : {"idle", "handshake"}) {
    auto r = parse({"--directline", dl, "--scenario", sc});
    ASSERT_TRUE(r.cfg);
    EXPECT_STREQ(to_string(r.cfg->scenario), sc);
  }
}

TEST(cli, bad_values_are_refused_with_a_message) {
  const std::vector<std::vector<const char*>> bad = {
      {},  // --directline is required
      {"--directline", dl, "--users", "0"},
      {"--directline", dl, "--threads", "65"},
      {"--directline", dl, "--scenario", "chatty"},
      {"--directline", dl, "--think-ms", "-1"},
      {"--directline", dl, "--poll-ms", "-1"},
      {"--directline", dl, "--ramp-ms", "-5"},
      {"--directline", dl, "--keepalive-ms", "0"},  // would send empty frames in a busy loop
      {"--directline", dl, "--timeout-ms", "0"},
      {"--directline", dl, "--hold-s", "-1"},
      {"--directline", dl, "--duration-s", "0"},
      {"--directline", dl, "--server-pid", "-3"},
      {"--directline", dl, "--source", "localhost"},
      {"--directline", dl, "--target", "peer"},  // the peer has no stream
      {"--directline", dl, "--target", "peer", "--mode", "polling", "--scenario", "handshake"},
      {"--directline", dl, "--unknown"},
  };
  for (const auto& args : bad) {
    std::vector<const char*> argv{"parley_loadgen"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = parse_command_line(static_cast<int>(argv.size()), argv.data());
    EXPECT_FALSE(r.cfg) << (args.size() > 2 ? args[2] : "(none)");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_FALSE(r.message.empty());
  }
}

TEST(cli, help_exits_zero_with_the_options) {
  auto r = parse({"--help"});
  EXPECT_FALSE(r.cfg);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.message.find("--think-ms"), std::string::npos);
}

TEST(cli, endpoints_are_numeric_urls) {
  auto c = parse({"--directline", dl, "--token-url", "http://127.0.0.1:8402/api/token"});
  ASSERT_TRUE(c.cfg);
  std::string problem;
  auto ep = resolve_endpoints(*c.cfg, problem);
  ASSERT_TRUE(ep) << problem;
  EXPECT_EQ(ep->channel.port(), 8401);
  EXPECT_EQ(ep->channel_host, "127.0.0.1:8401");
  EXPECT_EQ(ep->directline_path, "/v3/directline");
  EXPECT_EQ(ep->bot.port(), 8402);
  EXPECT_EQ(ep->token_path, "/api/token");
  // Parley needs the token URL; the peer does not.
  c.cfg->token_url.clear();
  EXPECT_FALSE(resolve_endpoints(*c.cfg, problem));
  EXPECT_NE(problem.find("--token-url"), std::string::npos);
  c.cfg->target = target_kind::peer;
  ep = resolve_endpoints(*c.cfg, problem);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->bot, ep->channel);
  c.cfg->directline = "http://localhost:8401/v3/directline";  // no DNS
  EXPECT_FALSE(resolve_endpoints(*c.cfg, problem));
}

TEST(cli, stream_urls_keep_their_query_and_ipv6_works) {
  tcp::endpoint ep;
  std::string host, target;
  ASSERT_TRUE(parse_url("ws://127.0.0.1:9/v3/directline/conversations/c/stream?t=abc&watermark=2", ep, host, target));
  EXPECT_EQ(target, "/v3/directline/conversations/c/stream?t=abc&watermark=2");
  ASSERT_TRUE(parse_url("http://127.0.0.1:80", ep, host, target));
  EXPECT_EQ(target, "/");
  ASSERT_TRUE(parse_url("http://[::1]:8401/v3/directline", ep, host, target));
  EXPECT_TRUE(ep.address().is_v6());
  EXPECT_EQ(ep.port(), 8401);
  EXPECT_EQ(host, "[::1]:8401");
  EXPECT_FALSE(parse_url("http://127.0.0.1/v3", ep, host, target));  // no port
  EXPECT_FALSE(parse_url("not a url", ep, host, target));
}

}  // namespace
}  // namespace loadgen
