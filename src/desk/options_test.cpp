#include <parley/desk/options.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley::desk {
namespace {

using namespace std::chrono_literals;

struct parsed {
  options o;
  std::vector<std::string> errors;
};

parsed parse(const std::string& toml) {
  auto cfg = core::config::parse(toml, {{"DESK_SECRET", "s3cret"}});
  parsed p{parse_options(cfg->section("desk")), {}};
  p.errors = cfg->errors();
  return p;
}

const std::string good = R"(
[desk]
public_url = "https://desk.bank.example"
idle_timeout = "10m"
[[desk.tenants]]
id = "bankx"
name = "BankX"
issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
client_id = "app-1"
client_secret = { env = "DESK_SECRET" }
token_auth = "client_secret_post"
consultant = ["Desk.Consultant"]
admin = ["Desk.Admin"]
tid_allowlist = ["11111111-2222-3333-4444-555555555555"]
id_token_algorithms = ["RS256"]
[[desk.tenants]]
id = "harbour"
issuer = "http://127.0.0.1:9000"
client_id = "parley-desk"
client_secret = { env = "DESK_SECRET" }
role_claim = "groups"
supervisor = ["g-1"]
)";

TEST(desk_options, reads_tenants_with_secrets_by_reference) {
  auto p = parse(good);
  ASSERT_TRUE(p.errors.empty()) << p.errors.front();
  EXPECT_EQ(p.o.public_url, "https://desk.bank.example");
  EXPECT_EQ(p.o.idle_timeout, 10min);
  EXPECT_EQ(p.o.absolute_timeout, 10h);
  ASSERT_EQ(p.o.tenants.size(), 2u);
  const auto& t = p.o.tenants[0];
  EXPECT_EQ(t.name, "BankX");
  EXPECT_EQ(t.client_secret.reveal(), "s3cret");
  EXPECT_EQ(t.token_auth, token_auth_method::client_secret_post);
  EXPECT_EQ(t.tid_allowlist.size(), 1u);
  EXPECT_EQ(t.id_token_algorithms, std::vector<jose::algorithm>{jose::algorithm::rs256});
  EXPECT_EQ(t.scopes, (std::vector<std::string>{"openid", "profile", "offline_access"}));
  EXPECT_EQ(p.o.tenants[1].name, "harbour");
  EXPECT_EQ(p.o.tenants[1].role_claim, "groups");
  auto copy = p.o.clone();
  EXPECT_EQ(copy.tenants[0].client_secret.reveal(), "s3cret");
}

TEST(desk_options, refuses_unsafe_or_incomplete_tenants) {
  auto has = [](const parsed& p, const std::string& needle) {
    for (const auto& e : p.errors) {
      if (e.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  const std::string head =
      "[desk]\n[[desk.tenants]]\nid = \"t\"\nclient_id = \"c\"\nclient_secret = { env = \"DESK_SECRET\" }\nconsultant "
      "= [\"x\"]\n";
  EXPECT_TRUE(has(parse(head + "issuer = \"https://login.microsoftonline.com/common/v2.0\"\n"), "tenant-specific"));
  EXPECT_TRUE(
      has(parse(head + "issuer = \"https://login.microsoftonline.com/organizations/v2.0\"\n"), "tenant-specific"));
  EXPECT_TRUE(has(parse(head + "issuer = \"https://login.microsoftonline.com/{tenantid}/v2.0\"\n"), "tenant-specific"));
  EXPECT_TRUE(has(parse(head + "issuer = \"http://idp.example\"\n"), "https://"));
  EXPECT_TRUE(has(parse(head + "issuer = \"https://idp.example\"\nclient_secret2 = 1\n"), "unknown key"));
  EXPECT_TRUE(has(parse("[desk]\n[[desk.tenants]]\nid = \"t\"\nissuer = \"https://i\"\nclient_id = "
                        "\"c\"\nclient_secret = \"inline\"\nconsultant = [\"x\"]\n"),
                  "client_secret"));
  EXPECT_TRUE(has(parse("[desk]\n[[desk.tenants]]\nid = \"t\"\nissuer = \"https://i\"\nclient_id = "
                        "\"c\"\nclient_secret = { env = \"DESK_SECRET\" }\n"),
                  "at least one of consultant"));
  EXPECT_TRUE(has(parse(head + "issuer = \"https://i\"\nscopes = [\"profile\"]\n"), "openid"));
  EXPECT_TRUE(has(parse(head + "issuer = \"https://i\"\nid_token_algorithms = [\"HS256\"]\n"), "HS256"));
  EXPECT_TRUE(has(
      parse(head + "issuer = \"https://i\"\n[[desk.tenants]]\nid = \"t\"\nissuer = \"https://j\"\nclient_id = \"c\"\n"
                   "client_secret = { env = \"DESK_SECRET\" }\nconsultant = [\"x\"]\n"),
      "duplicate"));
  EXPECT_TRUE(has(parse("[desk]\npublic_url = \"http://desk.example\"\n"), "public_url"));
  EXPECT_TRUE(has(parse("[desk]\nidle_timeout = \"5m\"\nidle_warning = \"6m\"\n"), "idle_warning"));
  EXPECT_TRUE(has(parse("[desk]\nbogus = 1\n"), "unknown key"));
}

TEST(desk_options, the_live_desks_queue_settings) {
  auto p = parse(good);
  ASSERT_TRUE(p.errors.empty());
  EXPECT_EQ(p.o.wait_timeout, 10min);  // defaults
  EXPECT_EQ(p.o.queue_check_interval, 5s);
  EXPECT_FALSE(p.o.tenants[0].auto_assign);  // "pick"
  std::string tuned = good;
  tuned.replace(tuned.find("idle_timeout"), 0, "wait_timeout = \"0s\"\nqueue_check_interval = \"2s\"\n");
  tuned.replace(tuned.find("tid_allowlist"), 0, "assignment = \"auto\"\n");
  p = parse(tuned);
  ASSERT_TRUE(p.errors.empty()) << p.errors.front();
  EXPECT_EQ(p.o.wait_timeout, 0s);  // never
  EXPECT_EQ(p.o.queue_check_interval, 2s);
  EXPECT_TRUE(p.o.tenants[0].auto_assign);
  EXPECT_TRUE(p.o.clone().tenants[0].auto_assign);
  EXPECT_FALSE(p.o.tenants[1].auto_assign);
  auto wrong = [](const std::string& toml) { return !parse(toml).errors.empty(); };
  EXPECT_TRUE(wrong("[desk]\nwait_timeout = \"10s\"\n"));  // 0s or at least 30s
  EXPECT_TRUE(wrong("[desk]\nqueue_check_interval = \"0s\"\n"));
  std::string bad_mode = good;
  bad_mode.replace(bad_mode.find("tid_allowlist"), 0, "assignment = \"round-robin\"\n");
  EXPECT_TRUE(wrong(bad_mode));
}

TEST(desk_options, canned_responses_per_tenant) {
  auto p = parse(good + R"(
[[desk.tenants.canned]]
title = "Greeting"
text = "Hello, this is Harbour Bank. How can I help?"
[[desk.tenants.canned]]
title = "Card blocked"
text = "I can unblock your card once you have confirmed your identity."
)");
  ASSERT_TRUE(p.errors.empty()) << p.errors.front();
  EXPECT_TRUE(p.o.tenants[0].canned.empty());
  ASSERT_EQ(p.o.tenants[1].canned.size(), 2u);  // the table belongs to the tenant above it
  EXPECT_EQ(p.o.tenants[1].canned[1].title, "Card blocked");
  EXPECT_EQ(p.o.clone().tenants[1].canned[0].text, "Hello, this is Harbour Bank. How can I help?");
  auto wrong = [](const std::string& extra) { return !parse(good + extra).errors.empty(); };
  EXPECT_TRUE(wrong("[[desk.tenants.canned]]\ntitle = \"A\"\n"));                               // no text
  EXPECT_TRUE(wrong("[[desk.tenants.canned]]\ntext = \"x\"\n"));                                // no title
  EXPECT_TRUE(wrong("[[desk.tenants.canned]]\ntitle = \"A\"\ntext = \"x\"\nlang = \"de\"\n"));  // unknown key
  EXPECT_TRUE(wrong(
      "[[desk.tenants.canned]]\ntitle = \"A\"\ntext = \"x\"\n[[desk.tenants.canned]]\ntitle = \"A\"\ntext = \"y\"\n"));
  EXPECT_TRUE(wrong("[[desk.tenants.canned]]\ntitle = \"A\"\ntext = \"" + std::string(4001, 'x') + "\"\n"));
}

TEST(desk_options, urls_https_or_loopback_only) {
  EXPECT_TRUE(acceptable_url("https://idp.example/t"));
  EXPECT_TRUE(acceptable_url("http://127.0.0.1:9000"));
  EXPECT_TRUE(acceptable_url("http://[::1]:9000/x"));
  EXPECT_FALSE(acceptable_url("http://idp.example"));
  EXPECT_FALSE(acceptable_url("https://user:pw@idp.example"));
  EXPECT_FALSE(acceptable_url("https://idp.example/#frag"));
  EXPECT_FALSE(acceptable_url("javascript:alert(1)"));
  EXPECT_EQ(origin_of("https://desk.example:8443/desk/x?y"), "https://desk.example:8443");
  EXPECT_EQ(origin_of("http://127.0.0.1:8403"), "http://127.0.0.1:8403");
}

}  // namespace
}  // namespace parley::desk
