// End to end: the widget's side of Direct Line (the test) → the real channel → the real bot
// (BankX assistant) → the login component → the real BankX back end, whose phone is driven
// through its JSON API. One fake clock is shared by BankX and the login flow, so polling and
// expiry run without sleeping. The conversation store is the encrypted SQLite store in a temp
// directory, as `parley demo` runs it. Checks the token never reaches anything the channel stored
// or served, the bot state, a log line (every BankX token starts with "bxa_"/"bxp_", so a scan
// for the prefixes finds any of them), or any file of the data directory (the database with its
// -wal and -shm, keys: every form of every token BankX issued, leak_scan.hpp).
#include "bankx_client.hpp"
#include "bot_fixture.hpp"
#include "leak_scan.hpp"

#include <parley/core/testing/log_capture.hpp>
#include <parley/login/bot_login.hpp>

namespace parley::login {
namespace {

using bot::it::harness;
using namespace std::chrono_literals;
namespace json = boost::json;

class login_e2e : public ::testing::Test {
 protected:
  login_e2e() {
    http_ = std::move(*net::pooled_http_client::create(io_, {}));
    const std::string api = "http://127.0.0.1:" + std::to_string(bank_.server->port()) + "/api/v1";
    tenant_options t;
    t.tenant = "bankx";
    t.base_url = api;
    t.client_id = std::string(bankx::test::client_id);
    t.client_secret = core::secret_string(std::string(bankx::test::client_secret));
    t.methods = {method::push, method::otp_sms, method::totp};
    flow_ = std::make_unique<flow>(io_, bank_.clock, options{});
    flow_->add_tenant(std::make_unique<api_client>(std::move(t), *http_, sealer_));
    adapter_ = std::make_unique<bot_login>(*flow_);
    threads_ = std::make_unique<core::thread_group>(io_, 2, "login-e2e");
    harness::settings st;
    st.login = adapter_.get();
    st.user_tokens = adapter_.get();
    st.api_base_url = api;
    st.sqlite_store = true;
    h_ = std::make_unique<harness>(st);
  }
  ~login_e2e() override {
    flow_->shutdown();  // first: a login still polling reports to the bot the harness owns
    h_.reset();
    work_.reset();
    io_.stop();
    threads_->join();
  }

  /// Says `text` and waits for a bot message containing `expect`.
  void exchange(const std::string& text, std::string_view expect) {
    ASSERT_EQ(h_->say(conv_, text).status, 200) << text;
    ASSERT_TRUE(h_->wait_for_text(conv_, expect)) << "after \"" << text << "\" no bot message with \"" << expect << "\"";
  }
  std::size_t count(std::string_view needle) {
    std::size_t n = 0;
    for (const auto& t : h_->bot_texts(conv_)) n += t.find(needle) != std::string::npos;
    return n;
  }
  /// Waits (10 s at most) until `n` bot messages contain `needle`; returns the count seen last.
  std::size_t wait_count(std::string_view needle, std::size_t n) {
    std::size_t seen = 0;
    for (int i = 0; i < 200 && (seen = count(needle)) < n; ++i) std::this_thread::sleep_for(50ms);
    return seen;
  }
  void approve_on_phone(const std::string& customer, bool accept = true) {
    const auto session = bank_.phone_session(customer);
    auto list = bank_.requests(session);
    ASSERT_EQ(list.size(), 1u);
    const std::string id(list[0].at("id").as_string());
    ASSERT_EQ(bank_.phone("POST", "/requests/" + id + (accept ? "/approve" : "/deny"), session).status, 204);
  }
  std::string sms_code(const std::string& customer) {
    const auto session = bank_.phone_session(customer);
    auto state = bank_.phone("GET", "/state", session);
    return std::string(state.body.at("sms").at(0).at("text").as_string()).substr(7, 6);
  }
  void tick(std::chrono::seconds d) {
    bank_.clock.advance(d);
    flow_->wake();
  }
  /// Logs in with push up to the approval (the resumed intent's answer is the caller's to wait for).
  void push_login(const std::string& first_message) {
    exchange(first_message, "customer ID");
    exchange("anna.schmidt", "How would you like to confirm");
    exchange("Approve in the app", "approve");
    approve_on_phone("anna.schmidt");
    tick(5s);
  }
  /// The first suggested action of the bot message containing `text` (null if none).
  json::value suggested_action_under(std::string_view text) {
    net::header_map h;
    h.set("Authorization", "Bearer " + conv_.second);
    auto r = h_->call(net::method::get, h_->dl() + "/conversations/" + conv_.first + "/activities?watermark=", {}, h);
    const auto page = r.json();
    const auto* list = page.if_contains("activities");
    for (const auto& a : list && list->is_array() ? list->get_array() : json::array{}) {
      const auto& o = a.as_object();
      if (!o.contains("text") || std::string_view(o.at("text").as_string()).find(text) == std::string_view::npos) continue;
      const auto* sa = o.if_contains("suggestedActions");
      if (sa && sa->is_object() && !sa->at("actions").as_array().empty()) return sa->at("actions").at(0);
    }
    return nullptr;
  }
  /// The scan read the store's files: the database, its write-ahead log and shared memory index.
  void expect_store_files(const test::scan_result& files) {
    for (const auto* name : {"parley.db", "parley.db-wal", "parley.db-shm", "parley-keys.db"}) {
      EXPECT_TRUE(std::filesystem::exists(h_->data_dir() / name)) << name;
    }
    EXPECT_GE(files.files, 6u);
    EXPECT_GT(files.bytes, 10'000u);
  }
  /// Every place a token could have leaked to, joined.
  std::string everything_stored_or_served() {
    std::string all;
    for (const auto& b : h_->everything_received()) all += b + "\n";
    auto page = h_->run(h_->store().read_activities("bankx", conv_.first, 0, 1000));
    if (page) {
      for (const auto& a : page->activities) all += a.body + "\n";
    }
    auto state = h_->run(h_->store().get_bot_state("bankx", conv_.first));
    if (state && *state) all += (*state)->data;
    return all;
  }

  test::recording_random rng_;  // BankX's randomness: the test can form every token it issued
  bankx::test::bankx_server bank_{{}, rng_};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{boost::asio::make_work_guard(io_)};
  crypto::secret_sealer sealer_ = *crypto::secret_sealer::create();
  std::unique_ptr<net::pooled_http_client> http_;
  std::unique_ptr<flow> flow_;
  std::unique_ptr<bot_login> adapter_;
  std::unique_ptr<core::thread_group> threads_;
  std::unique_ptr<harness> h_;
  std::pair<std::string, std::string> conv_;
};

TEST_F(login_e2e, push_login_resumes_the_balance_then_transfer_then_logout_revokes) {
  core::testing::log_capture logs;
  conv_ = h_->start_conversation();
  push_login("what is my balance");
  ASSERT_TRUE(h_->wait_for_text(conv_, "Your balances")) << "the intent resumed after the login";
  EXPECT_TRUE(h_->wait_for_text(conv_, "2431.67"));
  EXPECT_EQ(bank_.b->access_tokens().size(), 1u);

  exchange("transfer money", "From which account?");
  exchange("current", "To which account?");
  exchange("savings", "How much");
  exchange("100", "Please confirm");
  exchange("yes", "Reference");
  EXPECT_EQ(count("customer ID"), 1u) << "no second login while logged in";

  // While logged in: no token in anything stored, served or logged.
  const auto all = everything_stored_or_served();
  EXPECT_EQ(all.find("bxa_"), std::string::npos);
  EXPECT_EQ(all.find("bxp_"), std::string::npos);
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.find("bxa_"), std::string::npos) << line;
    EXPECT_EQ(line.find("bxp_"), std::string::npos) << line;
  }
  // ... nor in any file of the store's directory, in any form.
  const auto needles = test::bankx_token_needles(rng_);
  const auto files = test::scan_files(h_->data_dir(), needles);
  EXPECT_TRUE(files.found.empty()) << files.found.size() << " hit(s), first: " << files.found.front();
  expect_store_files(files);

  exchange("log out", "You're logged out");
  EXPECT_EQ(bank_.b->access_tokens().size(), 0u) << "revoked at the bank";
  const auto after = test::scan_files(h_->data_dir(), test::bankx_token_needles(rng_));
  EXPECT_TRUE(after.found.empty()) << after.found.size() << " hit(s), first: " << after.found.front();
  std::printf("store files scanned: %zu files, %zu bytes, %zu forms of candidate tokens\n", after.files, after.bytes,
              needles.size());

  // The scan is not blind: a token-shaped marker written through the same store (a conversation
  // id is one of the store's clear columns) is found in the files, in every form the scan knows.
  const std::string marker = core::random_id(core::os_random(), "bxa_", 32);
  ASSERT_TRUE(h_->run(h_->store().create_conversation("bankx", marker, "bankx-assistant", "dl_marker")));
  const auto planted = test::scan_files(h_->data_dir(), test::token_forms(marker));
  EXPECT_FALSE(planted.found.empty()) << "the file scan cannot see what the store writes";
  EXPECT_NE(std::find_if(planted.found.begin(), planted.found.end(),
                         [](const std::string& f) { return f.find("plain") == 0 && f.find("parley.db") != std::string::npos; }),
            planted.found.end())
      << "the marker is in the database (or its -wal) as written";
  EXPECT_FALSE(adapter_->logged_in(bot::conversation_ref{"bankx", "bankx-assistant", conv_.first, ""}));
  ASSERT_EQ(h_->say(conv_, "what is my balance").status, 200);
  EXPECT_EQ(wait_count("customer ID", 2), 2u) << "a later balance needs a new login";
}

// Issue 14, "Ending the conversation ends the login": docs/login-api.md says the bot calls
// /logout when the conversation ends; a client's endOfConversation (Web Chat and directlinejs send
// one when the page ends the chat) and the channel's conversation expiry both end it.
TEST_F(login_e2e, the_clients_end_of_conversation_logs_the_user_out_at_the_bank) {
  conv_ = h_->start_conversation();
  push_login("what is my balance");
  ASSERT_TRUE(h_->wait_for_text(conv_, "Your balances"));
  const bot::conversation_ref ref{"bankx", "bankx-assistant", conv_.first, ""};
  ASSERT_TRUE(adapter_->logged_in(ref));
  ASSERT_EQ(bank_.b->access_tokens().size(), 1u);
  net::header_map auth;
  auth.set("Authorization", "Bearer " + conv_.second);
  auth.set("Content-Type", "application/json");
  auto end = h_->call(net::method::post, h_->dl() + "/conversations/" + conv_.first + "/activities",
                      R"({"type":"endOfConversation","code":"userCancelled"})", auth);
  ASSERT_EQ(end.status, 200) << end.body;
  for (int i = 0; i < 200 && bank_.b->access_tokens().size() != 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(bank_.b->access_tokens().size(), 0u) << "/logout revoked the token at the bank";
  EXPECT_FALSE(adapter_->logged_in(ref)) << "and the vault entry is gone";
  EXPECT_EQ(flow_->vault().size(), 0u);
}

TEST_F(login_e2e, the_channels_conversation_expiry_logs_the_user_out_at_the_bank) {
  conv_ = h_->start_conversation();
  push_login("what is my balance");
  ASSERT_TRUE(h_->wait_for_text(conv_, "Your balances"));
  const bot::conversation_ref ref{"bankx", "bankx-assistant", conv_.first, ""};
  ASSERT_TRUE(adapter_->logged_in(ref));
  // The page went away: its token is never refreshed, the session expires at the channel.
  h_->clock().advance(31min);
  for (int i = 0; i < 200 && bank_.b->access_tokens().size() != 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(bank_.b->access_tokens().size(), 0u) << "the channel told the bot, which logged out at the bank";
  EXPECT_FALSE(adapter_->logged_in(ref));
}

TEST_F(login_e2e, the_bank_ends_the_session_so_the_user_is_told_and_can_log_in_again) {
  conv_ = h_->start_conversation();
  push_login("what is my balance");
  ASSERT_TRUE(h_->wait_for_text(conv_, "Your balances"));
  const bot::conversation_ref ref{"bankx", "bankx-assistant", conv_.first, ""};
  ASSERT_TRUE(adapter_->logged_in(ref));

  // The session ends at the bank before the vault's expiry (logged out elsewhere): the bank's own
  // /logout revokes the access token, which the test knows from BankX's random draws.
  std::size_t revoked = 0;
  for (const auto& t : rng_.tokens("bxa_")) {
    if (!bank_.b->access_tokens().validate(t)) continue;
    EXPECT_EQ(bank_.login_api("logout", json::object{{"accessToken", t}}).status, 204);
    ++revoked;
  }
  ASSERT_EQ(revoked, 1u);
  ASSERT_EQ(bank_.b->access_tokens().size(), 0u);
  EXPECT_TRUE(adapter_->logged_in(ref)) << "the vault does not know yet";

  // The next call gets 401: the token is wiped and the user told, with the choice to log in.
  exchange("what is my balance", "Your session at BankX has ended");
  EXPECT_FALSE(adapter_->logged_in(ref)) << "wiped after the 401";
  EXPECT_EQ(count("Your balances"), 1u);
  const auto button = suggested_action_under("Your session at BankX has ended");
  ASSERT_TRUE(button.is_object()) << "a button under the message";
  EXPECT_EQ(button.at("type"), "postBack");
  EXPECT_EQ(button.at("title"), "Log in again");

  // The button (as Web Chat sends a postBack: its value, no text) logs in, then shows the balance.
  net::header_map auth;
  auth.set("Authorization", "Bearer " + conv_.second);
  const auto click = json::serialize(json::object{{"type", "message"}, {"value", button.at("value")}, {"from", {{"id", "x"}}}});
  ASSERT_EQ(h_->call(net::method::post, h_->dl() + "/conversations/" + conv_.first + "/activities", click, auth).status, 200);
  // The second round's prompts are counted: the first round's would match at once, and a tick
  // before the flow has read its clock leaves the login waiting for a poll that never comes.
  ASSERT_EQ(wait_count("customer ID", 2), 2u);
  ASSERT_EQ(h_->say(conv_, "anna.schmidt").status, 200);
  ASSERT_EQ(wait_count("How would you like to confirm", 2), 2u);
  ASSERT_EQ(h_->say(conv_, "Approve in the app").status, 200);
  ASSERT_EQ(wait_count("approve", 2), 2u);
  approve_on_phone("anna.schmidt");
  tick(5s);
  EXPECT_EQ(wait_count("Your balances", 2), 2u) << "logged in again, the balance resumed";
  EXPECT_EQ(bank_.b->access_tokens().size(), 1u);
}

TEST_F(login_e2e, otp_by_sms_wrong_then_right_code) {
  conv_ = h_->start_conversation();
  exchange("show my recent transactions", "customer ID");
  exchange("anna.schmidt", "How would you like to confirm");
  exchange("Code by SMS", "6-digit code");
  const auto code = sms_code("anna.schmidt");
  const std::string wrong = code == "739148" ? "739149" : "739148";
  exchange(wrong, "attempt(s) left");
  ASSERT_EQ(h_->say(conv_, code).status, 200);
  EXPECT_TRUE(h_->wait_for_text(conv_, "Your latest transactions"));

  // The credential guard: both codes answered a prompt that expected a secret, so the bot got
  // them, but the channel stored and served only "[secret: 6 characters]".
  // Quoted: a leak is the message text itself ("text":"492816"); unquoted digits also occur in
  // header values (max-age, limits) and would be false alarms.
  const auto all = everything_stored_or_served();
  const auto at = all.find('"' + code + '"');
  EXPECT_EQ(at, std::string::npos) << all.substr(at == std::string::npos ? 0 : (at > 200 ? at - 200 : 0), 300);
  const auto at_wrong = all.find('"' + wrong + '"');
  EXPECT_EQ(at_wrong, std::string::npos)
      << all.substr(at_wrong == std::string::npos ? 0 : (at_wrong > 200 ? at_wrong - 200 : 0), 300);
  EXPECT_NE(all.find("[secret: 6 characters]"), std::string::npos);
  EXPECT_EQ(all.find("For your security"), std::string::npos) << "no warning for an expected secret";
}

TEST_F(login_e2e, a_card_number_typed_in_the_chat_is_masked_everywhere_and_the_user_is_warned) {
  conv_ = h_->start_conversation();
  ASSERT_EQ(h_->say(conv_, "my card 4111 1111 1111 1111 was stolen, pin is 4821").status, 200);
  EXPECT_TRUE(h_->wait_for_text(conv_, "For your security I hid what looked like a card number and a PIN"));
  const auto all = everything_stored_or_served();
  EXPECT_EQ(all.find("4111 1111 1111 1111"), std::string::npos);
  EXPECT_EQ(all.find("4821"), std::string::npos);
  EXPECT_NE(all.find("my card \u2022\u2022\u2022\u2022 1111 was stolen, pin is [hidden]"), std::string::npos)
      << "stored masked (JSON-escaped bullets)";
}

TEST_F(login_e2e, totp_from_the_authenticator) {
  conv_ = h_->start_conversation();
  const auto session = bank_.phone_session("eva.nowak");
  const std::string code(bank_.phone("GET", "/state", session).body.at("authenticator").at("currentCode").as_string());
  exchange("log me in", "customer ID");
  exchange("eva.nowak", "How would you like to confirm");
  exchange("Authenticator app code", "authenticator app");
  ASSERT_EQ(h_->say(conv_, code).status, 200);
  EXPECT_TRUE(h_->wait_for_text(conv_, "You're logged in"));
}

TEST_F(login_e2e, denied_on_the_phone) {
  conv_ = h_->start_conversation();
  exchange("what is my balance", "customer ID");
  exchange("anna.schmidt", "How would you like to confirm");
  exchange("Approve in the app", "approve");
  approve_on_phone("anna.schmidt", false);
  tick(5s);
  EXPECT_TRUE(h_->wait_for_text(conv_, "declined"));
  EXPECT_EQ(bank_.b->access_tokens().size(), 0u);
}

TEST_F(login_e2e, unanswered_login_times_out) {
  conv_ = h_->start_conversation();
  exchange("what is my balance", "customer ID");
  exchange("anna.schmidt", "How would you like to confirm");
  exchange("Approve in the app", "approve");
  for (int i = 0; i < 37; ++i) tick(5s);
  EXPECT_TRUE(h_->wait_for_text(conv_, "not approved in time"));
}

}  // namespace
}  // namespace parley::login
