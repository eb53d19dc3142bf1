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
#include "child_process.hpp"
#include "recorded_bankx.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#ifndef PARLEY_LEAK_HELPER
#error "PARLEY_LEAK_HELPER must name the helper binary"
#endif

namespace parley::login {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view client_secret = "leak-test-client-secret-0123456789abcdef";

TEST(login_leak, the_token_plaintext_is_nowhere_in_the_bot_process_while_logged_in) {
  if (geteuid() != 0) GTEST_SKIP() << "reading /proc/PID/mem of a non-dumpable process needs root";
  const auto dir = std::filesystem::temp_directory_path() / ("login-leak-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto secret_file = dir / "client-secret";
  {
    std::ofstream(secret_file) << client_secret;
    std::filesystem::permissions(secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  test::recorded_bankx bank(client_secret);
  const auto log_file = dir / "helper.log";
  test::child_process helper({PARLEY_LEAK_HELPER, bank.api_url(), secret_file.string(), "anna.schmidt"}, log_file,
                             {.pipes = true});
  ASSERT_EQ(helper.line(), "started");
  bank.approve("anna.schmidt");  // on the phone

  ASSERT_EQ(helper.line(), "approved");
  EXPECT_EQ(helper.line(), "called 200 200 200");
  ASSERT_EQ(helper.line(), "ready");
  ASSERT_EQ(bank.bank().access_tokens().size(), 1u) << "the customer is logged in now";

  // Dumps are off: no core file (RLIMIT_CORE 0) ...
  std::ifstream limits("/proc/" + std::to_string(helper.pid()) + "/limits");
  std::string limits_text((std::istreambuf_iterator<char>(limits)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(std::regex_search(limits_text, std::regex(R"(Max core file size\s+0\s+0\s)"))) << limits_text;

  // ... and its own report says dumpable is off and the secure heap is protected.
  std::ifstream log_in(log_file);
  std::string log_text((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log_text.find("dumpable=off"), std::string::npos) << log_text;

  // The plaintext of every token BankX issued is nowhere in the process's memory, in any form.
  const auto needles = bank.token_needles();
  ASSERT_FALSE(needles.empty());
  const auto scan = test::scan_memory(helper.pid(), needles);
  EXPECT_GT(scan.bytes, 1u << 20) << "the scan read the process's memory";
  std::printf("memory scan: %zu bytes in %zu readable regions (%zu unreadable), %zu forms of candidate tokens\n",
              scan.bytes, scan.files, scan.unreadable, needles.size());
  EXPECT_TRUE(scan.found.empty()) << scan.found.size() << " hit(s), first: " << scan.found.front();

  // The scan can find a token when one is there: the client secret lives in plain memory (it is
  // configuration, read once), and the scan sees it.
  EXPECT_FALSE(test::scan_memory(helper.pid(), {{std::string(client_secret), "client secret"}}).found.empty())
      << "the scan is blind";

  helper.say("logout");
  EXPECT_EQ(helper.line(), "bye");
  EXPECT_EQ(helper.wait(), 0);
  EXPECT_EQ(bank.bank().access_tokens().size(), 0u) << "logout revoked the token at the bank";

  std::ifstream log_again(log_file);
  std::string all_logs((std::istreambuf_iterator<char>(log_again)), std::istreambuf_iterator<char>());
  std::vector<std::string> in_log;
  test::find_in(all_logs, bank.token_needles(), "the log", in_log);
  EXPECT_TRUE(in_log.empty()) << in_log.front();
  EXPECT_EQ(all_logs.find(client_secret), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(login_leak, the_polling_token_plaintext_is_nowhere_in_the_bot_process_while_the_login_waits) {
  // Issue 14: the polling token is sealed like the access token. The bank asks for polls every
  // 30 s, so that none is in flight while the memory is read (a poll's request body is the only
  // plaintext copy, for the few milliseconds of the exchange).
  if (geteuid() != 0) GTEST_SKIP() << "reading /proc/PID/mem of a non-dumpable process needs root";
  const auto dir = std::filesystem::temp_directory_path() / ("login-leak-polling-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto secret_file = dir / "client-secret";
  {
    std::ofstream(secret_file) << client_secret;
    std::filesystem::permissions(secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  test::recorded_bankx bank(client_secret, 30s);
  const auto log_file = dir / "helper.log";
  test::child_process helper({PARLEY_LEAK_HELPER, bank.api_url(), secret_file.string(), "anna.schmidt"}, log_file,
                             {.pipes = true});
  ASSERT_EQ(helper.line(), "started");  // startLogin answered: the polling token is held now
  const auto needles = bank.token_needles();
  ASSERT_FALSE(needles.empty());
  const auto scan = test::scan_memory(helper.pid(), needles);
  EXPECT_GT(scan.bytes, 1u << 20) << "the scan read the process's memory";
  EXPECT_TRUE(scan.found.empty()) << scan.found.size() << " hit(s), first: " << scan.found.front();
  (void)helper.stop(SIGKILL, 5s);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parley::login
