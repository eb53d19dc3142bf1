// bot_client's in-process branch (endpoint "in-process", ADR 0007) against a scripted
// in_process_bot: the JSON passed verbatim, no HTTP request and no token, and the HTTP path's
// errors for the same outcomes (non-2xx → bot_rejected, no answer in time → bot_timeout, no bot
// wired → bot_unreachable).
#include "bot_client.hpp"
#include "test_support.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/async.hpp>
#include <parley/net/testing/fake_http_client.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace parley::channel {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class scripted_bot final : public in_process_bot {
 public:
  std::atomic<int> status{200};
  std::atomic<bool> hang{false};
  std::atomic<bool> finished{false};
  std::string last_bot;
  std::string last_json;
  std::string last_traceparent;

  asio::awaitable<int> deliver(std::string bot_id, std::string activity_json, std::string traceparent) override {
    last_bot = std::move(bot_id);
    last_json = std::move(activity_json);
    last_traceparent = std::move(traceparent);
    if (hang) {
      asio::steady_timer t(co_await asio::this_coro::executor, 300ms);
      co_await t.async_wait(core::use_tuple);
    }
    finished = true;
    co_return status.load();
  }
};

class in_process_delivery : public ::testing::Test {
 protected:
  in_process_delivery() : opts_(testing::test_options()) {
    opts_.bots[0].endpoint = std::string(in_process_endpoint);
    opts_.bot_timeout = 100ms;
    tokens_ = std::make_unique<token_service>(opts_, keys_.keys(), keys_.clock(), core::os_random());
  }
  result<void> deliver(in_process_bot* bot, std::string json, std::string traceparent = {}) {
    bot_client client(opts_, http_, *tokens_, bot);
    asio::io_context io;
    auto f =
        asio::co_spawn(io, client.deliver(opts_.bots[0], std::move(json), std::move(traceparent)), asio::use_future);
    io.run();
    return f.get();
  }

  testing::key_fixture keys_;
  options opts_;
  std::unique_ptr<token_service> tokens_;
  net::testing::fake_http_client http_;
};

TEST_F(in_process_delivery, hands_over_the_json_verbatim_without_http_or_a_token) {
  scripted_bot bot;
  const std::string json = R"({"type":"message","id":"c1|0000002","text":"hi"})";
  EXPECT_TRUE(deliver(&bot, json));
  EXPECT_EQ(bot.last_bot, "bankx-assistant");
  EXPECT_EQ(bot.last_json, json);
  EXPECT_TRUE(http_.requests().empty());
}

// ADR 0027: the bot's turn joins the trace of the client's request, as over HTTP (where the bot's
// server makes a span of the traceparent the channel sends); no valid one: a new trace.
TEST_F(in_process_delivery, the_bot_gets_the_requests_traceparent) {
  scripted_bot bot;
  const std::string request = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_TRUE(deliver(&bot, "{}", request));
  EXPECT_EQ(bot.last_traceparent, request);
  for (const char* bad : {"", "00-0000-garbage"}) {
    EXPECT_TRUE(deliver(&bot, "{}", bad));
    const auto fresh = net::parse_traceparent(bot.last_traceparent);
    ASSERT_TRUE(fresh) << bot.last_traceparent;
    EXPECT_NE(fresh->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  }
}

TEST_F(in_process_delivery, a_non_2xx_answer_is_bot_rejected) {
  scripted_bot bot;
  for (const int status : {400, 401, 403, 500, 503}) {
    bot.status = status;
    EXPECT_EQ(deliver(&bot, "{}").error(), make_error_code(errc::bot_rejected)) << status;
  }
  bot.status = 204;
  EXPECT_TRUE(deliver(&bot, "{}"));
}

TEST_F(in_process_delivery, no_answer_within_bot_timeout_is_bot_timeout_and_the_bot_still_finishes) {
  scripted_bot bot;
  bot.hang = true;
  const auto start = std::chrono::steady_clock::now();
  // deliver() runs the io_context until every handler is done: the bot's own work is not cut.
  EXPECT_EQ(deliver(&bot, "{}").error(), make_error_code(errc::bot_timeout));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_TRUE(bot.finished.load());
}

TEST_F(in_process_delivery, no_bot_in_the_process_is_bot_unreachable) {
  EXPECT_EQ(deliver(nullptr, "{}").error(), make_error_code(errc::bot_unreachable));
}

TEST_F(in_process_delivery, an_http_bot_still_goes_over_http_with_its_token) {
  scripted_bot bot;
  opts_.bots[0].endpoint = "http://127.0.0.1:3978/api/messages";
  http_.respond(net::client_response{200, {}, ""});
  EXPECT_TRUE(deliver(&bot, "{}"));
  ASSERT_EQ(http_.requests().size(), 1u);
  EXPECT_TRUE(http_.requests()[0].headers.get("Authorization").value_or("").starts_with("Bearer "));
  EXPECT_TRUE(bot.last_json.empty());
}

}  // namespace
}  // namespace parley::channel
