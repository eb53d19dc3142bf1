// Helpers shared by the demo data set and the customers-file reader.
#pragma once

#include <bankx/customers.hpp>

#include <string>
#include <string_view>

namespace bankx {

/// (bban || prefix) mod 97 with letters as 10..35 (ISO 13616); -1 on a character outside [0-9A-Z].
[[nodiscard]] int iban_mod97(std::string_view bban, std::string_view prefix) noexcept;
/// An IBAN with computed check digits.
[[nodiscard]] std::string make_iban(std::string_view country, std::string_view bban);
/// Sorts the transactions by booking time and numbers them (seq, id).
void finish_customer(customer& c);

}  // namespace bankx
