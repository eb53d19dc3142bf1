// A tenant's opening hours for the live desk (issue 19: outside them a handoff fails at once and
// the assistant offers its alternatives), in the tenant's time zone. The zone is read from the
// system's time zone database (TZif files under /usr/share/zoneinfo, Debian's tzdata): its UTC
// offsets and their transitions, so summer time moves the hours with the clock on the wall.
// Beyond the last transition in the file (2037 in Debian's "fat" files) the last offset holds.
//
// Thread-safety: plain values; open_at() is const.
#pragma once

#include <parley/core/error.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::desk {

/// UTC offsets of one time zone over time.
struct time_zone {
  std::string name;                       ///< e.g. "Europe/Berlin"
  std::vector<std::int64_t> transitions;  ///< unix seconds, ascending
  std::vector<std::int32_t> offsets;      ///< offsets[i] (seconds east of UTC) from transitions[i] on
  std::int32_t initial_offset = 0;        ///< before the first transition

  /// Seconds east of UTC at `t`.
  [[nodiscard]] std::int32_t offset_at(std::chrono::system_clock::time_point t) const;
};

/// Reads `name` ("Europe/Berlin", "UTC"; letters, digits, '_', '-', '+', '/' only, no "..") from
/// `zoneinfo_dir`. core::errc::invalid_argument for a bad name or a file that is not TZif;
/// core::errc::missing when there is no such zone.
[[nodiscard]] result<time_zone> load_time_zone(std::string_view name,
                                               std::string_view zoneinfo_dir = "/usr/share/zoneinfo");
/// Parses TZif data (RFC 8536, version 2 or later: the 64-bit part). core::errc::invalid_argument.
[[nodiscard]] result<time_zone> parse_tzif(std::string_view name, std::string_view data);

/// The week's opening hours in the tenant's zone; unconfigured means always open.
struct opening_hours {
  bool configured = false;
  time_zone zone;
  /// Per weekday (0 = Monday ... 6 = Sunday): [from, to) in minutes after local midnight.
  std::array<std::vector<std::pair<int, int>>, 7> week;

  [[nodiscard]] bool open_at(std::chrono::system_clock::time_point t) const;
  /// "Mon 08:00-18:00, Sat 09:00-13:00 (Europe/Berlin)": what the desk and the bot are told.
  [[nodiscard]] std::string describe() const;
};

/// "08:00-18:00" (00:00..24:00, from before to) → minutes; false when malformed.
[[nodiscard]] bool parse_interval(std::string_view text, std::pair<int, int>& out);

}  // namespace parley::desk
