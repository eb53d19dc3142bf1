#include <parley/core/config.hpp>
#include <parley/desk/hours.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace parley::desk {
namespace {

constexpr std::string_view day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

std::uint32_t be32(std::string_view d, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
std::int64_t be64(std::string_view d, std::size_t at) {
  return static_cast<std::int64_t>((std::uint64_t{be32(d, at)} << 32) | be32(d, at + 4));
}

struct counts {
  std::uint32_t isut, isstd, leap, time, type, chars;
};

bool header(std::string_view d, std::size_t at, counts& c) {
  if (d.size() < at + 44 || d.substr(at, 4) != "TZif") return false;
  c = {be32(d, at + 20), be32(d, at + 24), be32(d, at + 28), be32(d, at + 32), be32(d, at + 36), be32(d, at + 40)};
  return c.type > 0 && c.type <= 256 && c.time <= 100000 && c.chars <= 1000 && c.leap <= 10000;
}

std::string two(int n) {
  return {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

}  // namespace

std::int32_t time_zone::offset_at(std::chrono::system_clock::time_point t) const {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  const auto it = std::upper_bound(transitions.begin(), transitions.end(), s);
  if (it == transitions.begin()) return initial_offset;
  return offsets[static_cast<std::size_t>(it - transitions.begin() - 1)];
}

result<time_zone> parse_tzif(std::string_view name, std::string_view d) {
  const auto bad = make_error_code(core::errc::invalid_argument);
  counts v1{};
  if (!header(d, 0, v1) || d[4] < '2') return bad;  // the 64-bit part is version 2 and later
  // Skip the version 1 (32-bit) data block.
  const std::size_t v1_size =
      std::size_t{v1.time} * 5 + std::size_t{v1.type} * 6 + v1.chars + std::size_t{v1.leap} * 8 + v1.isstd + v1.isut;
  const std::size_t at = 44 + v1_size;
  counts c{};
  if (!header(d, at, c)) return bad;
  const std::size_t times = at + 44;
  const std::size_t indices = times + std::size_t{c.time} * 8;
  const std::size_t types = indices + c.time;
  if (d.size() < types + std::size_t{c.type} * 6) return bad;
  std::vector<std::int32_t> type_offsets(c.type);
  for (std::uint32_t i = 0; i < c.type; ++i) {
    type_offsets[i] = static_cast<std::int32_t>(be32(d, types + std::size_t{i} * 6));
    if (type_offsets[i] < -26 * 3600 || type_offsets[i] > 26 * 3600) return bad;
  }
  time_zone z;
  z.name = std::string(name);
  z.initial_offset = type_offsets[0];  // RFC 8536 3.2: type 0 applies before the first transition
  for (std::uint32_t i = 0; i < c.time; ++i) {
    const auto t = be64(d, times + std::size_t{i} * 8);
    const auto type = static_cast<unsigned char>(d[indices + i]);
    if (type >= c.type || (!z.transitions.empty() && t <= z.transitions.back())) return bad;
    z.transitions.push_back(t);
    z.offsets.push_back(type_offsets[type]);
  }
  return z;
}

result<time_zone> load_time_zone(std::string_view name, std::string_view zoneinfo_dir) {
  const bool safe = !name.empty() && name.size() <= 64 && name.front() != '/' &&
                    name.find("..") == std::string_view::npos &&
                    std::all_of(name.begin(), name.end(), [](unsigned char ch) {
                      return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '+' || ch == '/';
                    });
  if (!safe) return make_error_code(core::errc::invalid_argument);
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::path(zoneinfo_dir) / std::string(name);
  if (!std::filesystem::is_regular_file(file, ec)) return make_error_code(core::errc::missing);
  auto data = core::read_file(file, 1 << 20);
  if (!data) return make_error_code(core::errc::missing);
  return parse_tzif(name, *data);
}

bool opening_hours::open_at(std::chrono::system_clock::time_point t) const {
  if (!configured) return true;
  const auto local = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() + zone.offset_at(t);
  const auto days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int minute = static_cast<int>((local - days * 86400) / 60);
  const auto weekday = static_cast<std::size_t>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  return std::any_of(week[weekday].begin(), week[weekday].end(),
                     [&](const auto& i) { return minute >= i.first && minute < i.second; });
}

std::string opening_hours::describe() const {
  if (!configured) return "always";
  std::string out;
  for (std::size_t d = 0; d < 7; ++d) {
    for (const auto& [from, to] : week[d]) {
      if (!out.empty()) out += ", ";
      out += std::string(day_names[d]) + " " + two(from / 60) + ":" + two(from % 60) + "-" + two(to / 60) + ":" +
             two(to % 60);
    }
  }
  if (out.empty()) out = "closed";
  return out + " (" + zone.name + ")";
}

bool parse_interval(std::string_view text, std::pair<int, int>& out) {
  // HH:MM-HH:MM
  if (text.size() != 11 || text[2] != ':' || text[5] != '-' || text[8] != ':') return false;
  auto digits = [&](std::size_t at, int& v) {
    if (!std::isdigit(static_cast<unsigned char>(text[at])) || !std::isdigit(static_cast<unsigned char>(text[at + 1])))
      return false;
    v = (text[at] - '0') * 10 + (text[at + 1] - '0');
    return true;
  };
  int h1 = 0, m1 = 0, h2 = 0, m2 = 0;
  if (!digits(0, h1) || !digits(3, m1) || !digits(6, h2) || !digits(9, m2)) return false;
  if (m1 > 59 || m2 > 59 || h1 > 23 || h2 > 24 || (h2 == 24 && m2 != 0)) return false;
  out = {h1 * 60 + m1, h2 * 60 + m2};
  return out.first < out.second;
}

}  // namespace parley::desk
