// The Login API client against scripted answers: strict parsing, status mapping, sealing.
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace parley::login {
namespace {

using namespace test;

class api_client_test : public ::testing::Test {
 protected:
  result<status_answer> poll(net::client_response answer) {
    http.respond(std::move(answer));
    return run(io, client.poll(token, "ctx"));
  }
  result<started_login> start(net::client_response answer) {
    http.respond(std::move(answer));
    return run(io, client.start_login("anna.schmidt", method::push, "ref:1"));
  }

  boost::asio::io_context io;
  crypto::secret_sealer sealer = *crypto::secret_sealer::create();
  net::testing::fake_http_client http;
  api_client client{tenant(), http, sealer};
  crypto::sealed_secret token = *sealer.seal(polling_token, "polling:ref:1");
};

TEST_F(api_client_test, approved_token_comes_back_sealed_under_the_context) {
  auto r = poll(approved(600));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, login_status::approved);
  EXPECT_EQ(r->token_expires_in, 600s);
  EXPECT_EQ(*r->access_token.with_plaintext([](std::string_view t) { return std::string(t); }), access_token);
}

TEST_F(api_client_test, statuses_and_intervals) {
  auto p = poll(status("pending", 7));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, login_status::pending);
  EXPECT_EQ(p->interval, 7s);
  auto s = poll(status("slow_down", 10));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, login_status::slow_down);
  EXPECT_EQ(poll(status("denied"))->status, login_status::denied);
  EXPECT_EQ(poll(status("expired"))->status, login_status::expired);
}

TEST_F(api_client_test, answers_off_contract_are_bad_response) {
  const std::vector<std::string> bodies = {
      R"({"status":"approved","tokenType":"Bearer","expiresIn":600})",                        // no token
      R"({"status":"approved","accessToken":"a b","tokenType":"Bearer","expiresIn":600})",     // not token-shaped
      R"({"status":"approved","accessToken":"abc\r\nX: y","tokenType":"Bearer","expiresIn":600})",
      R"({"status":"approved","accessToken":"abc","tokenType":"MAC","expiresIn":600})",
      R"({"status":"approved","accessToken":"abc","expiresIn":0})",
      R"({"status":"pending","status":"approved"})",  // duplicate member
      R"({"status":"maybe"})",
      R"([1,2])",
      "not json",
  };
  for (const auto& b : bodies) {
    net::client_response res;
    res.status = 200;
    res.body = b;
    auto r = poll(res);
    ASSERT_FALSE(r) << b;
    EXPECT_EQ(r.error(), errc::bad_response) << b;
  }
}

TEST_F(api_client_test, http_statuses_map_to_errors) {
  auto r401 = start(json_response(401, json::object{}));
  EXPECT_EQ(r401.error(), errc::client_rejected);
  auto r400 = start(json_response(400, json::object{}));
  EXPECT_EQ(r400.error(), errc::invalid_request);
  auto busy = json_response(429, json::object{});
  busy.headers.set("Retry-After", "120");
  auto r429 = start(busy);
  EXPECT_EQ(r429.error(), errc::rate_limited);
  EXPECT_EQ(client.last_retry_after(), 120s);
  auto r503 = start(json_response(503, json::object{}));
  EXPECT_EQ(r503.error(), errc::bank_unavailable);
  http.fail(net::errc::timeout);
  auto down = run(io, client.start_login("anna.schmidt", method::push, "ref:1"));
  EXPECT_EQ(down.error(), errc::bank_unavailable);
}

TEST_F(api_client_test, start_requires_the_contract_members) {
  EXPECT_EQ(start(json_response(200, json::object{{"interval", 5}, {"expiresIn", 180}})).error(), errc::bad_response);
  EXPECT_EQ(start(json_response(200, json::object{{"pollingToken", "p"}, {"expiresIn", 180}})).error(), errc::bad_response);
  EXPECT_EQ(start(json_response(200, json::object{{"pollingToken", "p"}, {"interval", 0}, {"expiresIn", 180}})).error(),
            errc::bad_response);
  auto ok = start(started(5, 180, true));
  ASSERT_TRUE(ok);
  // The polling token comes back sealed like the access token (bound to the conversation's ref).
  EXPECT_EQ(*ok->polling_token.with_plaintext([](std::string_view t) { return std::string(t); }), polling_token);
}

TEST_F(api_client_test, bank_api_calls_resolve_relative_urls_against_the_api_base) {
  auto t = tenant();
  t.api_base_url = "http://127.0.0.1:9/accounts-api/";
  api_client c(std::move(t), http, sealer);
  auto sealed = *sealer.seal("tok_123", "ctx");
  http.respond(json_response(200, json::object{}));
  net::client_request req;
  req.url = "/accounts";
  ASSERT_TRUE(run(io, c.call(sealed, std::move(req))));
  const auto sent = http.requests().back();
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/accounts-api/accounts");
  EXPECT_EQ(sent.headers.get("Authorization").value_or(""), "Bearer tok_123");
}

}  // namespace
}  // namespace parley::login
