#include "test_util.hpp"

#include <parley/core/json.hpp>
#include <parley/jose/error.hpp>

namespace parley::jose {
namespace {

TEST(Sign, HeaderHasAlgKidTypAndNothingElse) {
  core::testing::fake_clock clock;
  auto k = signing_key::generate(algorithm::rs256);
  auto t = sign(test::good_claims(clock), *k, "JWT");
  ASSERT_TRUE(t);
  auto header = core::parse_json_object(*core::base64url_decode_string(t->substr(0, t->find('.'))));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->size(), 3u);
  EXPECT_EQ(core::get_string(*header, "alg"), "RS256");
  EXPECT_EQ(core::get_string(*header, "kid"), k->kid());
  EXPECT_EQ(core::get_string(*header, "typ"), "JWT");
}

TEST(Profile, BotConnectorTokenShape) {
  // channel -> bot: header typ JWT, RS256, claims serviceurl, nbf, exp, iss, aud (a string).
  core::testing::fake_clock clock;
  auto k = signing_key::generate(algorithm::rs256);
  claims c;
  c.set("serviceurl", "https://channel.test/");
  c.set_time("nbf", clock.now());
  c.set_time("exp", clock.now() + std::chrono::hours{1});
  c.set("iss", "https://api.botframework.com");
  c.set("aud", "bot-app-id");
  auto token = sign(c, *k, "JWT");
  ASSERT_TRUE(token);

  profile p;
  p.name = "connector-to-bot";
  p.issuers = {"https://api.botframework.com"};
  p.audiences = {"bot-app-id"};
  p.aud_form = audience_form::string_only;
  p.algorithms = {algorithm::rs256};
  p.typ = "JWT";
  p.clock_skew = std::chrono::minutes{5};
  p.max_lifetime = std::chrono::hours{1};
  p.required_claims = {"serviceurl"};
  p.require_nbf = true;
  const token_validator v(p, clock);
  auto r = v.validate(*token, test::set_of(*k));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->claims().string("serviceurl"), "https://channel.test/");
  EXPECT_EQ(r->claims().audiences(), std::vector<std::string>{"bot-app-id"});
  // A Direct Line token (typ dl+jwt) signed by the same key is not a connector token.
  EXPECT_EQ(v.validate(*sign(c, *k, "dl+jwt"), test::set_of(*k)).error(), errc::wrong_type);
}

TEST(Profile, IncompleteProfilesAreReported) {
  auto p = test::dl_profile();
  EXPECT_FALSE(check_profile(p));
  for (int i = 0; i < 5; ++i) {
    auto q = p;
    if (i == 0) q.issuers.clear();
    if (i == 1) q.audiences.clear();
    if (i == 2) q.algorithms.clear();
    if (i == 3) q.typ.clear();
    if (i == 4) q.max_lifetime = std::chrono::seconds{0};
    EXPECT_EQ(check_profile(q), errc::invalid_profile) << i;
  }
}

TEST(Profile, TokenWithoutKidUsesTheOnlyKeyOfItsAlgorithm) {
  core::testing::fake_clock clock;
  auto es = signing_key::generate(algorithm::es256);
  auto es2 = signing_key::generate(algorithm::es256);
  auto ed = signing_key::generate(algorithm::eddsa);
  const auto payload = test::good_claims(clock).to_json();
  const auto token = test::raw_token(R"({"alg":"ES256","typ":"dl+jwt"})", payload, *es);
  auto one = *jwks::make({jwk{es->public_part(), "a", {}, std::nullopt}, jwk{ed->public_part(), "b", {}, std::nullopt}});
  auto r = token_validator(test::dl_profile(), clock).validate(token, one);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kid(), "a");
  auto two = *jwks::make({jwk{es->public_part(), "a", {}, std::nullopt}, jwk{es2->public_part(), "c", {}, std::nullopt}});
  EXPECT_EQ(token_validator(test::dl_profile(), clock).validate(token, two).error(), errc::unknown_key);
  EXPECT_EQ(token_validator(test::dl_profile(), clock).validate(token, jwks{}).error(), errc::unknown_key);
}

TEST(Profile, ValidatorIsSafeFromManyThreads) {
  core::testing::fake_clock clock;
  auto k = signing_key::generate(algorithm::es256);
  const auto set = test::set_of(*k);
  const token_validator v(test::dl_profile(), clock);
  const auto good = *sign(test::good_claims(clock), *k, "dl+jwt");
  auto bad = good;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        (v.validate(good, set) ? ok : refused)++;
        (v.validate(bad, set) ? ok : refused)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 800);
  EXPECT_EQ(refused.load(), 800);
}

TEST(Claims, TypedAccessors) {
  claims c;
  c.set("s", "text").set("i", 42).set("a", std::vector<std::string>{"x", "y"}).set_bool("b", true);
  claims cnf;
  cnf.set("jkt", "thumb");
  c.set("cnf", cnf);
  auto back = claims(*core::parse_json_object(c.to_json()));
  EXPECT_EQ(back.string("s"), "text");
  EXPECT_EQ(back.integer("i"), 42);
  EXPECT_EQ(back.strings("a"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(back.boolean("b"), true);
  EXPECT_EQ(back.object("cnf")->string("jkt"), "thumb");
  EXPECT_FALSE(back.string("i"));
  EXPECT_FALSE(back.integer("s"));
  EXPECT_FALSE(back.strings("s"));
  EXPECT_FALSE(back.object("s"));
  EXPECT_FALSE(back.has("missing"));
  c.set("mixed", std::vector<std::string>{"x"});
  auto mixed = claims(*core::parse_json_object(R"({"m":["x",1],"t":-5,"f":1.5})"));
  EXPECT_FALSE(mixed.strings("m"));
  EXPECT_FALSE(mixed.time("t"));
  EXPECT_FALSE(mixed.integer("f"));
}

}  // namespace
}  // namespace parley::jose
