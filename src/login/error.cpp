#include <parley/login/error.hpp>

#include <string>

namespace parley::login {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.login"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unknown_tenant: return "no Login API configured for this tenant";
      case errc::login_in_progress: return "a login is already in progress for this conversation";
      case errc::no_login: return "no login in progress for this conversation";
      case errc::not_logged_in: return "not logged in";
      case errc::token_rejected: return "the bank rejected the token; log in again";
      case errc::otp_not_expected: return "this login method does not use a code";
      case errc::invalid_request: return "the bank refused the request as malformed";
      case errc::client_rejected: return "the bank refused the client credentials";
      case errc::rate_limited: return "the bank asks to retry later";
      case errc::bank_unavailable: return "the bank is unavailable";
      case errc::bad_response: return "the bank's answer does not follow the Login API";
      case errc::shutting_down: return "shutting down";
    }
    return "unknown login error";
  }
};

}  // namespace

const boost::system::error_category& login_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::login
