// SECURITY.md promise 8, tested on a real process: a bot-side process (login_leak_helper) logs a
// customer in at the real BankX back end (in this test process), keeps the token in login::flow's
// vault and calls the accounts API with it. While the customer is logged in, the test proves the
// process cannot be dumped (RLIMIT_CORE 0, its own hardening report: dumpable off) and reads every
// readable region of its memory through /proc/PID/mem (as root): the access token's plaintext and
// the polling token's must not be there (the sealed form may be). Its log output is scanned too.
//
// How the test knows the tokens: BankX here draws its randomness from a recording source, so the
// test holds every 32-byte draw and forms every token BankX can have issued ("bxa_"/"bxp_" +
// base64url of the draw); no test hook in BankX and no second copy of a token in the bot.
#include "probe.hpp"
#include "server_fixture.hpp"

#include <bankx/bank.hpp>
#include <bankx/routes.hpp>

#include <parley/core/base64.hpp>
#include <parley/core/random.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

#ifndef PARLEY_LEAK_HELPER
#error "PARLEY_LEAK_HELPER must name the helper binary"
#endif

namespace parley::login {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view client_secret = "leak-test-client-secret-0123456789abcdef";

class recording_random final : public core::random_source {
 public:
  void fill(std::span<std::uint8_t> out) override {
    core::os_random().fill(out);
    std::lock_guard lock(mutex_);
    if (out.size() == 32) draws_.emplace_back(out.begin(), out.end());
  }
  [[nodiscard]] std::vector<std::string> tokens(std::string_view prefix) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& d : draws_) out.push_back(std::string(prefix) + core::base64url_encode(d));
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::vector<std::uint8_t>> draws_;
};

struct http_answer {
  int status = 0;
  json::value body;
};

http_answer call(std::uint16_t port, std::string_view method, const std::string& target, const std::string& headers,
                 const std::string& body = {}) {
  net::test::probe p(port);
  EXPECT_TRUE(p.connected());
  EXPECT_TRUE(p.send(std::string(method) + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                     "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
  http_answer out;
  auto raw = p.read_response(10s);
  if (!raw) return out;
  out.status = raw->status;
  boost::system::error_code ec;
  if (!raw->body.empty()) out.body = json::parse(raw->body, ec);
  return out;
}

// A child process with its stdin and stdout on pipes and its stderr in a file.
class child {
 public:
  child(const std::vector<std::string>& args, const std::filesystem::path& stderr_file) {
    int in[2], out[2];
    EXPECT_EQ(pipe(in), 0);
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      const int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(err, 2);
      close(in[1]);
      close(out[0]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = fdopen(out[0], "r");
  }
  ~child() {
    if (to_ >= 0) close(to_);
    if (from_) fclose(from_);
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string line() {
    char buf[512];
    if (!from_ || !fgets(buf, sizeof buf, from_)) return "<eof>";
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  void say(const std::string& s) { EXPECT_EQ(write(to_, (s + "\n").data(), s.size() + 1), static_cast<ssize_t>(s.size() + 1)); }
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  FILE* from_ = nullptr;
  bool reaped_ = false;
};

// Every readable mapping of `pid`, concatenated per region (regions that cannot be read, e.g.
// [vvar], are skipped and counted).
struct memory_scan {
  std::size_t bytes = 0;
  std::size_t regions = 0;
  std::size_t unreadable = 0;
  std::vector<std::string> found;
};

memory_scan scan_memory(pid_t pid, const std::vector<std::string>& needles) {
  memory_scan out;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const int mem = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY);
  EXPECT_GE(mem, 0) << "reading another process's memory needs root (CAP_SYS_PTRACE)";
  if (mem < 0) return out;
  std::string line;
  std::string data;
  while (std::getline(maps, line)) {
    std::istringstream ls(line);
    std::string range, perms;
    ls >> range >> perms;
    if (perms.empty() || perms[0] != 'r') continue;
    const auto dash = range.find('-');
    const auto lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const auto hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    data.resize(hi - lo);
    const auto n = pread(mem, data.data(), data.size(), static_cast<off_t>(lo));
    if (n <= 0) {
      ++out.unreadable;
      continue;
    }
    data.resize(static_cast<std::size_t>(n));
    ++out.regions;
    out.bytes += data.size();
    for (const auto& needle : needles) {
      if (data.find(needle) != std::string::npos) out.found.push_back(needle.substr(0, 8) + "... in " + line);
    }
  }
  close(mem);
  return out;
}

TEST(login_leak, the_token_plaintext_is_nowhere_in_the_bot_process_while_logged_in) {
  if (geteuid() != 0) GTEST_SKIP() << "reading /proc/PID/mem of a non-dumpable process needs root";
  const auto dir = std::filesystem::temp_directory_path() / ("login-leak-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto secret_file = dir / "client-secret";
  {
    std::ofstream(secret_file) << client_secret;
    std::filesystem::permissions(secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  recording_random rng;
  bankx::options o;
  o.client_id = "parley";
  bankx::set_client_secret(o, client_secret);
  o.polling_interval = 1s;
  std::shared_ptr<bankx::bank> bank = std::move(*bankx::bank::create(o, core::system_clock(), rng));
  net::test::running_server server(
      [&](net::router& r, net::server&, net::metrics_registry&) { bankx::add_routes(r, bank); });
  const auto port = server.port();

  const auto log_file = dir / "helper.log";
  child helper({PARLEY_LEAK_HELPER, "http://127.0.0.1:" + std::to_string(port) + "/api/v1", secret_file.string(),
                "anna.schmidt"},
               log_file);
  ASSERT_EQ(helper.line(), "started");

  // The customer approves on the phone.
  const auto session = call(port, "POST", "/app/api/session", "Content-Type: application/json\r\n",
                            R"({"customerId":"anna.schmidt"})");
  ASSERT_EQ(session.status, 201);
  const std::string bearer = "Authorization: Bearer " + std::string(session.body.at("sessionToken").as_string()) + "\r\n";
  const auto state = call(port, "GET", "/app/api/state", bearer);
  ASSERT_EQ(state.body.at("requests").as_array().size(), 1u);
  const std::string id(state.body.at("requests").at(0).at("id").as_string());
  ASSERT_EQ(call(port, "POST", "/app/api/requests/" + id + "/approve", bearer).status, 204);

  ASSERT_EQ(helper.line(), "approved");
  EXPECT_EQ(helper.line(), "called 200 200 200");
  ASSERT_EQ(helper.line(), "ready");
  ASSERT_EQ(bank->access_tokens().size(), 1u) << "the customer is logged in now";

  // Dumps are off: no core file (RLIMIT_CORE 0) ...
  std::ifstream limits("/proc/" + std::to_string(helper.pid()) + "/limits");
  std::string limits_text((std::istreambuf_iterator<char>(limits)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(std::regex_search(limits_text, std::regex(R"(Max core file size\s+0\s+0\s)"))) << limits_text;

  // ... and its own report says dumpable is off and the secure heap is protected.
  std::ifstream log_in(log_file);
  std::string log_text((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log_text.find("dumpable=off"), std::string::npos) << log_text;

  // The plaintext of every token BankX issued is nowhere in the process's memory.
  auto needles = rng.tokens("bxa_");
  for (auto& t : rng.tokens("bxp_")) needles.push_back(std::move(t));
  ASSERT_FALSE(needles.empty());
  const auto scan = scan_memory(helper.pid(), needles);
  EXPECT_GT(scan.bytes, 1u << 20) << "the scan read the process's memory";
  std::printf("memory scan: %zu bytes in %zu readable regions (%zu unreadable), %zu candidate tokens\n", scan.bytes,
              scan.regions, scan.unreadable, needles.size());
  EXPECT_TRUE(scan.found.empty()) << scan.found.size() << " hit(s), first: " << scan.found.front();

  // The scan can find a token when one is there: the client secret lives in plain memory (it is
  // configuration, read once), and the scan sees it.
  EXPECT_FALSE(scan_memory(helper.pid(), {std::string(client_secret)}).found.empty()) << "the scan is blind";

  helper.say("logout");
  EXPECT_EQ(helper.line(), "bye");
  EXPECT_EQ(helper.wait(), 0);
  EXPECT_EQ(bank->access_tokens().size(), 0u) << "logout revoked the token at the bank";

  std::ifstream log_again(log_file);
  std::string all_logs((std::istreambuf_iterator<char>(log_again)), std::istreambuf_iterator<char>());
  for (const auto& n : needles) EXPECT_EQ(all_logs.find(n), std::string::npos) << "a token in the log";
  EXPECT_EQ(all_logs.find(client_secret), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parley::login
