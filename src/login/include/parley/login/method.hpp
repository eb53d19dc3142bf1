// Login methods of the Login API (docs/login-api.yaml, LoginMethod) and conversation keys.
// Plain values; thread-safe to copy.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace parley::login {

enum class method { push, ussd, otp_sms, otp_email, totp };

/// The wire name: "push", "ussd", "otp_sms", "otp_email", "totp".
[[nodiscard]] std::string_view to_string(method m) noexcept;
/// Parses a wire name (exact match); nullopt otherwise.
[[nodiscard]] std::optional<method> parse_method(std::string_view name) noexcept;
/// True for the methods whose code the user types into the chat (otp_sms, otp_email, totp).
[[nodiscard]] constexpr bool uses_code(method m) noexcept {
  return m == method::otp_sms || m == method::otp_email || m == method::totp;
}

/// One conversation of one tenant: the unit of "at most one login" and of the vault.
struct conversation_key {
  std::string tenant;
  std::string conversation_id;
  auto operator<=>(const conversation_key&) const = default;
};

}  // namespace parley::login
