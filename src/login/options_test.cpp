#include <parley/login/options.hpp>

#include <gtest/gtest.h>

namespace parley::login {
namespace {

using namespace std::chrono_literals;

struct parsed {
  std::unique_ptr<core::config> cfg;
  options opts;
};

parsed parse(std::string_view toml) {
  parsed p;
  p.cfg = core::config::parse(toml, {{"BANK_SECRET", "s3cret-from-env-0123456789"}});
  p.opts = parse_options(p.cfg->section("login"));
  return p;
}

bool has_error(const core::config& c, std::string_view needle) {
  for (const auto& e : c.errors()) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(login_options, reads_tenants_with_secret_references) {
  auto p = parse(R"(
[login]
idle_timeout = "5m"
[[login.tenants]]
tenant = "bankx"
base_url = "http://127.0.0.1:8404/api/v1"
client_id = "parley"
client_secret = { env = "BANK_SECRET" }
methods = ["otp_sms", "push"]
request_timeout = "3s"
)");
  ASSERT_TRUE(p.cfg->ok()) << p.cfg->errors().front();
  EXPECT_EQ(p.opts.idle_timeout, 5min);
  ASSERT_EQ(p.opts.tenants.size(), 1u);
  const auto& t = p.opts.tenants[0];
  EXPECT_EQ(t.tenant, "bankx");
  EXPECT_EQ(t.client_secret.reveal(), "s3cret-from-env-0123456789");
  EXPECT_EQ(t.methods, (std::vector<method>{method::otp_sms, method::push}));
  EXPECT_EQ(t.poll_path, "/pollLogin");
  EXPECT_EQ(t.http.request_timeout, 3s);
}

TEST(login_options, refuses_plain_http_off_loopback_inline_secrets_and_unknown_keys) {
  auto p = parse(R"(
[login]
colour = "blue"
[[login.tenants]]
tenant = "bankx"
base_url = "http://bank.example/api/v1"
client_id = "parley"
client_secret = "inline"
methods = ["carrier_pigeon"]
)");
  EXPECT_TRUE(has_error(*p.cfg, "login.colour"));
  EXPECT_TRUE(has_error(*p.cfg, "base_url"));
  EXPECT_TRUE(has_error(*p.cfg, "client_secret"));
  EXPECT_TRUE(has_error(*p.cfg, "carrier_pigeon"));
}

TEST(login_options, mtls_certificate_and_key_go_together) {
  auto p = parse(R"(
[[login.tenants]]
tenant = "bankx"
base_url = "https://bank.example/api/v1"
client_id = "parley"
client_secret = { env = "BANK_SECRET" }
client_cert_file = "/etc/parley/bank-client.pem"
)");
  EXPECT_TRUE(has_error(*p.cfg, "client_cert_file"));
}

}  // namespace
}  // namespace parley::login
