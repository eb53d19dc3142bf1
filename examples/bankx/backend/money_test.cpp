#include <bankx/money.hpp>

#include <gtest/gtest.h>

namespace bankx {
namespace {

TEST(Money, ParsesDecimalStrings) {
  EXPECT_EQ(parse_amount("49.90"), 4990);
  EXPECT_EQ(parse_amount("49.9"), 4990);
  EXPECT_EQ(parse_amount("250"), 25000);
  EXPECT_EQ(parse_amount("0.01"), 1);
  EXPECT_EQ(parse_amount("0"), 0);
  EXPECT_EQ(parse_amount("9999999999.99"), max_amount);
}

TEST(Money, RefusesEverythingElse) {
  for (const char* bad : {"", ".5", "5.", "1.234", "-1", "+1", "1e3", "1,00", " 1", "1 ", "007", "00.1", "0x10",
                          "10000000000", "NaN", "1.2.3", "١"}) {
    EXPECT_EQ(parse_amount(bad), std::nullopt) << bad;
  }
}

TEST(Money, FormatsWithTwoDecimals) {
  EXPECT_EQ(format_amount(4990), "49.90");
  EXPECT_EQ(format_amount(5), "0.05");
  EXPECT_EQ(format_amount(-1230), "-12.30");
  EXPECT_EQ(format_amount(-5), "-0.05");
  EXPECT_EQ(format_amount(0), "0.00");
  EXPECT_EQ(format_amount(max_amount), "9999999999.99");
}

}  // namespace
}  // namespace bankx
