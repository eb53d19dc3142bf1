// The identity provider client: discovery rules, the token endpoint, and every ID-token and
// logout-token attack the desk must refuse (real RS256 signatures; only HTTP is faked).
#include "idp.hpp"
#include "secrets.hpp"
#include "test_support.hpp"

#include <parley/core/testing/fake_clock.hpp>
#include <parley/desk/error.hpp>

#include <gtest/gtest.h>

namespace parley::desk::detail {
namespace {

using namespace std::chrono_literals;
using testing::run;

class desk_tokens : public ::testing::Test {
 protected:
  desk_tokens() : idps(clock), opts(testing::two_tenants()) {}

  idp& bankx() {
    if (!bankx_) {
      bankx_ = std::make_unique<idp>(opts.tenants[0], opts, idps.client, clock);
      bankx_->set_uris("https://desk.example/desk/callback/bankx", "https://desk.example/desk/signed-out");
    }
    return *bankx_;
  }
  result<identity> check(std::string token, std::optional<std::string> nonce = "n-1") {
    return run(bankx().validate_id_token(std::move(token), std::move(nonce)));
  }

  core::testing::fake_clock clock;
  testing::two_idps idps;
  options opts;
  std::unique_ptr<idp> bankx_;
};

TEST_F(desk_tokens, a_good_id_token_gives_the_identity_and_the_highest_role) {
  auto id = check(idps.bankx.id_token("anna", "n-1"));
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(id->subject, "anna");
  EXPECT_EQ(id->name, "Anna Berg");
  EXPECT_EQ(id->role, role::consultant);
  EXPECT_EQ(id->sid, "idp-session-1");
  EXPECT_EQ(id->issuer, "https://idp.bankx.example/tenant-1");
  EXPECT_EQ(id->actor, actor_id(id->issuer, "anna"));
  EXPECT_EQ(check(idps.bankx.id_token("ada", "n-1"))->role, role::admin);
  EXPECT_EQ(check(idps.bankx.id_token("sven", "n-1"))->role, role::supervisor);
}

TEST_F(desk_tokens, refuses_a_token_of_the_other_tenants_idp) {
  // Harbour's real token (its key, its issuer), and Harbour's key with BankX's issuer.
  EXPECT_EQ(check(idps.harbour.id_token("hugo", "n-1")).error(), errc::bad_token);
  idps.bankx.sign_with(idps.harbour.key());
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
}

TEST_F(desk_tokens, refuses_wrong_audience_authorized_party_and_nonce) {
  idps.bankx.tamper([](jose::claims& c) { c.set("aud", "someone-else"); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  idps.bankx.tamper([](jose::claims& c) { c.set("azp", "someone-else"); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  // Several audiences need azp = us (OIDC Core §3.1.3.7).
  idps.bankx.tamper([](jose::claims& c) { c.set("aud", std::vector<std::string>{"parley-desk", "other-api"}); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  idps.bankx.tamper([](jose::claims& c) {
    c.set("aud", std::vector<std::string>{"parley-desk", "other-api"});
    c.set("azp", "parley-desk");
  });
  EXPECT_TRUE(check(idps.bankx.id_token("anna", "n-1")));
  idps.bankx.tamper({});
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-other")).error(), errc::bad_token);
  EXPECT_EQ(check(idps.bankx.id_token("anna", "")).error(), errc::bad_token);  // no nonce at all
}

TEST_F(desk_tokens, refuses_expired_and_future_tokens) {
  idps.bankx.tamper([this](jose::claims& c) {
    c.set_time("iat", clock.now() - 2h);
    c.set_time("exp", clock.now() - 1h);
  });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  idps.bankx.tamper([this](jose::claims& c) {
    c.set_time("iat", clock.now() + 10min);
    c.set_time("exp", clock.now() + 70min);
  });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  idps.bankx.tamper([this](jose::claims& c) { c.set_time("nbf", clock.now() + 10min); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  idps.bankx.tamper([](jose::claims& c) { c.erase("iat"); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::bad_token);
  // Within the 60 s skew is fine.
  idps.bankx.tamper([this](jose::claims& c) { c.set_time("iat", clock.now() + 30s); });
  EXPECT_TRUE(check(idps.bankx.id_token("anna", "n-1")));
}

TEST_F(desk_tokens, refuses_unsigned_tampered_and_mistyped_tokens) {
  auto good = idps.bankx.id_token("anna", "n-1");
  // alg none: header {"alg":"none"}, no signature.
  const std::string none =
      "eyJhbGciOiJub25lIn0." + good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1) + ".";
  EXPECT_EQ(check(none).error(), errc::bad_token);
  auto flipped = good;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(check(flipped).error(), errc::bad_token);
  // A logout token is not an ID token, nor the reverse (explicit typ, events, nonce).
  EXPECT_EQ(check(idps.bankx.logout_token("anna", "")).error(), errc::bad_token);
  EXPECT_EQ(run(bankx().validate_logout_token(good)).error(), errc::bad_token);
}

TEST_F(desk_tokens, entra_tid_allowlist_groups_and_roles) {
  opts.tenants[0].tid_allowlist = {"11111111-2222-3333-4444-555555555555"};
  idps.bankx.tamper([](jose::claims& c) { c.set("tid", "99999999-0000-0000-0000-000000000000"); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::tenant_not_allowed);
  idps.bankx.tamper([](jose::claims& c) { c.erase("tid"); });
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::tenant_not_allowed);
  idps.bankx.tamper([](jose::claims& c) { c.set("tid", "11111111-2222-3333-4444-555555555555"); });
  EXPECT_TRUE(check(idps.bankx.id_token("anna", "n-1")));
  opts.tenants[0].allowed_groups = {"desk-users"};
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1")).error(), errc::group_not_allowed);
  idps.bankx.tamper([](jose::claims& c) {
    c.set("tid", "11111111-2222-3333-4444-555555555555");
    c.set("groups", std::vector<std::string>{"other", "desk-users"});
  });
  EXPECT_TRUE(check(idps.bankx.id_token("anna", "n-1")));
  EXPECT_EQ(check(idps.bankx.id_token("nobody", "n-1")).error(), errc::no_role);
  // Roles from groups instead of app roles.
  opts.tenants[0].role_claim = "groups";
  opts.tenants[0].supervisor = {"desk-users"};
  EXPECT_EQ(check(idps.bankx.id_token("anna", "n-1"))->role, role::supervisor);
}

TEST_F(desk_tokens, logout_tokens_follow_back_channel_logout_rules) {
  auto ok = run(bankx().validate_logout_token(idps.bankx.logout_token("anna", "sid-1")));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->subject, "anna");
  EXPECT_EQ(ok->sid, "sid-1");
  EXPECT_FALSE(ok->jti.empty());
  EXPECT_TRUE(run(bankx().validate_logout_token(idps.bankx.logout_token("", "sid-1"))));
  auto bad = [&](const std::function<void(jose::claims&)>& tweak, std::string typ = "logout+jwt",
                 std::string sub = "anna", std::string sid = "") {
    return run(bankx().validate_logout_token(idps.bankx.logout_token(sub, sid, tweak, typ))).error();
  };
  EXPECT_EQ(bad({}, "JWT"), errc::bad_token);
  EXPECT_EQ(bad([](jose::claims& c) { c.erase("events"); }), errc::bad_token);
  EXPECT_EQ(bad([](jose::claims& c) { c.set("events", jose::claims{}.set("other", jose::claims{})); }),
            errc::bad_token);
  EXPECT_EQ(bad([](jose::claims& c) { c.set("nonce", "n"); }), errc::bad_token);
  EXPECT_EQ(bad({}, "logout+jwt", "", ""), errc::bad_token);
  EXPECT_EQ(bad([](jose::claims& c) { c.erase("jti"); }), errc::bad_token);
  EXPECT_EQ(bad([](jose::claims& c) { c.set("aud", "other"); }), errc::bad_token);
  EXPECT_EQ(run(bankx().validate_logout_token(idps.harbour.logout_token("hugo", ""))).error(), errc::bad_token);
}

TEST_F(desk_tokens, discovery_must_name_the_exact_issuer_and_offer_s256) {
  idps.bankx.metadata_issuer = "https://idp.bankx.example/tenant-2";
  EXPECT_EQ(run(bankx().metadata()).error(), errc::bad_metadata);
  idps.bankx.metadata_issuer.clear();
  auto m = run(bankx().metadata());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->token_endpoint, "https://idp.bankx.example/tenant-1/token");
  EXPECT_TRUE(m->iss_parameter_supported);
  // The authorization request: code + PKCE S256, state, nonce; never an implicit grant.
  const auto url = bankx().authorization_url(*m, "st", "nn", "cc");
  EXPECT_NE(url.find("response_type=code&"), std::string::npos);
  EXPECT_NE(url.find("code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(url.find("scope=openid+profile+offline_access"), std::string::npos);
  EXPECT_NE(url.find("redirect_uri=https%3A%2F%2Fdesk.example%2Fdesk%2Fcallback%2Fbankx"), std::string::npos);
  EXPECT_EQ(url.find("token"), std::string::npos);
  const auto logout = bankx().end_session_url(*m, "eyJ.hint.sig", "st");
  EXPECT_EQ(logout.rfind("https://idp.bankx.example/tenant-1/session/end?id_token_hint=eyJ.hint.sig&", 0), 0u);
  EXPECT_NE(logout.find("post_logout_redirect_uri=https%3A%2F%2Fdesk.example%2Fdesk%2Fsigned-out"), std::string::npos);
}

TEST_F(desk_tokens, the_token_endpoint_authenticates_the_desk_and_refuses_bad_codes) {
  auto m = run(bankx().metadata());
  ASSERT_TRUE(m);
  EXPECT_EQ(run(bankx().redeem("no-such-code", "v")).error(), errc::code_refused);
  auto redirect =
      idps.bankx.authorize(bankx().authorization_url(*m, "st", "n-1", pkce_challenge("verifier-1")), "anna");
  ASSERT_TRUE(redirect);
  const auto code = redirect->substr(redirect->find("code=") + 5, redirect->find('&') - redirect->find("code=") - 5);
  EXPECT_EQ(run(bankx().redeem(code, "wrong-verifier")).error(), errc::code_refused);
  // The code was consumed by the failed attempt, as a real IdP does.
  EXPECT_EQ(run(bankx().redeem(code, "verifier-1")).error(), errc::code_refused);
  redirect = idps.bankx.authorize(bankx().authorization_url(*m, "st", "n-1", pkce_challenge("verifier-2")), "anna");
  const auto code2 = redirect->substr(redirect->find("code=") + 5, redirect->find('&') - redirect->find("code=") - 5);
  auto tokens = run(bankx().redeem(code2, "verifier-2"));
  ASSERT_TRUE(tokens) << tokens.error().message();
  EXPECT_FALSE(tokens->refresh_token.empty());
  EXPECT_TRUE(check(tokens->id_token));
  // Replaying a redeemed code fails.
  EXPECT_EQ(run(bankx().redeem(code2, "verifier-2")).error(), errc::code_refused);
  idps.bankx.token_endpoint_down = true;
  EXPECT_EQ(run(bankx().refresh("rt")).error(), errc::idp_unavailable);
}

}  // namespace
}  // namespace parley::desk::detail
