#include <parley/desk/error.hpp>

#include <string>

namespace parley::desk {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.desk"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unknown_tenant:
        return "no desk tenant with that id";
      case errc::idp_unavailable:
        return "the identity provider cannot be reached";
      case errc::bad_metadata:
        return "the identity provider's metadata is not acceptable";
      case errc::missing_state:
        return "the sign-in response has no state";
      case errc::unknown_state:
        return "the sign-in response's state is unknown, used or expired";
      case errc::browser_mismatch:
        return "the sign-in response came from another browser";
      case errc::issuer_mismatch:
        return "the sign-in response names another identity provider";
      case errc::idp_error:
        return "the identity provider refused the sign-in";
      case errc::code_refused:
        return "the identity provider refused the authorization code";
      case errc::bad_token:
        return "a token from the identity provider failed validation";
      case errc::tenant_not_allowed:
        return "the directory tenant is not allowed";
      case errc::group_not_allowed:
        return "the consultant is in none of the allowed groups";
      case errc::no_role:
        return "the consultant has no desk role";
      case errc::refresh_refused:
        return "the identity provider no longer accepts the session";
      case errc::no_session:
        return "no session";
    }
    return "unknown desk error";
  }
};

}  // namespace

const boost::system::error_category& desk_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view reason_name(errc e) noexcept {
  switch (e) {
    case errc::unknown_tenant:
      return "unknown_tenant";
    case errc::idp_unavailable:
      return "idp_unavailable";
    case errc::bad_metadata:
      return "bad_metadata";
    case errc::missing_state:
      return "missing_state";
    case errc::unknown_state:
      return "unknown_state";
    case errc::browser_mismatch:
      return "browser_mismatch";
    case errc::issuer_mismatch:
      return "issuer_mismatch";
    case errc::idp_error:
      return "idp_error";
    case errc::code_refused:
      return "code_refused";
    case errc::bad_token:
      return "bad_token";
    case errc::tenant_not_allowed:
      return "tenant_not_allowed";
    case errc::group_not_allowed:
      return "group_not_allowed";
    case errc::no_role:
      return "no_role";
    case errc::refresh_refused:
      return "refresh_refused";
    case errc::no_session:
      return "no_session";
  }
  return "unknown";
}

}  // namespace parley::desk
