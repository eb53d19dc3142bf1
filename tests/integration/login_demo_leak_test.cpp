// SECURITY.md promise 8 on the real product: the `parley demo` binary (channel, bot, encrypted
// SQLite store in a temp data directory, random ports) with its bank pointed at a BankX that runs
// in this test process (`--bank-url`). The test is the user: handshake at the bot, a Direct Line
// conversation, "log me in", approval on BankX's phone endpoint, "what is my balance". While the
// user is logged in it proves the demo cannot dump core (RLIMIT_CORE 0 in /proc/PID/limits; not
// dumpable: /proc/PID is owned by root:root although the demo runs with group nogroup) and reads
// every readable region of its memory through /proc/PID/mem (as root): no form of any token BankX
// issued may be there. The demo's log and every file of its data directory (the database with
// its -wal and -shm, keys) are scanned while logged in and after logout.
//
// How the test knows the tokens: BankX runs here on a recording random source (leak_scan.hpp), so
// the demo process holds the only copy the product makes; no hook in the demo or in BankX.
#include "child_process.hpp"
#include "recorded_bankx.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#ifndef PARLEY_BINARY
#error "PARLEY_BINARY must name the parley binary"
#endif

namespace parley::login {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using test::http_call;

constexpr int nogroup = 65534;

// The user's side of the demo: the widget's handshake and Direct Line calls.
class demo_user {
 public:
  demo_user(const std::string& bot_url, const std::string& directline_url)
      : bot_(bot_url), dl_(directline_url), origin_(bot_url) {}

  bool start() {
    const auto t = http_call(bot_.port, "POST", "/api/token",
                             "Origin: " + origin_ + "\r\nContent-Type: application/json\r\n", "{}");
    EXPECT_EQ(t.status, 200) << json::serialize(t.body);
    const auto c = http_call(dl_.port, "POST", dl_.path + "/conversations",
                             "Authorization: Bearer " + t.str("token") + "\r\nContent-Type: application/json\r\n", "{}");
    EXPECT_EQ(c.status, 201) << json::serialize(c.body);
    conversation_ = c.str("conversationId");
    token_ = c.str("token");
    return !conversation_.empty() && !token_.empty();
  }
  void say(const std::string& text) {
    const auto body = json::serialize(json::object{{"type", "message"}, {"text", text}, {"from", {{"id", "user"}}}});
    const auto r = http_call(dl_.port, "POST", dl_.path + "/conversations/" + conversation_ + "/activities",
                             auth() + trace_ + "Content-Type: application/json\r\n", body);
    EXPECT_EQ(r.status, 200) << text;
  }
  /// Waits (20 s at most) for a bot message containing `needle`.
  bool wait_for(std::string_view needle) {
    for (int i = 0; i < 400; ++i) {
      const auto r = http_call(dl_.port, "GET", dl_.path + "/conversations/" + conversation_ + "/activities?watermark=",
                               auth());
      const auto* list = r.body.is_object() ? r.body.get_object().if_contains("activities") : nullptr;
      for (const auto& a : list && list->is_array() ? list->get_array() : json::array{}) {
        const auto& o = a.get_object();
        const auto* text = o.if_contains("text");
        const auto* from = o.if_contains("from");
        const bool bot = from && from->is_object() && from->get_object().contains("role") &&
                         from->get_object().at("role") == "bot";
        if (bot && text && text->is_string() && std::string_view(text->get_string()).find(needle) != std::string_view::npos) {
          return true;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  void exchange(const std::string& text, std::string_view expect) {
    say(text);
    EXPECT_TRUE(wait_for(expect)) << "after \"" << text << "\" no bot message with \"" << expect << "\"";
  }
  [[nodiscard]] const std::string& conversation() const { return conversation_; }
  /// The W3C traceparent header the next messages are sent with ("" for none).
  void trace(const std::string& traceparent) {
    trace_ = traceparent.empty() ? "" : "traceparent: " + traceparent + "\r\n";
  }

 private:
  [[nodiscard]] std::string auth() const { return "Authorization: Bearer " + token_ + "\r\n"; }
  test::loopback_url bot_, dl_;
  std::string origin_;
  std::string conversation_, token_;
  std::string trace_;
};

std::string status_field(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
  }
  return {};
}

// The first (real) group id of `pid`, from /proc/PID/status.
int real_gid(pid_t pid) {
  const auto gids = status_field(pid, "Gid");
  return gids.empty() ? -1 : std::stoi(gids);
}

int mem_owner_gid(pid_t pid) {
  struct stat st {};
  return ::stat(("/proc/" + std::to_string(pid) + "/mem").c_str(), &st) == 0 ? static_cast<int>(st.st_gid) : -1;
}

std::string random_secret() { return core::random_id(core::os_random(), "", 32); }

TEST(login_demo_leak, the_token_is_nowhere_in_the_parley_demo_process_its_log_or_its_files) {
  if (geteuid() != 0) GTEST_SKIP() << "reading /proc/PID/mem of a non-dumpable process needs root";
  const auto dir = fs::temp_directory_path() / ("login-demo-leak-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const auto data = dir / "data";
  fs::create_directories(data / "bankx");
  fs::permissions(data, fs::perms::owner_all);
  fs::permissions(data / "bankx", fs::perms::owner_all);
  // The bot's client secret at the bank, where the demo reads it (DATA_DIR/bankx/client-secret).
  const std::string client_secret = random_secret();
  {
    std::ofstream(data / "bankx" / "client-secret") << client_secret;
    fs::permissions(data / "bankx" / "client-secret", fs::perms::owner_read | fs::perms::owner_write);
  }

  test::recorded_bankx bank(client_secret);
  const auto ready = dir / "ready.json";
  const auto log_file = dir / "demo.log";
  test::child_process demo({PARLEY_BINARY, "demo", "--data-dir", data.string(), "--ready-file", ready.string(),
                            "--port-base", "0", "--bank-url", bank.api_url()},
                           log_file, {.gid = nogroup});
  for (int i = 0; i < 600 && !fs::exists(ready) && demo.running(); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(fs::exists(ready)) << test::read_whole_file(log_file);
  const auto urls = json::parse(test::read_whole_file(ready)).as_object();
  EXPECT_FALSE(urls.contains("bankx_api")) << "no BankX of its own with --bank-url";

  // The user logs in through the channel and approves on the phone.
  demo_user user(std::string(urls.at("bot").as_string()), std::string(urls.at("directline").as_string()));
  ASSERT_TRUE(user.start());
  user.exchange("log me in", "customer ID");
  user.exchange("anna.schmidt", "How would you like to confirm");
  user.exchange("Approve in the app", "approve");
  bank.approve("anna.schmidt");
  ASSERT_TRUE(user.wait_for("You're logged in"));
  user.exchange("what is my balance", "2431.67");
  ASSERT_EQ(bank.bank().access_tokens().size(), 1u) << "the user is logged in now";

  // No core dumps: RLIMIT_CORE is 0 ...
  const auto limits = test::read_whole_file("/proc/" + std::to_string(demo.pid()) + "/limits");
  EXPECT_TRUE(std::regex_search(limits, std::regex(R"(Max core file size\s+0\s+0\s)"))) << limits;
  // ... and the process is not dumpable: the kernel gives /proc/PID to root:root instead of the
  // process's own ids (proc(5)); the demo runs with group nogroup, so group 0 can only mean that.
  EXPECT_EQ(real_gid(demo.pid()), nogroup);
  EXPECT_EQ(mem_owner_gid(demo.pid()), 0) << "/proc/PID/mem of a dumpable process would be group " << nogroup;
  EXPECT_NE(test::read_whole_file(log_file).find("dumpable=off"), std::string::npos) << "its own hardening report";
  {
    // The check tells the difference: a dumpable process started the same way keeps its group.
    // (Polled: between its setgid and its exec the child is briefly not dumpable either, as the
    // kernel resets dumpable on a credential change and sets it again at exec.)
    test::child_process control({"/bin/sleep", "30"}, dir / "sleep.log", {.gid = nogroup});
    for (int i = 0; i < 300 && mem_owner_gid(control.pid()) != nogroup; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(mem_owner_gid(control.pid()), nogroup);
    EXPECT_EQ(status_field(control.pid(), "Name"), "\tsleep");
  }

  // Every readable byte of the demo's memory: no form of any token BankX issued.
  const auto needles = bank.token_needles();
  const auto memory = test::scan_memory(demo.pid(), needles);
  EXPECT_GT(memory.bytes, 8u << 20) << "the scan read the process's memory";
  EXPECT_TRUE(memory.found.empty()) << memory.found.size() << " hit(s), first: " << memory.found.front();
  std::printf("parley demo memory: %zu bytes in %zu readable regions (%zu unreadable), %zu forms of candidate tokens\n",
              memory.bytes, memory.files, memory.unreadable, needles.size());
  // The scan is not blind: the bank's client secret (configuration, read from its file) is found.
  EXPECT_FALSE(test::scan_memory(demo.pid(), {{client_secret, "client secret"}}).found.empty()) << "blind scan";

  // The log and every file of the data directory (store, -wal, -shm, keys) while logged in.
  auto files = test::scan_files(dir, needles);
  EXPECT_TRUE(files.found.empty()) << files.found.size() << " hit(s), first: " << files.found.front();
  for (const auto* name : {"parley.db", "parley.db-wal", "parley.db-shm", "parley-keys.db"}) {
    EXPECT_TRUE(fs::exists(data / name)) << name;
  }
  // Not blind either: the conversation id, one of the store's clear columns, is in the database.
  EXPECT_FALSE(test::scan_files(data, {{user.conversation(), "conversation id"}}).found.empty());

  user.exchange("log out", "You're logged out");
  EXPECT_EQ(bank.bank().access_tokens().size(), 0u) << "revoked at the bank";
  EXPECT_EQ(demo.stop(SIGTERM, 20s), 0) << test::read_whole_file(log_file);
  files = test::scan_files(dir, bank.token_needles());
  EXPECT_TRUE(files.found.empty()) << files.found.size() << " hit(s), first: " << files.found.front();
  std::printf("parley demo files: %zu files, %zu bytes (log and data directory)\n", files.files, files.bytes);
  fs::remove_all(dir);
}

// Issue 17 (ADR 0027/0028) on the same product: `parley demo --log-format json`, one conversation
// logged in and asking its balance, each message sent with a W3C traceparent. Every JSON line
// that names the conversation has its id (and tenant) as fields; the lines of the bot's turn,
// its login and its [bot.api] call carry the trace id of the message that caused them (the bot is
// reached in-process), as do the calls the bank receives; and the log holds no token (the
// scanners above) and no message text. Needs no root.
TEST(login_demo_leak, json_log_lines_follow_one_conversation_and_its_trace_to_the_bank) {
  const auto dir = fs::temp_directory_path() / ("login-demo-trace-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const auto data = dir / "data";
  fs::create_directories(data / "bankx");
  fs::permissions(data, fs::perms::owner_all);
  fs::permissions(data / "bankx", fs::perms::owner_all);
  const std::string client_secret = random_secret();
  {
    std::ofstream(data / "bankx" / "client-secret") << client_secret;
    fs::permissions(data / "bankx" / "client-secret", fs::perms::owner_read | fs::perms::owner_write);
  }
  test::recorded_bankx bank(client_secret);
  const auto ready = dir / "ready.json";
  const auto log_file = dir / "demo.log";
  test::child_process demo({PARLEY_BINARY, "demo", "--data-dir", data.string(), "--ready-file", ready.string(),
                            "--port-base", "0", "--bank-url", bank.api_url(), "--log-format", "json"},
                           log_file, {});
  for (int i = 0; i < 1200 && !fs::exists(ready) && demo.running(); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(fs::exists(ready)) << test::read_whole_file(log_file);
  const auto urls = json::parse(test::read_whole_file(ready)).as_object();

  const auto hex = [](std::size_t digits) {  // random lower-case hex: W3C trace and span ids
    std::vector<std::uint8_t> b(digits / 2);
    core::os_random().fill(b);
    return test::hex_of(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  };
  const std::string login_id = hex(32), balance_id = hex(32);
  demo_user user(std::string(urls.at("bot").as_string()), std::string(urls.at("directline").as_string()));
  ASSERT_TRUE(user.start());
  user.trace("00-" + login_id + "-" + hex(16) + "-01");
  user.exchange("log me in", "customer ID");
  user.exchange("anna.schmidt", "How would you like to confirm");
  user.exchange("Approve in the app", "approve");
  bank.approve("anna.schmidt");
  ASSERT_TRUE(user.wait_for("You're logged in"));
  user.trace("00-" + balance_id + "-" + hex(16) + "-01");
  user.exchange("what is my balance", "2431.67");
  EXPECT_EQ(demo.stop(SIGTERM, 20s), 0) << test::read_whole_file(log_file);

  // The bank got the login's calls in the trace of the messages that led to the login, and the
  // balance call in the trace of "what is my balance".
  bool started = false, accounts = false;
  for (const auto& [path, trace] : bank.traces()) {
    if (path.ends_with("/startLogin")) started = trace == login_id;
    if (path.ends_with("/accounts")) accounts = trace == balance_id;
  }
  EXPECT_TRUE(started) << "startLogin in the login's trace";
  EXPECT_TRUE(accounts) << "the balance call in its message's trace";

  // The log: no token in any form, no message text, and the conversation's lines with its ids.
  const auto files = test::scan_files(dir, bank.token_needles());
  EXPECT_TRUE(files.found.empty()) << files.found.size() << " hit(s), first: " << files.found.front();
  const auto text = test::read_whole_file(log_file);
  for (const auto* said : {"log me in", "anna.schmidt", "Approve in the app", "what is my balance", "2431.67"}) {
    EXPECT_EQ(text.find(said), std::string::npos) << "\"" << said << "\" in the log";
  }
  const auto& id = user.conversation();
  std::set<std::string> traced_components;  // of the lines in the login's or the balance's trace
  int about = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("{")) continue;  // the banner on stdout
    const auto o = json::parse(line).as_object();
    const std::string_view msg = o.at("msg").as_string();
    const auto field = [&o](const char* name) {
      return o.contains(name) ? std::string(o.at(name).as_string()) : std::string();
    };
    if (msg.find(id) != std::string_view::npos) {
      ++about;
      EXPECT_EQ(field("conversation"), id) << line;
      EXPECT_EQ(field("tenant"), "bankx") << line;
    }
    if (field("trace_id") == login_id || field("trace_id") == balance_id) {
      traced_components.insert(field("component"));
      if (field("component") != "net") {
        EXPECT_EQ(field("conversation"), id) << line;
      }
    }
  }
  EXPECT_GE(about, 3) << text;
  for (const auto* c : {"bot", "login", "assistant"}) {
    EXPECT_TRUE(traced_components.contains(c)) << c << " lines in the messages' traces\n" << text;
  }
  fs::remove_all(dir);
}

TEST(login_demo_leak, a_bank_url_in_plain_http_off_loopback_is_refused_before_anything_starts) {
  const auto dir = fs::temp_directory_path() / ("login-demo-url-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const std::string url : {"http://bank.example/api/v1", "http://127.0.0.1.example/api", "ftp://127.0.0.1/x",
                                "https://bank.example/api/v1/", "https://user@bank.example/api"}) {
    test::child_process demo({PARLEY_BINARY, "demo", "--data-dir", (dir / "data").string(), "--port-base", "0",
                              "--bank-url", url},
                             dir / "out.log", {});
    EXPECT_EQ(demo.wait(), 2) << url;
    EXPECT_NE(test::read_whole_file(dir / "out.log").find("--bank-url must be"), std::string::npos) << url;
  }
  EXPECT_FALSE(fs::exists(dir / "data")) << "refused before the data directory was made";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace parley::login
