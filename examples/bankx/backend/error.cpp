#include <bankx/error.hpp>

#include <string>

namespace bankx {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "bankx"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_request: return "invalid request";
      case errc::unsupported_media_type: return "unsupported media type";
      case errc::invalid_client: return "invalid client credentials";
      case errc::invalid_token: return "invalid access token";
      case errc::invalid_session: return "invalid phone app session";
      case errc::invalid_otp: return "wrong one-time code";
      case errc::otp_not_expected: return "this login does not use a one-time code";
      case errc::too_many_requests: return "too many login requests";
      case errc::too_many_attempts: return "too many code attempts";
      case errc::not_found: return "not found";
      case errc::login_not_pending: return "login request no longer pending";
      case errc::invalid_account: return "not one of your accounts";
      case errc::same_account: return "source and destination are the same account";
      case errc::insufficient_funds: return "insufficient funds";
      case errc::no_such_card: return "no card of that type";
      case errc::idempotency_key_reused: return "idempotency key used for another request";
      case errc::temporarily_unavailable: return "temporarily unavailable";
    }
    return "unknown bankx error";
  }
};

}  // namespace

const boost::system::error_category& bankx_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace bankx
