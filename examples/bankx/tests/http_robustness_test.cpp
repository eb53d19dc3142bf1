// Client authentication and bad input: 401 for wrong or missing credentials on each surface,
// 400/413/415 for malformed, oversize or mistyped bodies, and nothing crashes.
#include "bankx_client.hpp"

namespace bankx::test {
namespace {

struct HttpRobustness : ::testing::Test, bankx_server {
  const std::string start_path = std::string(api_base_path) + "/startLogin";
  const std::string good_body = R"({"customerId":"anna.schmidt","method":"push","conversationRef":"c-1"})";
  response start_with(std::string_view auth, std::string_view body = {},
                      std::string_view type = "application/json") {
    std::string headers = "Content-Type: " + std::string(type) + "\r\n";
    if (!auth.empty()) headers += "Authorization: " + std::string(auth) + "\r\n";
    return call("POST", start_path, headers, body.empty() ? good_body : body);
  }
};

TEST_F(HttpRobustness, ClientCredentialFailuresAre401) {
  auto none = start_with("");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.error_code(), "invalid_client");
  EXPECT_EQ(none.raw.header("www-authenticate"), "Basic realm=\"BankX Login API\", charset=\"UTF-8\"");
  EXPECT_EQ(start_with(basic(client_id, "wrong-secret")).status, 401);
  EXPECT_EQ(start_with(basic("other-client", client_secret)).status, 401);
  EXPECT_EQ(start_with(basic(client_id, std::string(client_secret) + "x")).status, 401);
  EXPECT_EQ(start_with(basic(client_id, "")).status, 401);
  EXPECT_EQ(start_with("Basic !!!not-base64!!!").status, 401);
  EXPECT_EQ(start_with("Basic " + parley::core::base64_encode(std::vector<std::uint8_t>{'n', 'o', 'c', 'o', 'l', 'o', 'n'})).status, 401);
  EXPECT_EQ(start_with("Bearer " + std::string(client_secret)).status, 401);
  EXPECT_EQ(start_with(basic(client_id, client_secret)).status, 200) << "the right ones work";
}

TEST_F(HttpRobustness, EveryLoginApiOperationNeedsTheClient) {
  for (const char* op : {"startLogin", "pollLogin", "verifyOtp", "logout"}) {
    auto r = post_json(std::string(api_base_path) + "/" + op, json::object{}, basic(client_id, "nope"));
    EXPECT_EQ(r.status, 401) << op;
  }
  const auto access = log_in("anna.schmidt");
  EXPECT_EQ(post_json(start_path, json::parse(good_body), "Bearer " + access).status, 401)
      << "a customer's access token is not the bot's credential";
}

TEST_F(HttpRobustness, ABankWithoutASecretIsClosed) {
  options o;
  auto made = bank::create(o, clock, parley::core::os_random());
  ASSERT_TRUE(made);
  EXPECT_FALSE((*made)->client_credentials_valid("parley", ""));
  EXPECT_FALSE((*made)->client_credentials_valid("parley", "anything"));
}

TEST_F(HttpRobustness, MalformedBodiesAre400) {
  const auto auth = basic(client_id, client_secret);
  const char* bodies[] = {
      "{",
      "[]",
      "\"text\"",
      R"({"customerId":"anna.schmidt","customerId":"ben.meyer","method":"push","conversationRef":"c"})",
      R"({"customerId":"anna.schmidt","method":"push"})",
      R"({"customerId":"anna.schmidt","method":"carrier-pigeon","conversationRef":"c"})",
      R"({"customerId":"anna schmidt","method":"push","conversationRef":"c"})",
      R"({"customerId":"","method":"push","conversationRef":"c"})",
      R"({"customerId":42,"method":"push","conversationRef":"c"})",
      R"({"customerId":"anna.schmidt","method":"push","conversationRef":"has space"})",
      R"({"customerId":"anna.schmidt","method":"push","conversationRef":"c","extra":1})",
      "{\"customerId\":\"anna.schmidt\",\"method\":\"push\",\"conversationRef\":\"c\xff\"}",
  };
  for (const char* body : bodies) {
    auto r = start_with(auth, body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_FALSE(r.error_code().empty()) << body;
    EXPECT_EQ(r.raw.body.find("anna schmidt"), std::string::npos) << "input is never echoed";
  }
  EXPECT_EQ(start_with(auth, "{\"customerId\":\"x\"}", "text/plain").status, 415);
  EXPECT_EQ(start_with(auth, good_body, "application/x-www-form-urlencoded").status, 415);
  auto poll_bad = login_api("pollLogin", json::object{{"pollingToken", 12}});
  EXPECT_EQ(poll_bad.status, 400);
  EXPECT_EQ(login_api("verifyOtp", json::object{{"pollingToken", "bxp_x"}, {"otp", "12ab56"}}).status, 200)
      << "an unknown polling token reads expired before the code is looked at";
}

TEST_F(HttpRobustness, OversizeBodiesAre413) {
  const std::string huge = R"({"customerId":"anna.schmidt","method":"push","conversationRef":")" +
                           std::string(10 * 1024, 'a') + "\"}";
  auto r = start_with(basic(client_id, client_secret), huge);
  EXPECT_EQ(r.status, 413);
  auto phone_huge = call("POST", "/app/api/session", "Content-Type: application/json\r\n", huge);
  EXPECT_EQ(phone_huge.status, 413);
}

TEST_F(HttpRobustness, UnknownPathsAndMethods) {
  EXPECT_EQ(call("GET", start_path).status, 405);
  EXPECT_EQ(call("GET", std::string(api_base_path) + "/nothing").status, 404);
  EXPECT_EQ(call("DELETE", std::string(api_base_path) + "/accounts").status, 405);
}

TEST_F(HttpRobustness, GarbageNeverCrashes) {
  const auto auth = basic(client_id, client_secret);
  std::string junk;
  for (int i = 0; i < 200; ++i) {
    junk += static_cast<char>((i * 37 + 11) % 256);
    (void)start_with(auth, junk);
  }
  EXPECT_EQ(start_with(auth).status, 200) << "still serving";
}

}  // namespace
}  // namespace bankx::test
