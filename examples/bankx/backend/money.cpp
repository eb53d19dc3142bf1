#include <bankx/money.hpp>

#include <cstdio>

namespace bankx {

std::optional<minor_units> parse_amount(std::string_view text) noexcept {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 10) return std::nullopt;
  if (whole.size() > 1 && whole.front() == '0') return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 2)) return std::nullopt;
  minor_units units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
  }
  minor_units cents = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    cents = cents * 10 + (c - '0');
  }
  const minor_units total = units * 100 + cents;
  if (total > max_amount) return std::nullopt;
  return total;
}

std::string format_amount(minor_units amount) {
  const bool negative = amount < 0;
  // Magnitudes stay far below INT64_MAX (max_amount), so negating cannot overflow.
  const minor_units magnitude = negative ? -amount : amount;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", negative ? "-" : "", static_cast<long long>(magnitude / 100),
                static_cast<long long>(magnitude % 100));
  return buf;
}

}  // namespace bankx
