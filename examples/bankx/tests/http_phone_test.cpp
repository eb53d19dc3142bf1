// The phone page and its JSON API: served under a strict CSP, and closed to the bot's credentials.
#include "bankx_client.hpp"

namespace bankx::test {
namespace {

struct HttpPhone : ::testing::Test, bankx_server {};

TEST_F(HttpPhone, ThePageAndItsFilesUnderAStrictPolicy) {
  auto page = call("GET", "/app/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.raw.header("content-type"), "text/html; charset=utf-8");
  const auto csp = page.raw.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(page.raw.body.find("<script type=\"module\" src=\"/app/app.js\">"), std::string::npos);
  EXPECT_EQ(page.raw.body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_EQ(page.raw.body.find("style="), std::string::npos) << "no inline style";
  auto js = call("GET", "/app/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.raw.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.raw.body.find("innerHTML"), std::string::npos) << "the page never parses server text as HTML";
  EXPECT_EQ(call("GET", "/app/app.css").raw.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(call("GET", "/app/secret.txt").status, 404);
  EXPECT_EQ(call("GET", "/app/..%2Fbank.cpp").status, 404);
  auto root = call("GET", "/");
  EXPECT_EQ(root.status, 303);
  EXPECT_EQ(root.raw.header("location"), "/app/");
}

TEST_F(HttpPhone, TheBotsCredentialsDoNotOpenThePhone) {
  const auto bot = "Authorization: " + basic(client_id, client_secret) + "\r\n";
  EXPECT_EQ(call("GET", "/app/api/state", bot).status, 401);
  const auto access = log_in("anna.schmidt");
  EXPECT_EQ(phone("GET", "/state", access).status, 401) << "an access token is not a phone session";
  const auto polling = start("anna.schmidt", "push").str("pollingToken");
  EXPECT_EQ(phone("GET", "/state", polling).status, 401);
  EXPECT_EQ(call("POST", "/app/api/requests/lr_x/approve", bot).status, 401);
  EXPECT_EQ(phone("GET", "/state", "").status, 401);
}

TEST_F(HttpPhone, APhoneSeesOnlyItsOwnCustomersRequests) {
  start("anna.schmidt", "push");
  const auto anna = phone_session("anna.schmidt");
  const auto eva = phone_session("eva.nowak");
  auto list = requests(anna);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(requests(eva).empty());
  const std::string id(list[0].at("id").as_string());
  EXPECT_EQ(phone("POST", "/requests/" + id + "/approve", eva).status, 404);
  EXPECT_EQ(requests(anna).size(), 1u) << "still pending";
}

TEST_F(HttpPhone, CustomersAndSessions) {
  auto list = call("GET", "/app/api/customers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.at("customers").as_array().size(), 5u);
  EXPECT_EQ(post_json("/app/api/session", json::object{{"customerId", "no.such"}}, {}).status, 404);
  const auto session = phone_session("anna.schmidt");
  EXPECT_EQ(phone("GET", "/state", session).status, 200);
  EXPECT_EQ(phone("POST", "/logout", session).status, 204);
  EXPECT_EQ(phone("GET", "/state", session).status, 401);
}

TEST_F(HttpPhone, ThePhoneAppCanBeSwitchedOff) {
  options o;
  o.phone_app = false;
  bankx_server closed(o);
  EXPECT_EQ(closed.call("GET", "/app/").status, 404);
  EXPECT_EQ(closed.call("GET", "/app/api/customers").status, 404);
  EXPECT_EQ(closed.start("anna.schmidt", "push").status, 200);
}

}  // namespace
}  // namespace bankx::test
