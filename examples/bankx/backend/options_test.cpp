#include <bankx/options.hpp>

#include <parley/crypto/primitives.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace bankx {
namespace {

using namespace std::chrono_literals;
namespace core = parley::core;

TEST(BankxOptions, DefaultsAreTheDocumentedOnes) {
  auto cfg = core::config::parse("", {});
  const auto o = parse_options(cfg->section("bankx"));
  EXPECT_TRUE(cfg->ok());
  EXPECT_EQ(o.client_id, "parley");
  EXPECT_EQ(o.polling_interval, 5s);
  EXPECT_EQ(o.login_lifetime, 180s);
  EXPECT_EQ(o.access_token_lifetime, 600s);
  EXPECT_TRUE(o.phone_app);
  EXPECT_EQ(o.client_secret_sha256, (std::array<std::uint8_t, 32>{})) << "closed until a secret is configured";
}

TEST(BankxOptions, ReadsTheSecretByReferenceAndKeepsOnlyItsHash) {
  auto cfg = core::config::parse(
      "[bankx]\nclient_id = \"bot-1\"\nclient_secret = { env = \"BANKX_SECRET\" }\nlogin_lifetime = \"2m\"\n"
      "access_token_lifetime = \"15m\"\nphone_app = false\n",
      {{"BANKX_SECRET", "0123456789abcdef0123456789abcdef"}});
  const auto o = parse_options(cfg->section("bankx"));
  ASSERT_TRUE(cfg->ok()) << cfg->errors().front();
  EXPECT_EQ(o.client_id, "bot-1");
  EXPECT_EQ(o.client_secret_sha256, parley::crypto::sha256("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(o.login_lifetime, 120s);
  EXPECT_EQ(o.access_token_lifetime, 900s);
  EXPECT_FALSE(o.phone_app);
}

TEST(BankxOptions, ChecksTheCustomersFileWhenReadingTheSection) {
  const auto file = std::filesystem::temp_directory_path() / ("bankx-options-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << R"({"customers":[{"id":"x.y","name":"X Y","phone":"+447700900000","email":"x@mail.example",)"
                         R"("methods":["push"],"accounts":[{"type":"current","name":"Current account",)"
                         R"("iban":"GB82WEST12345698765432","balance":"1.00"}]}]})";
  auto cfg = core::config::parse("[bankx]\ncustomers_file = \"" + file.string() + "\"\n", {});
  const auto o = parse_options(cfg->section("bankx"));
  EXPECT_TRUE(cfg->ok()) << (cfg->ok() ? "" : cfg->errors().front());
  EXPECT_EQ(o.customers_file, file);
  std::ofstream(file) << R"({"customers":[]})";
  auto broken = core::config::parse("[bankx]\ncustomers_file = \"" + file.string() + "\"\n", {});
  (void)parse_options(broken->section("bankx"));
  ASSERT_FALSE(broken->ok());
  EXPECT_NE(broken->errors().front().find("bankx.customers_file"), std::string::npos) << broken->errors().front();
  std::filesystem::remove(file);
}

TEST(BankxOptions, AcceptsTheHashInstead) {
  const auto digest = parley::crypto::sha256("another-secret-of-enough-length");
  std::string hex;
  for (auto b : digest) {
    static const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  auto cfg = core::config::parse("[bankx]\nclient_secret_sha256 = \"" + hex + "\"\n", {});
  const auto o = parse_options(cfg->section("bankx"));
  EXPECT_TRUE(cfg->ok());
  EXPECT_EQ(o.client_secret_sha256, digest);
}

TEST(BankxOptions, RefusesInlineSecretsUnknownKeysAndBadValues) {
  const char* bad[] = {
      "[bankx]\nclient_secret = \"inline-secret-is-not-allowed\"\n",
      "[bankx]\nclient_secret_sha256 = \"abc\"\n",
      "[bankx]\nlogin_lifetime = \"10s\"\n",
      "[bankx]\npolling_interval = \"1500ms\"\n",
      "[bankx]\notp_attempts_per_login = 0\n",
      "[bankx]\nclient_id = \"a:b\"\n",
      "[bankx]\npolling_intervall = 5\n",
      "[bankx]\npolling_interval = 30\nmax_polling_interval = 10\n",
      "[bankx]\nclient_secret = { env = \"SHORT\" }\n",
      "[bankx]\ncustomers_file = \"/nonexistent/customers.json\"\n",
  };
  for (const char* text : bad) {
    auto cfg = core::config::parse(text, {{"SHORT", "short"}});
    (void)parse_options(cfg->section("bankx"));
    EXPECT_FALSE(cfg->ok()) << text;
  }
}

}  // namespace
}  // namespace bankx
