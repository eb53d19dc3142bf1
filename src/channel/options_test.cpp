#include <parley/channel/options.hpp>
#include <parley/channel/secret_hash.hpp>

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

std::string a_hash() {
  static const std::string h = *hash_secret("a-generated-channel-secret-0123456789", core::os_random());
  return h;
}

struct parsed {
  std::unique_ptr<core::config> cfg;
  options opts;
};

parsed parse(const std::string& toml) {
  parsed p;
  p.cfg = core::config::parse(toml, {});
  p.opts = parse_options(p.cfg->section("channel"));
  return p;
}

std::string bot(const std::string& extra) {
  return "[[channel.bots]]\nid = \"b1\"\ntenant = \"bankx\"\nsecret_hashes = [\"" + a_hash() +
         "\"]\nendpoint = \"http://127.0.0.1:3978/api/messages\"\n" + extra;
}

bool has_error(const parsed& p, std::string_view needle) {
  for (const auto& e : p.cfg->errors()) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(ChannelOptions, Defaults) {
  auto p = parse("");
  EXPECT_TRUE(p.cfg->ok());
  EXPECT_EQ(p.opts.bot_timeout, std::chrono::seconds(15));
  EXPECT_EQ(p.opts.stream_token_lifetime, std::chrono::seconds(60));
  EXPECT_EQ(p.opts.max_activity_bytes, 256u * 1024);
  EXPECT_TRUE(p.opts.bots.empty());
}

TEST(ChannelOptions, AnonymousLoopbackBot) {
  auto p = parse("[channel]\npublic_url = \"https://chat.bank.example/\"\n" + bot("origins = [\"https://www.bank.example\"]\n"));
  ASSERT_TRUE(p.cfg->ok()) << p.cfg->errors().front();
  ASSERT_EQ(p.opts.bots.size(), 1u);
  EXPECT_EQ(p.opts.bots[0].name, "b1");
  EXPECT_EQ(p.opts.bots[0].token_lifetime, std::chrono::seconds(0)) << "unset: the tenant's lifetimes apply";
  ASSERT_TRUE(resolve_urls(p.opts));
  EXPECT_EQ(p.opts.public_url, "https://chat.bank.example");
  EXPECT_EQ(p.opts.service_url, "https://chat.bank.example/");
  EXPECT_EQ(p.opts.issuer, "https://chat.bank.example");
  EXPECT_EQ(p.opts.connector_scope, "https://chat.bank.example");
}

TEST(ChannelOptions, TokenLifetimeUnderAMinuteOnlyForTests) {
  auto refused = parse("[channel]\n" + bot("token_lifetime = \"3s\"\n"));
  EXPECT_TRUE(has_error(refused, "token_lifetime"));
  auto allowed = parse("[channel]\nallow_short_token_lifetime = true\n" + bot("token_lifetime = \"3s\"\n"));
  ASSERT_TRUE(allowed.cfg->ok()) << allowed.cfg->errors().front();
  EXPECT_EQ(allowed.opts.bots[0].token_lifetime, std::chrono::seconds(3));
}

TEST(ChannelOptions, AnonymousBotMustBeOnLoopback) {
  auto p = parse(bot("").replace(bot("").find("http://127.0.0.1:3978"), 21, "https://bot.example"));
  EXPECT_TRUE(has_error(p, "anonymous bot"));
}

TEST(ChannelOptions, PlainHttpEndpointOnlyOnLoopback) {
  auto p = parse("[[channel.bots]]\nid = \"b1\"\ntenant = \"t\"\napp_id = \"app\"\napp_password_hash = \"" + a_hash() +
                 "\"\nsecret_hashes = [\"" + a_hash() + "\"]\nendpoint = \"http://bot.example/api/messages\"\n");
  EXPECT_TRUE(has_error(p, "plain http://"));
}

TEST(ChannelOptions, AppIdNeedsPasswordHash) {
  auto p = parse(bot("app_id = \"app-1\"\n"));
  EXPECT_TRUE(has_error(p, "app_password_hash"));
}

TEST(ChannelOptions, HashesAreCheckedAndCounted) {
  EXPECT_TRUE(has_error(parse(bot("").replace(bot("").find(a_hash()), a_hash().size(), "my-plain-secret")), "secret_hashes"));
  auto three = "[[channel.bots]]\nid = \"b1\"\ntenant = \"t\"\nsecret_hashes = [\"" + a_hash() + "\",\"" + a_hash() +
               "\",\"" + a_hash() + "\"]\nendpoint = \"http://127.0.0.1:1/\"\n";
  EXPECT_TRUE(has_error(parse(three), "one or two"));
}

TEST(ChannelOptions, TokenLifetimeBounds) {
  EXPECT_TRUE(has_error(parse(bot("token_lifetime = \"30s\"\n")), "token_lifetime"));
  EXPECT_TRUE(parse(bot("token_lifetime = \"1m\"\n")).cfg->ok());
  EXPECT_TRUE(has_error(parse(bot("token_lifetime = \"2d\"\n")), "token_lifetime"));
}

TEST(ChannelOptions, DuplicateIdsAndBadOrigins) {
  EXPECT_TRUE(has_error(parse(bot("") + bot("")), "duplicate bot id"));
  EXPECT_TRUE(has_error(parse(bot("origins = [\"https://bank.example/\"]\n")), "origins"));
  EXPECT_TRUE(has_error(parse(bot("origins = [\"*\"]\n")), "origins"));
}

TEST(ChannelOptions, TenantTokenPolicies) {
  // Without an entry: bound tokens only, 5 and 30 minutes, 8-hour sessions, nonces required.
  auto defaults = parse(bot(""));
  ASSERT_TRUE(defaults.cfg->ok()) << defaults.cfg->errors().front();
  const auto& d = tenant_policy(defaults.opts, "bankx");
  EXPECT_TRUE(d.require_bound_tokens);
  EXPECT_EQ(d.bound_token_lifetime, std::chrono::minutes(5));
  EXPECT_EQ(d.unbound_token_lifetime, std::chrono::minutes(30));
  EXPECT_EQ(d.max_session, std::chrono::hours(8));
  EXPECT_TRUE(d.require_dpop_nonce);
  auto p = parse(bot("") + "[[channel.tenants]]\nid = \"bankx\"\nrequire_bound_tokens = false\nbound_token_lifetime = \"2m\"\n"
                           "unbound_token_lifetime = \"20m\"\nmax_session = \"1h\"\nrequire_dpop_nonce = false\n");
  ASSERT_TRUE(p.cfg->ok()) << p.cfg->errors().front();
  const auto& t = tenant_policy(p.opts, "bankx");
  EXPECT_FALSE(t.require_bound_tokens);
  EXPECT_EQ(t.bound_token_lifetime, std::chrono::minutes(2));
  EXPECT_EQ(t.unbound_token_lifetime, std::chrono::minutes(20));
  EXPECT_EQ(t.max_session, std::chrono::hours(1));
  EXPECT_FALSE(t.require_dpop_nonce);
  EXPECT_TRUE(tenant_policy(p.opts, "other").require_bound_tokens);
  EXPECT_TRUE(has_error(parse(bot("") + "[[channel.tenants]]\nid = \"nobody\"\n"), "no [[channel.bots]] entry"));
  EXPECT_TRUE(has_error(parse(bot("") + "[[channel.tenants]]\nid = \"bankx\"\nbound_token_lifetime = \"2h\"\n"),
                        "bound_token_lifetime"));
  EXPECT_TRUE(has_error(parse(bot("") + "[[channel.tenants]]\nid = \"bankx\"\nmax_session = \"5m\"\n"), "max_session"));
  EXPECT_TRUE(has_error(parse(bot("") + "[[channel.tenants]]\nid = \"bankx\"\nrequire_bound = true\n"), "require_bound"));
  EXPECT_TRUE(has_error(parse("[channel]\nrefresh_grace = \"30s\"\n"), "refresh_grace"));
}

TEST(ChannelOptions, UnknownKeysAndBotTimeout) {
  EXPECT_TRUE(has_error(parse("[channel]\nbot_timout = \"5s\"\n"), "bot_timout"));
  EXPECT_TRUE(has_error(parse("[channel]\nbot_timeout = \"25s\"\n"), "bot_timeout"));
  EXPECT_TRUE(has_error(parse(bot("secret = \"x\"\n")), "secret"));
}

}  // namespace
}  // namespace parley::channel
