// Sessions: creation and rotation, the guard's checks (absolute and idle timeouts, refresh at the
// IdP), sign-out, back-channel logout, the sweeper, and the audit entry of each (fail closed).
#include "sessions.hpp"

#include "secrets.hpp"
#include "test_support.hpp"

#include <parley/audit/testing/memory_sink.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/desk/error.hpp>
#include <parley/store/testing/memory_desk_store.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <gtest/gtest.h>

namespace parley::desk::detail {
namespace {

using namespace std::chrono_literals;
using testing::run;

class desk_sessions : public ::testing::Test {
 protected:
  desk_sessions() : idps(clock), opts(testing::two_tenants()) {
    for (const auto& t : opts.tenants) {
      providers[t.id] = std::make_unique<idp>(t, opts, idps.client, clock);
      providers[t.id]->set_uris("https://desk.example/desk/callback/" + t.id, "https://desk.example/desk/signed-out");
    }
    sessions = std::make_unique<session_manager>(
        opts, session_dependencies{store, conversations, audit, clock, core::os_random(),
                                   [this](std::string_view t) -> idp* {
                                     auto it = providers.find(std::string(t));
                                     return it == providers.end() ? nullptr : it->second.get();
                                   },
                                   [this](const std::string& t, const std::string& ref, end_reason r) {
                                     ended.push_back(t + "/" + ref.substr(0, 6) + "/" + std::string(to_string(r)));
                                   }});
  }

  // A signed-in session for `sub` of `tenant`, as the callback creates it.
  std::string sign_in(const std::string& tenant, const std::string& sub, std::optional<std::string> previous = {}) {
    auto& p = *providers[tenant];
    auto& fake = tenant == "bankx" ? idps.bankx : idps.harbour;
    auto m = run(p.metadata());
    auto redirect = fake.authorize(p.authorization_url(*m, "st", "n-1", pkce_challenge("v")), sub);
    const auto code = redirect->substr(redirect->find("code=") + 5, redirect->find('&') - redirect->find("code=") - 5);
    auto tokens = run(p.redeem(code, "v"));
    EXPECT_TRUE(tokens);
    std::string id_token = tokens->id_token;
    auto who = run(p.validate_id_token(id_token, "n-1"));
    EXPECT_TRUE(who);
    auto cookie = run(sessions->create(tenant, *who, std::move(*tokens), std::move(previous), "127.0.0.1"));
    EXPECT_TRUE(cookie) << cookie.error().message();
    return cookie ? *cookie : std::string();
  }
  result<active_session> guard(const std::string& cookie, bool activity = true) {
    return run(sessions->authenticate(cookie, activity, "127.0.0.1"));
  }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& e : audit.entries()) out.push_back(e.tenant_id + " " + e.event + " " + e.details);
    return out;
  }

  core::testing::fake_clock clock;
  testing::two_idps idps;
  options opts;
  std::map<std::string, std::unique_ptr<idp>> providers;
  store::testing::memory_desk_store store;
  store::testing::memory_store conversations;
  audit::testing::memory_sink audit;
  std::vector<std::string> ended;
  std::unique_ptr<session_manager> sessions;
};

TEST_F(desk_sessions, a_sign_in_makes_a_session_that_the_guard_accepts) {
  const auto cookie = sign_in("bankx", "anna");
  EXPECT_EQ(cookie.rfind("bankx.", 0), 0u);
  auto s = guard(cookie);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->caller.tenant_id, "bankx");
  EXPECT_EQ(s->caller.role, role::consultant);
  EXPECT_EQ(s->caller.name, "Anna Berg");
  EXPECT_EQ(s->caller.actor, actor_id("https://idp.bankx.example/tenant-1", "anna"));
  EXPECT_EQ(s->absolute_deadline, clock.now() + 10h);
  const auto entries = audit.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event, "desk.sign_in");
  EXPECT_EQ(entries[0].actor, s->caller.actor);
  EXPECT_EQ(entries[0].actor_role, "consultant");
  EXPECT_EQ(entries[0].source, "127.0.0.1");
  // Nothing secret in the entry.
  EXPECT_EQ(entries[0].details.find(cookie.substr(6)), std::string::npos);
}

TEST_F(desk_sessions, unknown_forged_and_cross_tenant_cookies_are_no_session) {
  const auto cookie = sign_in("bankx", "anna");
  const auto secret = cookie.substr(6);
  EXPECT_EQ(guard("harbour." + secret).error(), errc::no_session);
  EXPECT_EQ(guard("nowhere." + secret).error(), errc::no_session);
  EXPECT_EQ(guard("bankx." + random_token(core::os_random())).error(), errc::no_session);
  EXPECT_EQ(guard("bankx.short").error(), errc::no_session);
  EXPECT_EQ(guard(secret).error(), errc::no_session);
}

TEST_F(desk_sessions, the_session_id_changes_at_every_sign_in_and_the_old_one_ends) {
  // A fixed id planted before the sign-in never becomes a session...
  const std::string planted = "bankx." + random_token(core::os_random());
  const auto cookie = sign_in("bankx", "anna", planted);
  EXPECT_NE(cookie, planted);
  EXPECT_EQ(guard(planted).error(), errc::no_session);
  // ...and signing in again ends the session the browser had.
  const auto again = sign_in("bankx", "anna", cookie);
  EXPECT_NE(again, cookie);
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_TRUE(guard(again));
  EXPECT_EQ(store.session_count(), 1u);
}

TEST_F(desk_sessions, idle_timeout_ends_the_session_and_activity_resets_it) {
  const auto cookie = sign_in("bankx", "anna");
  clock.advance(14min);
  ASSERT_TRUE(guard(cookie, /*activity=*/true));
  clock.advance(14min);  // 28 min after sign-in, 14 after the last activity
  auto s = guard(cookie, /*activity=*/false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->idle_deadline, clock.now() + 1min);
  clock.advance(61s);
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_EQ(events().back(), R"(bankx desk.session_expired {"reason":"idle","session":")" +
                                 hash_ref("session", cookie.substr(6)).substr(0, 12) + "\"}");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_NE(ended[0].find("/idle"), std::string::npos);
}

TEST_F(desk_sessions, absolute_timeout_ends_even_an_active_session) {
  const auto cookie = sign_in("bankx", "anna");
  for (int i = 0; i < 49; ++i) {
    clock.advance(12min);
    ASSERT_TRUE(guard(cookie)) << i;  // 49 * 12 min = 9 h 48 min
  }
  clock.advance(12min);  // 10 h: the end, however active
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_NE(events().back().find(R"("reason":"absolute")"), std::string::npos);
}

TEST_F(desk_sessions, a_disabled_consultant_loses_access_within_the_refresh_window) {
  const auto cookie = sign_in("bankx", "anna");
  clock.advance(4min);
  ASSERT_TRUE(guard(cookie));
  idps.bankx.disable("anna");
  ASSERT_TRUE(guard(cookie));  // the refresh is not due yet
  clock.advance(61s);          // refresh_interval = 5 min
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_NE(events().back().find(R"(desk.session_revoked {"reason":"refresh_refused")"), std::string::npos);
}

TEST_F(desk_sessions, a_refresh_brings_role_changes_and_removes_a_lost_role) {
  const auto cookie = sign_in("bankx", "anna");
  idps.bankx.set_roles("anna", {"Desk.Supervisor"});
  clock.advance(5min);
  auto s = guard(cookie);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->caller.role, role::supervisor);
  idps.bankx.set_roles("anna", {});
  clock.advance(5min);
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_NE(events().back().find(R"("reason":"role_removed")"), std::string::npos);
}

TEST_F(desk_sessions, an_unreachable_idp_is_tolerated_for_the_grace_period_only) {
  const auto cookie = sign_in("bankx", "anna");
  idps.client.offline = true;
  for (int i = 0; i < 3; ++i) {
    clock.advance(5min);
    ASSERT_TRUE(guard(cookie)) << i;  // 15 min = refresh_grace
  }
  clock.advance(5min);
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_NE(events().back().find(R"("reason":"idp_unreachable")"), std::string::npos);
}

TEST_F(desk_sessions, sign_out_ends_the_session_and_returns_the_id_token_hint) {
  const auto cookie = sign_in("bankx", "anna");
  auto s = guard(cookie);
  ASSERT_TRUE(s);
  auto out = run(sessions->sign_out(s->caller));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->id_token.substr(0, 3), "eyJ");
  EXPECT_EQ(guard(cookie).error(), errc::no_session);
  EXPECT_NE(events().back().find(R"(desk.sign_out {"reason":"signed_out")"), std::string::npos);
  EXPECT_EQ(audit.entries().back().actor, s->caller.actor);
}

TEST_F(desk_sessions, back_channel_logout_ends_the_named_sessions_only_and_refuses_replays) {
  const auto anna1 = sign_in("bankx", "anna");
  idps.bankx.sid = "idp-session-2";
  const auto anna2 = sign_in("bankx", "anna");
  const auto sven = sign_in("bankx", "sven");
  const auto hugo = sign_in("harbour", "hugo");
  auto& bankx = *providers["bankx"];
  // By IdP session: only anna's second session.
  auto by_sid = run(bankx.validate_logout_token(idps.bankx.logout_token("anna", "idp-session-2")));
  ASSERT_TRUE(by_sid);
  EXPECT_EQ(*run(sessions->back_channel_logout("bankx", *by_sid)), 1u);
  EXPECT_TRUE(guard(anna1));
  EXPECT_EQ(guard(anna2).error(), errc::no_session);
  EXPECT_EQ(run(sessions->back_channel_logout("bankx", *by_sid)).error(), errc::bad_token);  // replayed jti
  // By subject: every session of anna at BankX, nobody else's.
  auto by_sub = run(bankx.validate_logout_token(idps.bankx.logout_token("anna", "")));
  EXPECT_EQ(*run(sessions->back_channel_logout("bankx", *by_sub)), 1u);
  EXPECT_EQ(guard(anna1).error(), errc::no_session);
  EXPECT_TRUE(guard(sven));
  EXPECT_TRUE(guard(hugo));
  EXPECT_NE(events().back().find(R"(desk.sign_out {"reason":"backchannel")"), std::string::npos);
}

TEST_F(desk_sessions, the_sweeper_purges_expired_sessions_and_audits_them) {
  const auto anna = sign_in("bankx", "anna");
  clock.advance(10min);
  const auto sven = sign_in("bankx", "sven");
  clock.advance(6min);
  run(sessions->sweep());
  EXPECT_EQ(store.session_count(), 1u);
  EXPECT_TRUE(guard(sven));
  EXPECT_NE(events().back().find(R"(desk.session_expired {"reason":"timeout")"), std::string::npos);
}

TEST_F(desk_sessions, no_audit_no_session) {
  audit.fail(true);
  auto& p = *providers["bankx"];
  auto who = run(p.validate_id_token(idps.bankx.id_token("anna", "n-1"), "n-1"));
  ASSERT_TRUE(who);
  auto cookie = run(sessions->create("bankx", *who, token_set{}, std::nullopt, "127.0.0.1"));
  ASSERT_FALSE(cookie);
  EXPECT_EQ(cookie.error(), audit::errc::unavailable);
  EXPECT_EQ(store.session_count(), 0u);
}

TEST_F(desk_sessions, an_admin_can_shorten_the_idle_timeout_of_their_tenant_only) {
  ASSERT_TRUE(run(store.put_desk_settings("bankx", R"({"idle_timeout_minutes":5})", std::nullopt)));
  const auto anna = sign_in("bankx", "anna");
  const auto hugo = sign_in("harbour", "hugo");
  clock.advance(6min);
  EXPECT_EQ(guard(anna).error(), errc::no_session);
  EXPECT_TRUE(guard(hugo));
  // A setting above [desk]'s limit is capped by it.
  ASSERT_TRUE(run(store.put_desk_settings("harbour", R"({"idle_timeout_minutes":600})", std::nullopt)));
  sessions->forget_settings("harbour");
  EXPECT_EQ(run(sessions->settings("harbour"))->idle_timeout, 15min);
}

}  // namespace
}  // namespace parley::desk::detail
