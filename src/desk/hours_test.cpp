// Opening hours in the tenant's zone (hours.hpp) against the system's time zone database:
// summer time moves them with the wall clock; bad names and data are refused.
#include <parley/core/config.hpp>
#include <parley/desk/hours.hpp>

#include <gtest/gtest.h>

namespace parley::desk {
namespace {

using std::chrono::system_clock;

system_clock::time_point utc(std::int64_t unix_seconds) {
  return system_clock::time_point{std::chrono::seconds{unix_seconds}};
}

TEST(desk_hours, berlin_is_an_hour_ahead_in_winter_and_two_in_summer) {
  auto z = load_time_zone("Europe/Berlin");
  ASSERT_TRUE(z) << z.error().message();
  EXPECT_EQ(z->offset_at(utc(1796630400)), 3600);  // 2026-12-07T08:00Z
  EXPECT_EQ(z->offset_at(utc(1783411200)), 7200);  // 2026-07-07T08:00Z
  auto u = load_time_zone("UTC");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->offset_at(utc(1783411200)), 0);
}

TEST(desk_hours, open_on_weekdays_in_the_zones_local_time) {
  opening_hours h;
  h.configured = true;
  h.zone = *load_time_zone("Europe/Berlin");
  h.week[0] = {{8 * 60, 18 * 60}};  // Monday
  h.week[5] = {{9 * 60, 13 * 60}};  // Saturday
  // Monday 2026-12-07: 07:30Z is 08:30 in Berlin (open); 17:30Z is 18:30 (closed).
  EXPECT_TRUE(h.open_at(utc(1796630400 - 1800)));
  EXPECT_FALSE(h.open_at(utc(1796630400 - 7200)));  // 06:00Z = 07:00 local
  EXPECT_FALSE(h.open_at(utc(1796630400 + 9 * 3600 + 1800)));
  // Monday 2026-07-06 in summer: 06:30Z is 08:30 local (open), though 06:30 is before 08:00.
  EXPECT_TRUE(h.open_at(utc(1783321200 - 1800)));  // 2026-07-06T06:30Z
  // Sunday 2026-12-06 10:00 local: closed; Saturday 2026-12-05 10:00 local: open.
  EXPECT_FALSE(h.open_at(utc(1796630400 - 86400 + 3600)));
  EXPECT_TRUE(h.open_at(utc(1796630400 - 2 * 86400 + 3600)));
  EXPECT_FALSE(h.open_at(utc(1796630400 - 2 * 86400 + 4 * 3600)));  // Saturday 13:00 local: closed
  EXPECT_EQ(h.describe(), "Mon 08:00-18:00, Sat 09:00-13:00 (Europe/Berlin)");
  opening_hours always;
  EXPECT_TRUE(always.open_at(utc(0)));
}

TEST(desk_hours, bad_names_intervals_and_data_are_refused) {
  EXPECT_EQ(load_time_zone("../../etc/passwd").error(), core::errc::invalid_argument);
  EXPECT_EQ(load_time_zone("/etc/localtime").error(), core::errc::invalid_argument);
  EXPECT_EQ(load_time_zone("Nowhere/Atlantis").error(), core::errc::missing);
  EXPECT_EQ(parse_tzif("x", "not a tzif file").error(), core::errc::invalid_argument);
  EXPECT_EQ(parse_tzif("x", std::string("TZif2") + std::string(60, '\0')).error(), core::errc::invalid_argument);
  auto real = core::read_file("/usr/share/zoneinfo/Europe/Berlin");
  ASSERT_TRUE(real);
  EXPECT_FALSE(parse_tzif("x", real->substr(0, real->size() / 2)));  // truncated
  std::pair<int, int> i;
  EXPECT_TRUE(parse_interval("00:00-24:00", i));
  EXPECT_EQ(i, (std::pair<int, int>{0, 1440}));
  for (const char* bad : {"18:00-08:00", "8:00-18:00", "08:00-24:30", "08:60-09:00", "08:00-08:00", "08:00 18:00"}) {
    EXPECT_FALSE(parse_interval(bad, i)) << bad;
  }
}

}  // namespace
}  // namespace parley::desk
