#include <parley/bot/error.hpp>

#include <string>

namespace parley::bot {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.bot"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::bad_activity: return "malformed activity";
      case errc::unauthorized: return "channel token refused";
      case errc::token_expired: return "token expired";
      case errc::origin_not_allowed: return "origin not allowed";
      case errc::rate_limited: return "rate limited";
      case errc::bad_assertion: return "user assertion refused";
      case errc::channel_error: return "the channel refused the call";
      case errc::channel_unreachable: return "the channel did not answer";
      case errc::state_conflict: return "bot state kept changing (etag retries exhausted)";
      case errc::not_logged_in: return "the user is not logged in";
      case errc::login_unavailable: return "login is not available";
      case errc::unknown_operation: return "unknown client API operation";
      case errc::api_error: return "the client API answered an error";
      case errc::api_unreachable: return "the client API did not answer";
    }
    return "unknown bot error";
  }
};

}  // namespace

const boost::system::error_category& bot_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::bot
