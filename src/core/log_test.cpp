#include <parley/core/log.hpp>
#include <parley/core/testing/log_capture.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace parley::core {
namespace {

constexpr std::string_view jwt =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.MEUCIQDxQ2fGm8rX1b2lV9pqR0p3pTn5HkSgJ2b3vW1p8lH0QwIgVrX8mB1f0";

TEST(Redact, MasksJwtsBearerAndSecretParameters) {
  EXPECT_EQ(redact_secrets("token " + std::string(jwt) + " end"), "token [jwt redacted] end");
  EXPECT_EQ(redact_secrets("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer [redacted]");
  EXPECT_EQ(redact_secrets("GET /stream?watermark=3&t=" + std::string(jwt)), "GET /stream?watermark=3&t=[jwt redacted]");
  EXPECT_EQ(redact_secrets("client_secret=s3cr3t&x=1"), "client_secret=[redacted]&x=1");
  EXPECT_EQ(redact_secrets("password: hunter2, user=bob"), "password: [redacted], user=bob");
  EXPECT_EQ(redact_secrets("conversation=abc seq=4"), "conversation=abc seq=4");
  EXPECT_EQ(redact_secrets("mysecret=1"), "mysecret=1");  // a word that merely ends in "secret"
}

TEST(Log, EveryLineIsRedactedBeforeAnySink) {
  testing::log_capture capture;
  logger("test")->warn("refresh failed for token {}", jwt);
  EXPECT_TRUE(capture.contains("[jwt redacted]"));
  EXPECT_FALSE(capture.contains(jwt));
}

TEST(Log, SecretStringFormatsRedacted) {
  testing::log_capture capture;
  secret_string s{"hunter2"};
  logger("test")->warn("secret is {}", s);
  EXPECT_TRUE(capture.contains("secret is [redacted]"));
  EXPECT_FALSE(capture.contains("hunter2"));
  EXPECT_EQ(s.reveal(), "hunter2");
  secret_string moved = std::move(s);
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): checks the moved-from state
  EXPECT_EQ(moved.reveal(), "hunter2");
}

TEST(Log, RejectsUnknownLevel) {
  EXPECT_TRUE(init_logging({.level = "loud"}));
  EXPECT_FALSE(init_logging({.level = "info"}));
}

// Issue 21, 6: a 15 s token flood wrote 575 548 lines. Whatever floods, the lines written per
// second are bounded, and what was dropped is said.
TEST(Log, AFloodIsBoundedByTheLineBudget) {
  ASSERT_FALSE(init_logging({.level = "info", .file = {}, .max_lines_per_second = 50, .burst_lines = 20}));
  const auto dropped_before = dropped_log_lines();
  std::size_t written = 0;
  {
    testing::log_capture capture;
    for (int i = 0; i < 5000; ++i) logger("flood")->info("refused request {}", i);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // 10 more lines of budget
    logger("flood")->warn("after the flood");
    const auto lines = capture.lines();
    written = lines.size();
    EXPECT_TRUE(capture.contains("after the flood"));
    EXPECT_TRUE(capture.contains("line(s) dropped"));
  }
  EXPECT_LE(written, 20u + 15u);  // the burst, the refill during the loop and the pause, the note
  EXPECT_GE(dropped_log_lines() - dropped_before, 4900u);
  ASSERT_FALSE(init_logging({}));  // the defaults again for the other tests
}

}  // namespace
}  // namespace parley::core
