// The consultants' tools (routes_tools.cpp) over real sockets with a real encrypted SQLite store:
// the tenant's canned responses (its configuration, another tenant's never), search by
// conversation id, user pseudonym and time range, and the export of one transcript (audited
// before it is read, a download the browser saves, the record as stored: masks stay masked).
#include "live_fixture.hpp"

#include <parley/core/clock.hpp>

#include <algorithm>

namespace parley::desk::test {
namespace {

class live_tools : public live_desk {
 protected:
  void adjust(options& o) override {
    live_desk::adjust(o);
    for (auto& t : o.tenants) {
      if (t.id == "bankx") {
        t.canned.push_back({"Greeting", "Hello, this is BankX. How can I help?"});
        t.canned.push_back({"Card blocked", "I can unblock your card once you have confirmed your identity."});
      }
    }
  }
  void append(const std::string& conversation, const std::string& id, const std::string& role,
              const std::string& body) {
    store::new_activity a{id, clock.now(), "message", role, body, std::nullopt};
    ASSERT_TRUE(run(store_->append_activity("bankx", conversation, std::move(a))));
  }
};

TEST_F(live_tools, canned_responses_are_the_tenants_own) {
  jar anna, hugo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);
  auto c = api("GET", "/desk/api/canned", anna);
  ASSERT_EQ(c.status, 200) << c.raw.body;
  ASSERT_EQ(c.json.at("canned").as_array().size(), 2u);
  EXPECT_EQ(c.json.at("canned").at(1).at("title"), "Card blocked");
  EXPECT_EQ(c.json.at("canned").at(0).at("text"), "Hello, this is BankX. How can I help?");
  EXPECT_TRUE(api("GET", "/desk/api/canned", hugo).json.at("canned").as_array().empty());
  jar nobody;
  EXPECT_EQ(api("GET", "/desk/api/canned", nobody).status, 401);  // signed in only
}

TEST_F(live_tools, search_finds_by_conversation_id_user_pseudonym_and_time_range_within_the_tenant) {
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-2", "bot", "dl_u9")));
  clock.advance(1h);
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-3", "bot", "dl_u9")));
  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  auto ids = [](const answer& a) {
    std::vector<std::string> out;
    for (const auto& c : a.json.at("conversations").as_array()) out.emplace_back(c.at("id").as_string());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids(api("GET", "/desk/api/search?q=conv-bankx-1", anna)), std::vector<std::string>{"conv-bankx-1"});
  EXPECT_EQ(ids(api("GET", "/desk/api/search?q=dl_u9", anna)),
            (std::vector<std::string>{"conv-bankx-2", "conv-bankx-3"}));
  const auto now = core::unix_seconds(clock.now());
  EXPECT_EQ(ids(api("GET", "/desk/api/search?q=dl_u9&from=" + std::to_string(now - 60), anna)),
            std::vector<std::string>{"conv-bankx-3"});
  EXPECT_EQ(ids(api("GET", "/desk/api/search?to=" + std::to_string(now - 60), anna)),
            (std::vector<std::string>{"conv-bankx-1", "conv-bankx-2"}));
  EXPECT_TRUE(ids(api("GET", "/desk/api/search?q=conv-harbour-1", anna)).empty());  // another tenant's
  EXPECT_EQ(api("GET", "/desk/api/search", anna).status, 400);
  EXPECT_EQ(api("GET", "/desk/api/search?from=yesterday", anna).status, 400);
  EXPECT_EQ(api("GET", "/desk/api/search?from=20&to=10", anna).status, 400);
  EXPECT_EQ(api("GET", "/desk/api/search?q=" + std::string(129, 'x'), anna).status, 400);
}

TEST_F(live_tools, a_transcript_is_exported_as_a_download_audited_first_masks_kept) {
  append("conv-bankx-1", "a1", "user", R"({"type":"message","text":"My PIN is ****"})");
  append("conv-bankx-1", "a2", "bot", R"({"type":"message","text":"Never tell anyone your PIN."})");
  jar anna, sven, hugo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);
  const std::string path = "/desk/api/conversations/conv-bankx-1/export";
  // A consultant exports only a conversation they own; another tenant finds nothing.
  EXPECT_EQ(api("GET", path, anna).status, 404);  // no handoff: nothing of hers
  EXPECT_EQ(api("GET", "/desk/api/conversations/conv-bankx-1/export", hugo).status, 404);
  const auto entries_before = audit.entries().size();

  auto e = api("GET", path, sven);
  ASSERT_EQ(e.status, 200) << e.raw.body;
  EXPECT_EQ(e.raw.header("content-disposition"), "attachment; filename=\"transcript-conv-bankx-1.json\"");
  EXPECT_EQ(e.json.at("conversation"), "conv-bankx-1");
  EXPECT_EQ(e.json.at("user"), "dl_u1");
  const auto& acts = e.json.at("activities").as_array();
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts.at(0).at("activity").at("text"), "My PIN is ****");  // as stored: the mask stays
  EXPECT_EQ(acts.at(1).at("role"), "bot");
  EXPECT_EQ(e.json.at("complete"), true);
  ASSERT_EQ(audit.entries().size(), entries_before + 1);
  EXPECT_EQ(audit.entries().back().event, "desk.transcript_exported");
  EXPECT_EQ(audit.entries().back().subject, "conv-bankx-1");
  EXPECT_EQ(audit.entries().back().details.find("PIN"), std::string::npos);

  // Once Anna owns it, she may export it too.
  request_handoff("bankx", "conv-bankx-1");
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", anna, R"({"version":1})").status, 200);
  EXPECT_EQ(api("GET", path, anna).status, 200);
}

TEST_F(live_tools, a_private_note_is_kept_with_the_conversation_and_never_for_the_customer) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna, bo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", anna, R"({"version":1})").status, 200);
  const std::string path = "/desk/api/handoffs/conv-bankx-1/notes";
  EXPECT_EQ(api("POST", path, anna, R"({"text":""})").status, 400);
  EXPECT_EQ(api("POST", path, anna, R"({"text":"x","extra":1})").status, 400);
  EXPECT_EQ(api("POST", path, bo, R"({"text":"not mine"})").status, 403);
  auto added = api("POST", path, anna, R"({"text":"Customer-Private-Note: travelling until Friday"})");
  ASSERT_EQ(added.status, 200) << added.raw.body;
  EXPECT_EQ(audit.entries().back().event, "desk.note_added");
  EXPECT_EQ(audit.entries().back().details.find("Customer-Private-Note"), std::string::npos);
  EXPECT_TRUE(link.of("send").empty());  // nothing went to the channel

  // In the conversation's record under the record type the channel never delivers, sealed.
  auto page = run(store_->read_activities("bankx", "conv-bankx-1", 0, 100));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 1u);
  EXPECT_EQ(page->activities[0].type, "handoff");
  EXPECT_EQ(page->activities[0].sender_role, "consultant");
  // The desk's transcript shows it, named.
  auto t = api("GET", "/desk/api/handoffs/conv-bankx-1/transcript", anna);
  ASSERT_EQ(t.status, 200) << t.raw.body;
  const auto& a = t.json.at("activities").at(0);
  EXPECT_EQ(a.at("activity").at("name"), "parley.note");
  EXPECT_EQ(a.at("activity").at("text"), "Customer-Private-Note: travelling until Friday");
  EXPECT_EQ(a.at("activity").at("from").at("name"), "Anna");
}

// BankX's desk is closed (opening hours with no interval open now); Harbour has none (always open).
class live_closed : public live_desk {
 protected:
  void adjust(options& o) override {
    live_desk::adjust(o);
    for (auto& t : o.tenants) {
      if (t.id != "bankx") continue;
      t.hours.configured = true;
      t.hours.zone = *load_time_zone("UTC");
    }
  }
};

TEST_F(live_closed, outside_opening_hours_a_handoff_fails_at_once_and_the_desk_shows_closed) {
  request_handoff("bankx", "conv-bankx-1");
  ASSERT_EQ(link.of("end").size(), 1u);
  EXPECT_FALSE(link.of("end")[0].flag);  // failed
  EXPECT_EQ(link.of("end")[0].text, "No consultant is available outside our opening hours: closed (UTC).");
  EXPECT_FALSE(run(store_->open_handoff("bankx", "conv-bankx-1"))->has_value());  // nothing queued
  EXPECT_EQ(audit.entries().back().event, "desk.handoff_failed");
  EXPECT_EQ(audit.entries().back().details, R"({"reason":"closed"})");
  jar anna, hugo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  auto q = api("GET", "/desk/api/handoffs", anna);
  EXPECT_EQ(q.json.at("open"), false);
  EXPECT_EQ(q.json.at("hours"), "closed (UTC)");
  // Harbour keeps no hours: queued as always, no "open" member.
  request_handoff("harbour", "conv-harbour-1");
  EXPECT_TRUE(run(store_->open_handoff("harbour", "conv-harbour-1"))->has_value());
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);
  EXPECT_FALSE(api("GET", "/desk/api/handoffs", hugo).json.as_object().contains("open"));
}

}  // namespace
}  // namespace parley::desk::test
