// The live desk's transfers and the queue's view of conversations (routes_transfer.cpp,
// routes_api.cpp, live.cpp) over real sockets with the queue in a real encrypted SQLite store and
// a recording fake of the channel's side: to another queue (the widget is told, the assistant is
// not asked in between), to another consultant (a compare-and-set; their desk opens it), the
// next consultant of a transferred conversation taking over at the channel without a second
// `accepted` (the wait timeout after a transfer: live_rules_test.cpp), and the conversation list showing a
// conversation as waiting for a consultant (with its wait) as soon as it is queued.
#include "live_fixture.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

namespace parley::desk::test {
namespace {

class live_transfer : public live_desk {
 protected:
  /// The agents list as `who` sees it: the id of the one named `name`.
  std::string agent_id(const jar& who, std::string_view name) {
    auto a = api("GET", "/desk/api/agents", who);
    EXPECT_EQ(a.status, 200) << a.raw.body;
    if (a.status != 200) return {};
    for (const auto& x : a.json.at("agents").as_array()) {
      if (x.at("name").as_string() == name) return std::string(x.at("id").as_string());
    }
    return {};
  }
  answer take(const jar& who, const std::string& conversation) {
    return api("POST", "/desk/api/handoffs/" + conversation + "/take", who,
               R"({"version":)" + std::to_string(version_of(conversation)) + "}");
  }
};

TEST_F(live_transfer, a_consultant_transfers_to_another_queue_and_the_next_one_takes_over_at_the_channel) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna, bo, hugo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);

  // Bad input, someone else's conversation, another tenant: refused before anything happens.
  const std::string path = "/desk/api/handoffs/conv-bankx-1/transfer";
  EXPECT_EQ(api("POST", path, anna, R"({})").status, 400);
  EXPECT_EQ(api("POST", path, anna, R"({"queue":"cards","consultant":"x"})").status, 400);
  EXPECT_EQ(api("POST", path, anna, R"({"queue":7})").status, 400);
  EXPECT_EQ(api("POST", path, anna, R"({"queue":"Not A Queue"})").status, 400);
  EXPECT_EQ(api("POST", path, bo, R"({"queue":"cards"})").status, 403);
  EXPECT_EQ(api("POST", path, hugo, R"({"queue":"cards"})").status, 404);
  EXPECT_TRUE(link.of("transfer").empty());

  auto moved = api("POST", path, anna, R"({"queue":"cards"})");
  ASSERT_EQ(moved.status, 200) << moved.raw.body;
  // The channel is asked to put it back to waiting (empty name), not to end it: the bot hears
  // nothing, the widget is told it is being transferred.
  ASSERT_EQ(link.of("transfer").size(), 1u);
  EXPECT_EQ(link.of("transfer")[0].name, "");
  EXPECT_TRUE(link.of("end").empty());
  auto h = run(store_->open_handoff("bankx", "conv-bankx-1"))->value();
  EXPECT_EQ(h.status, store::handoff_status::waiting);
  EXPECT_EQ(h.queue, "cards");
  EXPECT_EQ(run(store_->get_desk_agent("bankx", agent_id(anna, "Anna")))->value().load, 0u);
  EXPECT_EQ(audit.entries().back().event, "desk.handoff_transferred");
  EXPECT_EQ(audit.entries().back().subject, "conv-bankx-1");
  EXPECT_EQ(audit.entries().back().details, R"({"queue":"cards"})");
  // Anna no longer owns it.
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":"still me"})").status, 403);

  // Bo takes it. At the channel it is still with a consultant (accept answers wrong_state): the
  // desk makes Bo take over there, so the bot does not hear `accepted` a second time.
  link.accept_with = link_status::wrong_state;
  auto won = take(bo, "conv-bankx-1");
  ASSERT_EQ(won.status, 200) << won.raw.body;
  ASSERT_EQ(link.of("transfer").size(), 2u);
  EXPECT_EQ(link.of("transfer")[1].name, "Bo");
  EXPECT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().owner_name, "Bo");
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", bo, R"({"text":"Bo here"})").status, 200);
}

TEST_F(live_transfer, a_consultant_transfers_to_a_colleague_whose_desk_opens_it) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna, bo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  const std::string path = "/desk/api/handoffs/conv-bankx-1/transfer";
  // Bo is not an agent yet: unknown; then away: refused; then available.
  EXPECT_EQ(api("POST", path, anna, R"({"consultant":"nobody-here"})").status, 404);
  ASSERT_EQ(api("PUT", "/desk/api/availability", bo, R"({"state":"away"})").status, 200);
  const auto bo_id = agent_id(anna, "Bo");
  ASSERT_FALSE(bo_id.empty());
  EXPECT_EQ(api("POST", path, anna, R"({"consultant":")" + bo_id + R"("})").status, 409);
  EXPECT_EQ(api("POST", path, anna, R"({"consultant":")" + agent_id(anna, "Anna") + R"("})").status, 400);

  net::test::ws_client ws;
  ws.headers = {{"Cookie", cookie_of(bo)}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  ASSERT_TRUE(ws.read());  // hello
  ASSERT_EQ(api("PUT", "/desk/api/availability", bo, R"({"state":"available"})").status, 200);
  auto moved = api("POST", path, anna, R"({"consultant":")" + bo_id + R"("})");
  ASSERT_EQ(moved.status, 200) << moved.raw.body;
  EXPECT_EQ(moved.json.at("owner_name"), "Bo");
  ASSERT_EQ(link.of("transfer").size(), 1u);
  EXPECT_EQ(link.of("transfer")[0].name, "Bo");  // the widget: Bo took over
  EXPECT_EQ(link.of("accept").size(), 1u);       // Anna's take only: the bot is not told again
  auto h = run(store_->open_handoff("bankx", "conv-bankx-1"))->value();
  EXPECT_EQ(h.owner_ref, bo_id);
  EXPECT_EQ(audit.entries().back().details, R"({"consultant":")" + bo_id + R"("})");
  bool assigned = false;
  for (int i = 0; i < 20 && !assigned; ++i) {
    auto m = ws.read();
    if (!m) break;
    auto e = boost::json::parse(m->text);
    assigned = e.at("type") == "handoff.assigned" && e.at("data").at("conversation") == "conv-bankx-1";
  }
  EXPECT_TRUE(assigned);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":"me?"})").status, 403);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", bo, R"({"text":"Hi"})").status, 200);
}

TEST_F(live_transfer, the_conversation_list_shows_a_queued_conversation_as_waiting_with_its_wait) {
  jar sven;
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  request_handoff("bankx", "conv-bankx-1");
  clock.advance(90s);
  for (const char* path : {"/desk/api/conversations", "/desk/api/live"}) {
    auto list = api("GET", path, sven);
    ASSERT_EQ(list.status, 200) << list.raw.body;
    const auto& items = list.json.at("conversations").as_array();
    ASSERT_EQ(items.size(), 1u) << path;
    const auto& c = items.at(0);
    EXPECT_EQ(c.at("id"), "conv-bankx-1");
    ASSERT_TRUE(c.as_object().contains("handoff")) << path;
    EXPECT_EQ(c.at("handoff").at("status"), "waiting");
    EXPECT_EQ(c.at("handoff").at("waiting_s"), 90);
  }
  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  auto list = api("GET", "/desk/api/conversations", sven);
  EXPECT_EQ(list.json.at("conversations").at(0).at("handoff").at("status"), "assigned");
  EXPECT_EQ(list.json.at("conversations").at(0).at("handoff").at("owner_name"), "Anna");
}

TEST_F(live_transfer, the_same_consultant_in_two_tabs_sees_a_take_from_either_and_the_conversation_in_both) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  net::test::ws_client tab1, tab2;
  for (auto* ws : {&tab1, &tab2}) {
    ws->headers = {{"Cookie", cookie_of(anna)}, {"Origin", origin_}};
    ASSERT_EQ(ws->connect(port_, "/desk/api/events"), 101);
    ASSERT_TRUE(ws->read());  // hello
  }
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);  // from the first tab
  auto types_until_assigned = [](net::test::ws_client& ws) {
    std::vector<std::string> seen;
    for (int i = 0; i < 10; ++i) {
      auto m = ws.read();
      if (!m) break;
      auto e = boost::json::parse(m->text);
      seen.emplace_back(e.at("type").as_string());
      if (seen.back() == "handoff.assigned") {
        EXPECT_EQ(e.at("data").at("conversation"), "conv-bankx-1");
        break;
      }
    }
    return seen;
  };
  for (auto* ws : {&tab1, &tab2}) {
    auto seen = types_until_assigned(*ws);
    EXPECT_NE(std::find(seen.begin(), seen.end(), "handoff.assigned"), seen.end());
  }
  // The customer's next message reaches both tabs.
  desk_->conversation_activity("bankx", "conv-bankx-1", 5, "message",
                               R"({"type":"message","text":"Hello?","from":{"role":"user"}})");
  for (auto* ws : {&tab1, &tab2}) {
    bool got = false;
    for (int i = 0; i < 10 && !got; ++i) {
      auto m = ws->read();
      if (!m) break;
      auto e = boost::json::parse(m->text);
      got = e.at("type") == "conversation.activity" && e.at("data").at("activity").at("text") == "Hello?";
    }
    EXPECT_TRUE(got);
  }
}

// Another node's desks: what this node relays, and what it is relayed (ADR 0023).
struct recording_relay final : event_relay {
  void publish(desk_event e) override {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  std::vector<desk_event> of(std::string_view type) {
    std::lock_guard lock(mutex);
    std::vector<desk_event> out;
    for (const auto& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
  std::mutex mutex;
  std::vector<desk_event> events;
};

class live_nodes : public live_transfer {
 protected:
  void SetUp() override {
    relay_ = &relay;
    live_transfer::SetUp();
  }
  recording_relay relay;
};

TEST_F(live_nodes, desk_events_reach_the_desks_of_other_nodes_through_the_relay_and_back) {
  request_handoff("bankx", "conv-bankx-1");
  // Queued here: every desk of the tenant, on every node, is told.
  auto queued = relay.of("queue.changed");
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].tenant_id, "bankx");
  EXPECT_EQ(queued[0].to, desk_event::scope::tenant);
  EXPECT_EQ(boost::json::parse(queued[0].data).at("status"), "waiting");

  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  // Anna's desks on other nodes open it.
  auto assigned = relay.of("handoff.assigned");
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].to, desk_event::scope::actor);
  EXPECT_EQ(assigned[0].key, agent_id(anna, "Anna"));
  EXPECT_EQ(assigned[0].conversation, "conv-bankx-1");

  // Relayed from another node: Sven's desk here (another tenant's never) gets the queue change;
  // Anna's desk here gets an assignment made there, and then the conversation's events.
  jar sven, hugo;
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);
  net::test::ws_client sven_ws, hugo_ws, anna_ws;
  for (auto [ws, who] : {std::pair{&sven_ws, &sven}, std::pair{&hugo_ws, &hugo}, std::pair{&anna_ws, &anna}}) {
    ws->headers = {{"Cookie", cookie_of(*who)}, {"Origin", origin_}};
    ASSERT_EQ(ws->connect(port_, "/desk/api/events"), 101);
    ASSERT_TRUE(ws->read());  // hello
  }
  desk_->relayed_event({"bankx", desk_event::scope::tenant, "bankx", "", "queue.changed",
                        R"({"conversation":"conv-remote","status":"waiting"})"});
  auto e = sven_ws.read();
  ASSERT_TRUE(e);
  EXPECT_EQ(boost::json::parse(e->text).at("data").at("conversation"), "conv-remote");
  EXPECT_FALSE(hugo_ws.read(300ms));
  const auto before = relay.events.size();
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-2", "bot", "dl_u3")));
  desk_->relayed_event({"bankx", desk_event::scope::actor, agent_id(anna, "Anna"), "conv-bankx-2", "handoff.assigned",
                        R"({"conversation":"conv-bankx-2"})"});
  bool told = false;
  for (int i = 0; i < 10 && !told; ++i) {
    auto m = anna_ws.read();
    if (!m) break;
    auto env = boost::json::parse(m->text);
    told = env.at("type") == "handoff.assigned" && env.at("data").at("conversation") == "conv-bankx-2";
  }
  EXPECT_TRUE(told);
  desk_->conversation_activity("bankx", "conv-bankx-2", 1, "message",
                               R"({"type":"message","text":"from the other node's customer","from":{"role":"user"}})");
  bool heard = false;
  for (int i = 0; i < 10 && !heard; ++i) {
    auto m = anna_ws.read();
    if (!m) break;
    heard = boost::json::parse(m->text).at("type") == "conversation.activity";
  }
  EXPECT_TRUE(heard);
  EXPECT_EQ(relay.events.size(), before);  // a relayed event is not relayed again
  // Malformed relayed data is dropped.
  desk_->relayed_event({"bankx", desk_event::scope::tenant, "bankx", "", "queue.changed", "not json"});
  EXPECT_FALSE(sven_ws.read(300ms));
}

}  // namespace
}  // namespace parley::desk::test
