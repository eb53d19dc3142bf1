#include <parley/audit/format.hpp>
#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace parley::audit {
namespace {

TEST(AuditFormat, EntryHashIsSha256OverTheDocumentedFields) {
  const std::vector<std::uint8_t> prev(32, 0xab);
  const std::vector<std::uint8_t> sealed{1, 2, 3, 4, 5};
  // Built byte by byte from docs/audit.md, independently of format.cpp.
  std::string input = "parley/v1/audit-entry";
  input.push_back('\0');
  input += std::string("\x00\x05", 2) + "bankx";
  input += std::string("\x00\x00\x00\x00\x00\x00\x00\x07", 8);  // seq 7
  input += std::string("\x00\x00\x00\x00\x49\x96\x02\xd2", 8);  // time 1234567890 ns
  input += std::string(32, '\xab');
  input += std::string("\x00\x00\x00\x05", 4) + std::string("\x01\x02\x03\x04\x05", 5);
  EXPECT_EQ(entry_hash("bankx", 7, 1234567890, prev, sealed), crypto::sha256(input));
}

TEST(AuditFormat, EveryFieldChangesTheHash) {
  const std::vector<std::uint8_t> prev(32, 0), sealed{9, 9, 9};
  auto other_prev = prev;
  other_prev[31] = 1;
  auto other_sealed = sealed;
  other_sealed[0] = 8;
  const auto h = entry_hash("bankx", 1, 100, prev, sealed);
  EXPECT_NE(h, entry_hash("bankx2", 1, 100, prev, sealed));
  EXPECT_NE(h, entry_hash("bankx", 2, 100, prev, sealed));
  EXPECT_NE(h, entry_hash("bankx", 1, 101, prev, sealed));
  EXPECT_NE(h, entry_hash("bankx", 1, 100, other_prev, sealed));
  EXPECT_NE(h, entry_hash("bankx", 1, 100, prev, other_sealed));
}

TEST(AuditFormat, TimesAreRfc3339WithNanoseconds) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_time(1'796'633'993'123'456'789), "2026-12-07T08:59:53.123456789Z");
}

TEST(AuditFormat, ParsesRfc3339AndDates) {
  EXPECT_EQ(parse_time("2026-12-07T08:59:53.123456789Z"), 1'796'633'993'123'456'789);
  EXPECT_EQ(parse_time("2026-12-07T08:59:53Z"), 1'796'633'993'000'000'000);
  EXPECT_EQ(parse_time("2026-12-07T09:59:53+01:00"), 1'796'633'993'000'000'000);
  EXPECT_EQ(parse_time("2026-12-07T07:59:53.5-01:00"), 1'796'633'993'500'000'000);
  EXPECT_EQ(parse_time("2026-12-07"), 1'796'601'600'000'000'000);
  EXPECT_EQ(parse_time(format_time(1'796'633'993'123'456'789)), 1'796'633'993'123'456'789);
  EXPECT_EQ(parse_time("2262-01-01"), 9'214'646'400'000'000'000);  // the last year 64-bit nanoseconds reach
}

TEST(AuditFormat, RefusesAnythingElse) {
  for (const char* bad : {"", "yesterday", "2026-12-07T08:59:53", "2026-02-31", "2026-13-01", "2026-12-07 08:59:53Z",
                          "2026-12-07T08:59:53.Z", "2026-12-07T08:59:53.1234567891Z", "2026-12-07T08:59:53+0100",
                          "2026-12-07T25:00:00Z", "1969-12-31", "2026-12-07T08:59:53Zjunk", "+2026-12-07", "2262-04-12",
                          "2999-01-01", "1970-01-01T00:30:00+01:00"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
}

}  // namespace
}  // namespace parley::audit
