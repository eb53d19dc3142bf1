#include <parley/audit/format.hpp>
#include <parley/crypto/primitives.hpp>

#include <cstdio>
#include <ctime>
#include <limits>
#include <string>

namespace parley::audit {
namespace {

constexpr std::string_view entry_label = "parley/v1/audit-entry";

template <class U>
void put_uint(std::string& out, U v) {
  for (int shift = static_cast<int>(sizeof(U) * 8) - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

chain_hash entry_hash(std::string_view tenant_id, std::uint64_t seq, std::int64_t time_ns,
                      std::span<const std::uint8_t> prev_hash, std::span<const std::uint8_t> sealed) {
  std::string input;
  input.reserve(entry_label.size() + tenant_id.size() + prev_hash.size() + sealed.size() + 32);
  input.append(entry_label);
  input.push_back('\0');
  put_uint<std::uint16_t>(input, static_cast<std::uint16_t>(tenant_id.size()));
  input.append(tenant_id);
  put_uint<std::uint64_t>(input, seq);
  put_uint<std::uint64_t>(input, static_cast<std::uint64_t>(time_ns));
  input.append(reinterpret_cast<const char*>(prev_hash.data()), prev_hash.size());
  put_uint<std::uint32_t>(input, static_cast<std::uint32_t>(sealed.size()));
  input.append(reinterpret_cast<const char*>(sealed.data()), sealed.size());
  return crypto::sha256(input);
}

std::string format_time(std::int64_t time_ns) {
  std::int64_t secs = time_ns / 1'000'000'000;
  std::int64_t frac = time_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

std::optional<std::int64_t> parse_time(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
  auto year = digits(s, 0, 4);
  auto month = digits(s, 5, 2);
  auto day = digits(s, 8, 2);
  if (!year || !month || !day || s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *year < 1970) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  std::int64_t frac_ns = 0;
  std::int64_t offset_s = 0;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != 't') return std::nullopt;
    auto hh = digits(s, 11, 2);
    auto mm = digits(s, 14, 2);
    auto ss = digits(s, 17, 2);
    if (!hh || !mm || !ss || s.size() < 20 || s[13] != ':' || s[16] != ':') return std::nullopt;
    if (*hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
    tm.tm_hour = *hh;
    tm.tm_min = *mm;
    tm.tm_sec = *ss;
    std::size_t pos = 19;
    if (s[pos] == '.') {
      ++pos;
      std::int64_t scale = 100'000'000;
      const std::size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (scale == 0) return std::nullopt;  // more than 9 digits
        frac_ns += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
    if (pos >= s.size()) return std::nullopt;  // a time needs its zone
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
      offset_s = 0;
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
      auto oh = digits(s, pos + 1, 2);
      auto om = digits(s, pos + 4, 2);
      if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
      offset_s = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
    } else {
      return std::nullopt;
    }
  }
  const std::time_t t = timegm(&tm);
  // timegm normalises 31 February to 3 March: refuse dates that do not exist.
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != *day || back.tm_mon != *month - 1) return std::nullopt;
  // Nanoseconds in 64 bits end in April 2262.
  const std::int64_t secs = static_cast<std::int64_t>(t) - offset_s;
  if (secs < 0 || secs >= std::numeric_limits<std::int64_t>::max() / 1'000'000'000 - 1) return std::nullopt;
  return secs * 1'000'000'000 + frac_ns;
}

}  // namespace parley::audit
