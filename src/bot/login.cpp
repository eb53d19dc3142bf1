#include <parley/bot/error.hpp>
#include <parley/bot/login.hpp>

namespace parley::bot {

boost::asio::awaitable<assistant::action_result> unavailable_login::start_login(login_request request) {
  assistant::action_result r;
  r.action_id = std::move(request.action_id);
  r.status = assistant::action_status::failed;
  r.reason = "login_unavailable";
  co_return r;
}

bool unavailable_login::logged_in(const conversation_ref&) { return false; }

boost::asio::awaitable<result<core::secret_string>> unavailable_login::token(conversation_ref) {
  co_return make_error_code(errc::login_unavailable);
}

}  // namespace parley::bot
