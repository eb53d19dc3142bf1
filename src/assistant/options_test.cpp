#include <parley/assistant/options.hpp>

#include <gtest/gtest.h>

namespace parley::assistant {
namespace {

TEST(Options, DefaultsWhenTheSectionIsAbsent) {
  auto c = core::config::parse("", {});
  const auto o = parse_options(c->section("assistant"));
  EXPECT_TRUE(c->ok());
  EXPECT_EQ(o.max_input_bytes, options{}.max_input_bytes);
  EXPECT_EQ(o.pending_timeout, options{}.pending_timeout);
}

TEST(Options, ReadsEveryKey) {
  auto c = core::config::parse(R"(
[assistant]
max_input_bytes = 1000
pending_timeout = "5m"
max_state_bytes = 4096
max_value_bytes = 128
)",
                               {});
  const auto o = parse_options(c->section("assistant"));
  EXPECT_TRUE(c->ok()) << c->errors().front();
  EXPECT_EQ(o.max_input_bytes, 1000u);
  EXPECT_EQ(o.pending_timeout, std::chrono::minutes{5});
  EXPECT_EQ(o.max_state_bytes, 4096u);
  EXPECT_EQ(o.max_value_bytes, 128u);
}

TEST(Options, RejectsUnknownKeysAndBadValues) {
  auto c = core::config::parse("[assistant]\nmax_input_bytes = 1\npending_timeout = \"2d\"\ncolour = 1\n", {});
  (void)parse_options(c->section("assistant"));
  std::string all;
  for (const auto& e : c->errors()) all += e + "\n";
  EXPECT_NE(all.find("assistant.max_input_bytes: must be between 64 and"), std::string::npos) << all;
  EXPECT_NE(all.find("assistant.pending_timeout: must be between 10s and 24h"), std::string::npos) << all;
  EXPECT_NE(all.find("assistant.colour: unknown key"), std::string::npos) << all;
}

}  // namespace
}  // namespace parley::assistant
