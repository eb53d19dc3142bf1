// The accounts API over HTTP with a valid, an expired and a revoked access token, and its rules.
#include "bankx_client.hpp"

namespace bankx::test {
namespace {

struct HttpAccounts : ::testing::Test, bankx_server {
  response transfer(std::string_view access, std::string_view key, const json::value& body) {
    std::string headers = "Content-Type: application/json\r\nAuthorization: Bearer " + std::string(access) + "\r\n";
    if (!key.empty()) headers += "Idempotency-Key: " + std::string(key) + "\r\n";
    return call("POST", std::string(api_base_path) + "/transfers", headers, json::serialize(body));
  }
  std::string balance_of(std::string_view access, std::string_view type) {
    const auto r = accounts_get("/accounts", access);  // kept alive: the loop refers into it
    for (const auto& a : r.body.at("accounts").as_array()) {
      if (a.at("type").as_string() == type) return std::string(a.at("balance").as_string());
    }
    return {};
  }
};

TEST_F(HttpAccounts, BalancesWithAValidToken) {
  const auto access = log_in("anna.schmidt");
  auto r = accounts_get("/accounts", access);
  ASSERT_EQ(r.status, 200);
  const auto& list = r.body.at("accounts").as_array();
  ASSERT_EQ(list.size(), 2u);
  const auto& current = list[0].as_object();
  EXPECT_EQ(current.at("id").as_string(), "anna.schmidt-current");
  EXPECT_EQ(current.at("type").as_string(), "current");
  EXPECT_EQ(current.at("name").as_string(), "Current account");
  EXPECT_EQ(current.at("currency").as_string(), "EUR");
  EXPECT_EQ(current.at("balance").as_string(), "2431.67") << "decimal strings, never floats";
  EXPECT_TRUE(iban_valid(current.at("iban").as_string()));
}

TEST_F(HttpAccounts, ExpiredAndRevokedTokensGet401) {
  const auto access = log_in("anna.schmidt");
  clock.advance(599s);
  EXPECT_EQ(accounts_get("/accounts", access).status, 200);
  clock.advance(1s);
  auto expired = accounts_get("/accounts", access);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.error_code(), "invalid_token");
  EXPECT_EQ(expired.raw.header("www-authenticate"), "Bearer realm=\"BankX\", error=\"invalid_token\"");

  const auto second = log_in("anna.schmidt");
  EXPECT_EQ(login_api("logout", json::object{{"accessToken", second}}).status, 204);
  EXPECT_EQ(accounts_get("/accounts", second).status, 401);
  EXPECT_EQ(accounts_get("/transactions", second).status, 401);
}

TEST_F(HttpAccounts, OnlyTokensBankxIssued) {
  EXPECT_EQ(accounts_get("/accounts", "bxa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status, 401);
  EXPECT_EQ(call("GET", std::string(api_base_path) + "/accounts").status, 401) << "no token";
  const auto session = phone_session("anna.schmidt");
  EXPECT_EQ(accounts_get("/accounts", session).status, 401) << "a phone session is not an access token";
  const auto polling = start("anna.schmidt", "push").str("pollingToken");
  EXPECT_EQ(accounts_get("/accounts", polling).status, 401) << "a polling token is not an access token";
  EXPECT_EQ(call("GET", std::string(api_base_path) + "/accounts",
                 "Authorization: " + basic(client_id, client_secret) + "\r\n").status, 401)
      << "the bot's client credentials are not a customer's token";
}

TEST_F(HttpAccounts, TransactionsArePagedNewestFirst) {
  const auto access = log_in("ben.meyer", "ussd");
  auto first = accounts_get("/transactions?limit=5", access);
  ASSERT_EQ(first.status, 200);
  const auto& items = first.body.at("transactions").as_array();
  ASSERT_EQ(items.size(), 5u);
  EXPECT_GE(items[0].at("bookedAt").as_string(), items[4].at("bookedAt").as_string());
  const auto& t = items[0].as_object();
  for (const char* key : {"id", "accountId", "bookedAt", "amount", "currency", "counterparty", "description"}) {
    EXPECT_TRUE(t.contains(key)) << key;
  }
  const auto cursor = first.str("nextCursor");
  ASSERT_FALSE(cursor.empty());
  auto second = accounts_get("/transactions?limit=5&cursor=" + cursor, access);
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(second.body.at("transactions").at(0).at("id"), items[0].at("id"));
  EXPECT_EQ(accounts_get("/transactions?limit=0", access).status, 400);
  EXPECT_EQ(accounts_get("/transactions?limit=51", access).status, 400);
  EXPECT_EQ(accounts_get("/transactions?cursor=bogus", access).status, 400);
  EXPECT_EQ(accounts_get("/transactions?account=anna.schmidt-current", access).error_code(), "invalid_account");
  EXPECT_EQ(accounts_get("/transactions?colour=red", access).status, 400);
}

TEST_F(HttpAccounts, TransferBetweenOwnAccountsWithIdempotency) {
  const auto access = log_in("anna.schmidt");
  const json::value body{{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "49.90"}};
  auto r = transfer(access, "t-1", body);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.str("reference").substr(0, 6), "BX-TR-");
  EXPECT_EQ(r.str("amount"), "49.90");
  EXPECT_EQ(r.str("fromAccount"), "anna.schmidt-current");
  EXPECT_EQ(balance_of(access, "current"), "2381.77");
  auto again = transfer(access, "t-1", body);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.str("reference"), r.str("reference"));
  EXPECT_EQ(again.raw.header("idempotent-replayed"), "true");
  EXPECT_EQ(balance_of(access, "current"), "2381.77") << "moved once";
  const json::value other{{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "1.00"}};
  EXPECT_EQ(transfer(access, "t-1", other).error_code(), "idempotency_key_reused");
  EXPECT_EQ(transfer(access, "", body).status, 400) << "the key is required";
}

TEST_F(HttpAccounts, TransferRules) {
  const auto access = log_in("anna.schmidt");
  auto refused = [&](const json::value& body) { return transfer(access, "k", body); };
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "99999.00"}}).error_code(),
            "insufficient_funds");
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "current"}, {"amount", "1"}}).error_code(), "same_account");
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "ben.meyer-current"}, {"amount", "1"}}).error_code(),
            "invalid_account");
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "0"}}).status, 400);
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "-5"}}).status, 400);
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", 5}}).status, 400)
      << "a JSON number is not an amount";
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "1.001"}}).status, 400);
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "1"}, {"currency", "USD"}}).status,
            400);
  EXPECT_EQ(refused({{"fromAccount", "current"}, {"toAccount", "savings"}, {"amount", "99999.00"}}).status, 422);
  EXPECT_EQ(balance_of(access, "current"), "2431.67") << "nothing moved";
}

TEST_F(HttpAccounts, BlockACard) {
  const auto access = log_in("anna.schmidt");
  auto block = [&](const json::value& body) {
    return call("POST", std::string(api_base_path) + "/cards/block",
                "Content-Type: application/json\r\nAuthorization: Bearer " + access + "\r\n", json::serialize(body));
  };
  auto r = block({{"card", "debit"}, {"lastSeen", "today"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.str("reference").substr(0, 6), "BX-CB-");
  EXPECT_EQ(r.body.at("card").at("last4").as_string(), "4821");
  EXPECT_EQ(r.body.at("card").at("status").as_string(), "blocked");
  auto again = block({{"card", "debit"}, {"lastSeen", "yesterday"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.str("reference"), r.str("reference"));
  EXPECT_TRUE(again.body.at("alreadyBlocked").as_bool());
  EXPECT_EQ(block({{"card", "gold"}}).status, 400);
  EXPECT_EQ(block({{"card", "credit"}, {"lastSeen", "tomorrow"}}).status, 400);
  const auto bens = log_in("ben.meyer", "ussd");
  EXPECT_EQ(call("POST", std::string(api_base_path) + "/cards/block",
                 "Content-Type: application/json\r\nAuthorization: Bearer " + bens + "\r\n",
                 R"({"card":"credit","lastSeen":"today"})").error_code(),
            "no_such_card");
}

}  // namespace
}  // namespace bankx::test
