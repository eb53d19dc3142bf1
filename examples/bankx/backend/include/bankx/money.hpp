// Money as integer minor units (euro cents), never floating point. On the wire an amount is a
// decimal string with a dot and at most two decimals: "49.90", "250", "-12.30" (negative only in
// what BankX returns; requests carry positive amounts).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bankx {

/// An amount in minor units (1/100 of the currency unit).
using minor_units = std::int64_t;

/// The largest amount BankX handles in one value: 10^12 - 1 minor units (just under 10 billion).
inline constexpr minor_units max_amount = 999'999'999'999;

/// Parses a non-negative decimal amount: digits without leading zeros ("0" and "0.x" allowed),
/// optionally '.' and one or two digits, at most max_amount. Anything else (signs, spaces,
/// exponents, commas, three decimals) is nullopt.
[[nodiscard]] std::optional<minor_units> parse_amount(std::string_view text) noexcept;

/// "1234.50", "-0.05": always two decimals, a '-' for negative values.
[[nodiscard]] std::string format_amount(minor_units amount);

}  // namespace bankx
