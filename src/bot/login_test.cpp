#include <parley/bot/error.hpp>
#include <parley/bot/login.hpp>
#include <parley/core/testing/run.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace parley::bot {
namespace {

using parley::core::testing::run;

TEST(unavailable_login, login_fails_honestly_and_nobody_is_logged_in) {
  unavailable_login login;
  const conversation_ref ref{"bankx", "bankx-assistant", "c1", "dl_x"};
  auto r = run(login.start_login(login_request{ref, "a7", {}}));
  EXPECT_EQ(r.action_id, "a7");
  EXPECT_EQ(r.status, assistant::action_status::failed);
  EXPECT_EQ(r.reason, "login_unavailable");
  EXPECT_FALSE(login.logged_in(ref));
  auto t = run(login.token(ref));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), make_error_code(errc::login_unavailable));
}

}  // namespace
}  // namespace parley::bot
