// Test helper of the robustness suite: the real `parley demo` binary on free loopback ports, in a
// temp data directory, with its log in a file. Every test of the suite gets its own demo (CTest
// runs each test in its own process), stops it with SIGTERM (it must exit 0: nothing crashed) and
// scans its whole log: no exception ever escaped a handler (`handler threw`, `unhandled exception`).
#pragma once

#include "attack.hpp"
#include "child_process.hpp"
#include "http_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

namespace parley::robustness {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::size_t count_lines(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class demo_process {
 public:
  demo_process() {
    dir_ = fs::temp_directory_path() /
           ("parley-robustness-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const auto ready = dir_ / "ready.json";
    child_ = std::make_unique<test::child_process>(
        std::vector<std::string>{PARLEY_BINARY, "demo", "--data-dir", (dir_ / "data").string(), "--ready-file",
                                 ready.string(), "--port-base", "0"},
        log_path(), test::child_process::options{});
    // Up to 60 s, as the script tests wait: the demo starts the test IdP (node, oidc-provider), which
    // took over 30 s once while the suite loaded both cores.
    for (int i = 0; i < 1200 && !fs::exists(ready) && child_->running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!fs::exists(ready)) {
      ADD_FAILURE() << "parley demo did not start:\n" << log();
      return;
    }
    const auto urls = boost::json::parse(read_file(ready)).as_object();
    const auto port_of = [&](const char* key) {
      return test::loopback_url(std::string(urls.at(key).as_string())).port;
    };
    ops_ = port_of("health");
    channel_ = port_of("directline");
    bot_ = port_of("bot");
    bank_ = port_of("bankx_api");
    bot_origin_ = "http://127.0.0.1:" + std::to_string(bot_);
    ok_ = true;
  }

  ~demo_process() {
    child_.reset();  // SIGKILL if still running
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  demo_process(const demo_process&) = delete;
  demo_process& operator=(const demo_process&) = delete;

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::uint16_t ops() const noexcept { return ops_; }
  [[nodiscard]] std::uint16_t channel() const noexcept { return channel_; }
  [[nodiscard]] std::uint16_t bot() const noexcept { return bot_; }
  [[nodiscard]] std::uint16_t bank() const noexcept { return bank_; }
  /// The origin the demo's bot allows (its own site).
  [[nodiscard]] const std::string& bot_origin() const noexcept { return bot_origin_; }
  [[nodiscard]] pid_t pid() const { return child_->pid(); }
  [[nodiscard]] bool running() const { return child_->running(); }

  [[nodiscard]] fs::path log_path() const { return dir_ / "demo.log"; }
  [[nodiscard]] std::string log() const { return read_file(log_path()); }

  /// /metrics of the ops listener ("" when it does not answer).
  [[nodiscard]] std::string metrics() const {
    attack_socket s(ops_, "127.0.0.9");
    if (!s.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return {};
    auto r = s.read_response(10s);
    return r && r->status == 200 ? r->body : std::string();
  }

  /// SIGTERM; the exit code (-1 when it did not exit within 30 s).
  int stop() { return child_->stop(SIGTERM, std::chrono::seconds(30)); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  fs::path dir_;
  std::unique_ptr<test::child_process> child_;
  std::uint16_t ops_ = 0, channel_ = 0, bot_ = 0, bank_ = 0;
  std::string bot_origin_;
  bool ok_ = false;
};

/// A user's conversation: the widget's handshake at the bot, then Direct Line at the channel.
/// The message of a Direct Line error body {"error":{"code","message"}} ("" when it is not one).
inline std::string error_message(const test::http_answer& a) {
  const auto* o = a.body.if_object();
  const auto* e = o ? o->if_contains("error") : nullptr;
  const auto* m = e && e->is_object() ? e->get_object().if_contains("message") : nullptr;
  return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

struct conversation {
  std::string token;
  std::string id;
  std::string stream_url;
  /// The stream URL's path and query ("/v3/directline/conversations/ID/stream?watermark=-&t=...").
  [[nodiscard]] std::string stream_target() const {
    const auto slash = stream_url.find('/', stream_url.find("//") + 2);
    return stream_url.substr(slash);
  }
};

inline std::string auth(const std::string& token) {
  return "Authorization: Bearer " + token + "\r\n";
}

/// Starts a conversation (handshake + POST conversations); empty fields on failure.
inline conversation start_conversation(const demo_process& demo, std::string_view source = "127.0.0.1") {
  (void)source;
  conversation c;
  const auto t = test::http_call(demo.bot(), "POST", "/api/token",
                                 "Origin: " + demo.bot_origin() + "\r\nContent-Type: application/json\r\n", "{}");
  EXPECT_EQ(t.status, 200);
  c.token = t.str("token");
  const auto s = test::http_call(demo.channel(), "POST", "/v3/directline/conversations", auth(c.token));
  EXPECT_TRUE(s.status == 201 || s.status == 200) << s.status;
  c.id = s.str("conversationId");
  c.stream_url = s.str("streamUrl");
  return c;
}

/// A new stream URL for the conversation (GET conversations/{id}: stream tokens are single-use).
inline std::string fresh_stream_target(const demo_process& demo, conversation& c) {
  const auto r = test::http_call(demo.channel(), "GET", "/v3/directline/conversations/" + c.id, auth(c.token));
  EXPECT_EQ(r.status, 200);
  c.stream_url = r.str("streamUrl");
  return c.stream_target();
}

/// POSTs an activity (raw JSON text) to the conversation.
inline test::http_answer post_activity(const demo_process& demo, const conversation& c, const std::string& json) {
  return test::http_call(demo.channel(), "POST", "/v3/directline/conversations/" + c.id + "/activities",
                         auth(c.token) + "Content-Type: application/json\r\n", json);
}

/// The raw body of GET activities (polling), or "" when it failed.
inline std::string poll_raw(const demo_process& demo, const conversation& c) {
  attack_socket s(demo.channel());
  if (!s.send("GET /v3/directline/conversations/" + c.id + "/activities HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
              auth(c.token) + "Connection: close\r\n\r\n")) {
    return {};
  }
  auto r = s.read_response(10s);
  return r && r->status == 200 ? r->body : std::string();
}

/// The conversation's watermark after every stored activity (polls page by page from 0).
inline std::uint64_t stored_watermark(const demo_process& demo, const conversation& c) {
  std::uint64_t w = 0;
  for (int page = 0; page < 1000; ++page) {
    attack_socket s(demo.channel());
    if (!s.send("GET /v3/directline/conversations/" + c.id + "/activities?watermark=" + std::to_string(w) +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth(c.token) + "Connection: close\r\n\r\n")) {
      break;
    }
    auto r = s.read_response(10s);
    if (!r || r->status != 200) break;
    boost::system::error_code ec;
    boost::json::parse_options deep;
    deep.max_depth = 64;
    const auto v = boost::json::parse(r->body, ec, {}, deep);
    if (ec) break;
    const auto& next = v.at("watermark").as_string();
    const std::uint64_t n = next.empty() ? 0 : std::stoull(std::string(next));
    if (n <= w) break;
    w = n;
  }
  return w;
}

/// Every test of the suite: a fresh demo, stopped and checked at the end.
class demo_test : public ::testing::Test {
 protected:
  void SetUp() override {
    demo_ = std::make_unique<demo_process>();
    ASSERT_TRUE(demo_->ok());
  }
  void TearDown() override {
    if (!demo_ || !demo_->ok()) return;
    EXPECT_TRUE(demo_->running()) << "the demo died during the attack:\n" << tail(demo_->log());
    EXPECT_EQ(demo_->stop(), 0) << tail(demo_->log());
    const auto log = demo_->log();
    for (const char* bad : {"handler threw", "unhandled exception", "fatal"}) {
      EXPECT_EQ(log.find(bad), std::string::npos) << "the log says '" << bad << "':\n" << tail(log);
    }
  }
  static std::string tail(const std::string& log) { return log.size() > 6000 ? log.substr(log.size() - 6000) : log; }

  demo_process& demo() { return *demo_; }

 private:
  std::unique_ptr<demo_process> demo_;
};

}  // namespace parley::robustness
