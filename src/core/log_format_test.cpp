#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/core/log_format.hpp>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace parley::core {
namespace {

constexpr std::string_view jwt =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.MEUCIQDxQ2fGm8rX1b2lV9pqR0p3pTn5HkSgJ2b3vW1p8lH0QwIgVrX8mB1f0";

// Logging into a file of its own; the lines written in the given format.
class LogFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() / ("parley_log_format_" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(file_);
    ASSERT_FALSE(init_logging({.level = "info", .file = file_.string()}));
  }
  void TearDown() override {
    ASSERT_FALSE(init_logging({}));  // stderr and text again for the other tests
    std::filesystem::remove(file_);
  }
  std::vector<std::string> lines() {
    logger("fmt")->flush();
    std::ifstream in(file_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  std::filesystem::path file_;
};

TEST(LogFormatNames, ParsesTheFourNamesOnly) {
  EXPECT_EQ(parse_log_format("json"), log_format::json);
  EXPECT_EQ(parse_log_format("text"), log_format::text);
  EXPECT_EQ(parse_log_format("journal"), log_format::journal);
  EXPECT_EQ(parse_log_format("auto"), log_format::automatic);
  EXPECT_FALSE(parse_log_format("JSON"));
  EXPECT_FALSE(parse_log_format(""));
}

TEST_F(LogFormat, JsonLinesAreValidJsonWithTheFieldsAndRedacted) {
  ASSERT_FALSE(set_log_format(log_format::json));
  logger("channel")->warn("token {} for \"conversation\" c-1\n\tnext", jwt);
  logger("bot")->info("bad bytes \xff\xc3 and ok \xc3\xa9 and \xed\xa0\x80");
  logger("store")->error("client_secret=hunter2");
  const auto got = lines();
  ASSERT_EQ(got.size(), 3u);
  const auto first = boost::json::parse(got[0]).as_object();
  EXPECT_EQ(first.at("level").as_string(), "warning");
  EXPECT_EQ(first.at("component").as_string(), "channel");
  EXPECT_EQ(first.at("msg").as_string(), "token [jwt redacted] for \"conversation\" c-1\n\tnext");
  const std::string ts(first.at("ts").as_string());
  EXPECT_EQ(ts.size(), 24u) << ts;  // 2026-12-07T19:00:00.123Z
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_EQ(ts[10], 'T');
  const auto second = boost::json::parse(got[1]).as_object();
  EXPECT_EQ(second.at("msg").as_string(),
            "bad bytes \xef\xbf\xbd\xef\xbf\xbd and ok \xc3\xa9 and \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  for (const auto& line : got) {
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
    EXPECT_EQ(line.find(jwt), std::string::npos) << line;
  }
}

// log_fields.hpp: the ids of a scope become separate JSON fields (empty ones left out), only
// while the scope lives, innermost first; text lines stay as they were.
TEST_F(LogFormat, JsonLinesCarryTheIdsOfTheScope) {
  ASSERT_FALSE(set_log_format(log_format::json));
  const log_fields outer{.conversation = "c-1", .tenant = "bank", .request_id = "00f067aa0ba902b7",
                         .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"};
  const log_fields inner{.tenant = "other\"quoted"};
  {
    log_fields_scope scope(outer);
    logger("net")->info("with ids");
    {
      log_fields_scope nested(inner);
      logger("net")->info("nested");
    }
  }
  logger("net")->info("without");
  const auto got = lines();
  ASSERT_EQ(got.size(), 3u);
  const auto first = boost::json::parse(got[0]).as_object();
  EXPECT_EQ(first.at("conversation").as_string(), "c-1");
  EXPECT_EQ(first.at("tenant").as_string(), "bank");
  EXPECT_EQ(first.at("request_id").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(first.at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(first.at("msg").as_string(), "with ids");
  const auto second = boost::json::parse(got[1]).as_object();
  EXPECT_EQ(second.at("tenant").as_string(), "other\"quoted");
  EXPECT_FALSE(second.contains("conversation"));
  EXPECT_FALSE(second.contains("trace_id"));
  const auto third = boost::json::parse(got[2]).as_object();
  EXPECT_FALSE(third.contains("tenant"));
  EXPECT_FALSE(third.contains("request_id"));
  EXPECT_EQ(log_fields_scope::current(), nullptr);
}

TEST_F(LogFormat, JournalLinesCarryTheSyslogPriorityAndNoTimestamp) {
  ASSERT_FALSE(set_log_format(log_format::journal));
  logger("net")->info("listening");
  logger("net")->warn("slow");
  logger("net")->error("failed");
  EXPECT_EQ(lines(), (std::vector<std::string>{"<6>net: listening", "<4>net: slow", "<3>net: failed"}));
}

TEST_F(LogFormat, AutomaticIsTextForAFile) {
  ::setenv("JOURNAL_STREAM", "1:1", 1);
  ASSERT_FALSE(set_log_format(log_format::automatic));
  ::unsetenv("JOURNAL_STREAM");
  logger("net")->info("to a file");
  const auto got = lines();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find(" info  net: to a file"), std::string::npos) << got[0];
}

}  // namespace
}  // namespace parley::core
