#include <bankx/customers.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace bankx {
namespace {

const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'767'225'600}};

TEST(DemoCustomers, EveryLoginMethodHasACustomer) {
  const auto list = demo_customers(now);
  ASSERT_EQ(list.size(), 5u);
  for (auto m : {login_method::push, login_method::ussd, login_method::otp_sms, login_method::otp_email,
                 login_method::totp}) {
    EXPECT_TRUE(std::any_of(list.begin(), list.end(), [m](const customer& c) { return c.has_method(m); }))
        << to_string(m);
  }
  EXPECT_EQ(list[0].id, "anna.schmidt");
  EXPECT_EQ(list[1].id, "ben.meyer");
}

TEST(DemoCustomers, AccountsHaveValidIbansAndTwoDozenTransactions) {
  std::set<std::string> ids, ibans, tx;
  for (const auto& c : demo_customers(now)) {
    EXPECT_GE(c.accounts.size(), 1u);
    for (const auto& a : c.accounts) {
      EXPECT_TRUE(iban_valid(a.iban)) << a.iban;
      EXPECT_TRUE(ids.insert(a.id).second);
      EXPECT_TRUE(ibans.insert(a.iban).second);
      EXPECT_EQ(a.currency, "EUR");
    }
    EXPECT_GE(c.transactions.size(), 20u) << c.id;
    EXPECT_LE(c.transactions.size(), 40u) << c.id;
    for (std::size_t i = 0; i < c.transactions.size(); ++i) {
      const auto& t = c.transactions[i];
      EXPECT_EQ(t.seq, i + 1);
      EXPECT_TRUE(tx.insert(t.id).second);
      EXPECT_LT(t.booked, now);
      EXPECT_NE(t.amount, 0);
      if (i > 0) {
        EXPECT_LE(c.transactions[i - 1].booked, t.booked);
      }
    }
  }
}

TEST(DemoCustomers, AreTheSameForTheSameTime) {
  const auto a = demo_customers(now);
  const auto b = demo_customers(now);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].transactions.size(), b[i].transactions.size());
    for (std::size_t k = 0; k < a[i].transactions.size(); ++k) EXPECT_EQ(a[i].transactions[k].amount, b[i].transactions[k].amount);
  }
}

TEST(Iban, ChecksDigits) {
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));  // the ISO 13616 example
  EXPECT_FALSE(iban_valid("GB83WEST12345698765432"));
  EXPECT_FALSE(iban_valid("GB82WEST1234569876543"));
  EXPECT_FALSE(iban_valid("gb82WEST12345698765432"));
  EXPECT_FALSE(iban_valid("GB82 WEST 1234 5698 7654 32"));
}

TEST(CustomerIds, AreNormalisedStrictly) {
  EXPECT_EQ(normalise_customer_id("  Anna.Schmidt "), "anna.schmidt");
  EXPECT_EQ(normalise_customer_id("a+b@c-d_e"), "a+b@c-d_e");
  EXPECT_EQ(normalise_customer_id(""), std::nullopt);
  EXPECT_EQ(normalise_customer_id("   "), std::nullopt);
  EXPECT_EQ(normalise_customer_id("anna schmidt"), std::nullopt);
  EXPECT_EQ(normalise_customer_id("anna\nschmidt"), std::nullopt);
  EXPECT_EQ(normalise_customer_id("änna"), std::nullopt);
  EXPECT_EQ(normalise_customer_id(std::string(65, 'a')), std::nullopt);
  EXPECT_EQ(normalise_customer_id(std::string(64, 'a')), std::string(64, 'a'));
}

class CustomersFile : public ::testing::Test {
 protected:
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("bankx-customers-" + std::to_string(::getpid()) + ".json");
  ~CustomersFile() override { std::filesystem::remove(file); }
  parley::result<std::vector<customer>> load(const std::string& json, std::string* problem = nullptr) {
    std::ofstream(file) << json;
    return load_customers(file, now, problem);
  }
};

constexpr const char* valid = R"({"customers": [{
  "id": "fiona.gray", "name": "Fiona Gray", "phone": "+447700900999", "email": "fiona@mail.example",
  "methods": ["push", "totp"],
  "accounts": [{"type": "current", "name": "Current account", "iban": "GB82WEST12345698765432", "balance": "10.50"}],
  "cards": [{"type": "debit", "last4": "1234"}],
  "transactions": [{"account": "current", "daysAgo": 2, "amount": "-3.20", "counterparty": "Cafe", "description": "Coffee"},
                   {"account": "current", "daysAgo": 5, "amount": "13.70", "counterparty": "Sam", "description": "Refund"}]
}]})";

TEST_F(CustomersFile, LoadsAValidFile) {
  auto r = load(valid);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  const auto& c = r->front();
  EXPECT_EQ(c.id, "fiona.gray");
  EXPECT_TRUE(c.has_method(login_method::totp));
  EXPECT_EQ(c.accounts[0].id, "fiona.gray-current");
  EXPECT_EQ(c.accounts[0].balance, 1050);
  ASSERT_EQ(c.transactions.size(), 2u);
  EXPECT_EQ(c.transactions[0].amount, 1370) << "sorted oldest first";
  EXPECT_EQ(c.transactions[1].seq, 2u);
}

TEST_F(CustomersFile, RefusesMistakesWithAReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"\"methods\": [\"push\", \"totp\"]", "\"methods\": [\"fax\"]"},
      {"\"iban\": \"GB82WEST", "\"iban\": \"GB83WEST"},
      {"\"balance\": \"10.50\"", "\"balance\": 10.5"},
      {"\"id\": \"fiona.gray\"", "\"id\": \"Fiona Gray\""},
      {"\"last4\": \"1234\"", "\"last4\": \"12a4\""},
      {"\"daysAgo\": 2", "\"daysAgo\": -2"},
      {"\"account\": \"current\", \"daysAgo\": 5", "\"account\": \"savings\", \"daysAgo\": 5"},
      {"\"name\": \"Fiona Gray\"", "\"name\": \"Fiona Gray\", \"nickname\": \"Fi\""},
  };
  for (const auto& [from, to] : cases) {
    std::string json = valid;
    json.replace(json.find(from), from.size(), to);
    std::string problem;
    EXPECT_FALSE(load(json, &problem)) << to;
    EXPECT_FALSE(problem.empty()) << to;
  }
  std::string problem;
  EXPECT_FALSE(load(R"({"customers": []})", &problem));
  EXPECT_FALSE(load("{\"customers\": [", &problem));
  EXPECT_FALSE(load_customers("/nonexistent/customers.json", now));
}

TEST_F(CustomersFile, RefusesDuplicateIds) {
  std::string json = valid;
  const auto body = json.substr(json.find('{', 1), json.rfind(']') - json.find('{', 1));
  json.insert(json.rfind(']'), ", " + body);
  std::string problem;
  EXPECT_FALSE(load(json, &problem));
  EXPECT_NE(problem.find("duplicate"), std::string::npos) << problem;
}

}  // namespace
}  // namespace bankx
