#include <parley/login/method.hpp>

namespace parley::login {

std::string_view to_string(method m) noexcept {
  switch (m) {
    case method::push: return "push";
    case method::ussd: return "ussd";
    case method::otp_sms: return "otp_sms";
    case method::otp_email: return "otp_email";
    case method::totp: return "totp";
  }
  return "push";
}

std::optional<method> parse_method(std::string_view name) noexcept {
  for (auto m : {method::push, method::ussd, method::otp_sms, method::otp_email, method::totp}) {
    if (name == to_string(m)) return m;
  }
  return std::nullopt;
}

}  // namespace parley::login
