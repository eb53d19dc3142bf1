// The live desk's routes (routes_live.cpp) over real sockets, signed in through the fake IdPs,
// with the queue in a real encrypted SQLite store and a recording fake of the channel's side
// (conversation_link; the real channel behind it is tests/integration's business): a handoff is
// queued, exactly one consultant takes it, the other is told, messages and typing reach the
// channel under the first name, hand-back returns it; roles, tenants, audit entries (before each
// access), a supervisor's silent monitor with events over the WebSocket, a session that ends and
// an unanswered assignment put it back in the queue.
#include "live_fixture.hpp"

#include <atomic>
#include <mutex>
#include <thread>

namespace parley::desk::test {
namespace {

TEST_F(live_desk, exactly_one_consultant_takes_a_handoff_talks_under_the_first_name_and_hands_back) {
  request_handoff("bankx", "conv-bankx-1");
  // The widget is told its place: first in the queue (the estimate is the channel's to show).
  ASSERT_EQ(link.of("update").size(), 1u);
  EXPECT_EQ(link.of("update")[0].name, "1");

  jar anna, bo, hugo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);

  auto q = api("GET", "/desk/api/handoffs", anna);
  ASSERT_EQ(q.status, 200) << q.raw.body;
  ASSERT_EQ(q.json.at("handoffs").as_array().size(), 1u);
  const auto& h = q.json.at("handoffs").at(0);
  EXPECT_EQ(h.at("conversation"), "conv-bankx-1");
  EXPECT_EQ(h.at("status"), "waiting");
  EXPECT_EQ(h.at("queue"), "general");
  EXPECT_EQ(h.at("priority"), 3);
  EXPECT_EQ(h.at("reason"), "Card blocked abroad");
  EXPECT_EQ(h.at("version"), 1);
  // Another tenant sees nothing and cannot take it.
  EXPECT_TRUE(api("GET", "/desk/api/handoffs", hugo).json.at("handoffs").as_array().empty());
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", hugo, R"({"version":1})").status, 404);

  // Two consultants take version 1: exactly one wins, the other is told.
  auto won = api("POST", "/desk/api/handoffs/conv-bankx-1/take", anna, R"({"version":1})");
  ASSERT_EQ(won.status, 200) << won.raw.body;
  EXPECT_EQ(won.json.at("mine"), true);
  EXPECT_EQ(won.json.at("owner_name"), "Anna");
  auto lost = api("POST", "/desk/api/handoffs/conv-bankx-1/take", bo, R"({"version":1})");
  EXPECT_EQ(lost.status, 409);
  EXPECT_NE(lost.raw.body.find("TakenByAnother"), std::string::npos);
  ASSERT_EQ(link.of("accept").size(), 1u);
  EXPECT_EQ(link.of("accept")[0].name, "Anna");  // the first name, never "Anna Berg" or an e-mail

  // The owner talks; another consultant may not; bad input is refused before anything is sent.
  auto sent = api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":"Hello, I am Anna."})");
  ASSERT_EQ(sent.status, 200) << sent.raw.body;
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/typing", anna).status, 200);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", bo, R"({"text":"me too"})").status, 403);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":""})").status, 400);
  EXPECT_EQ(
      api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":")" + std::string(4001, 'x') + R"("})")
          .status,
      400);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":"x","extra":1})").status, 400);
  auto sends = link.of("send");
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].text, "Hello, I am Anna.");
  EXPECT_EQ(sends[0].name, "Anna");
  EXPECT_FALSE(sends[0].flag);
  EXPECT_TRUE(sends[1].flag);  // typing
  EXPECT_TRUE(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().answered !=
              std::chrono::system_clock::time_point{});  // the no-answer clock stopped

  // Hand-back with a note and an intent to resume.
  auto back = api("POST", "/desk/api/handoffs/conv-bankx-1/hand-back", anna,
                  R"({"note":"Card unblocked","intent":"opening_hours"})");
  ASSERT_EQ(back.status, 200) << back.raw.body;
  ASSERT_EQ(link.of("end").size(), 1u);
  EXPECT_TRUE(link.of("end")[0].flag);  // completed
  EXPECT_EQ(link.of("end")[0].name, "opening_hours");
  EXPECT_TRUE(api("GET", "/desk/api/handoffs", anna).json.at("handoffs").as_array().empty());

  // Every access was audited, in order, before it happened.
  auto events = audit_events();
  auto pos = [&](const std::string& e) { return std::find(events.begin(), events.end(), e) - events.begin(); };
  EXPECT_LT(pos("desk.handoff_taken"), pos("desk.message_sent"));
  EXPECT_LT(pos("desk.message_sent"), pos("desk.handed_back"));
  EXPECT_EQ(std::count(events.begin(), events.end(), "desk.message_sent"), 1);  // typing is not an access
  EXPECT_EQ(audit.entries().back().subject, "conv-bankx-1");
  EXPECT_EQ(audit.entries().back().details, R"({"intent":"opening_hours"})");
}

TEST_F(live_desk, a_supervisor_monitors_silently_and_gets_the_conversation_live_over_the_websocket) {
  jar anna, sven;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  new_activity_for_bot_conversation();
  EXPECT_EQ(api("POST", "/desk/api/conversations/conv-bankx-1/monitor", anna).status, 403);    // supervisors only
  EXPECT_EQ(api("POST", "/desk/api/conversations/conv-harbour-1/monitor", sven).status, 404);  // other tenant

  net::test::ws_client ws;
  ws.headers = {{"Cookie", cookie_of(sven)}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  ASSERT_TRUE(ws.read());  // hello
  auto m = api("POST", "/desk/api/conversations/conv-bankx-1/monitor", sven);
  ASSERT_EQ(m.status, 200) << m.raw.body;
  ASSERT_EQ(m.json.at("activities").as_array().size(), 1u);
  EXPECT_EQ(m.json.at("activities").at(0).at("activity").at("text"), "I lost my card");
  EXPECT_EQ(audit.entries().back().event, "desk.monitor_started");
  EXPECT_TRUE(link.calls.empty());  // nothing reached the user's side

  desk_->conversation_activity("bankx", "conv-bankx-1", 2, "message",
                               R"({"type":"message","text":"Which card?","from":{"role":"bot"}})");
  desk_->conversation_activity("bankx", "conv-other", 1, "message", R"({"type":"message","text":"not watched"})");
  auto ev = ws.read();
  ASSERT_TRUE(ev);
  auto e = boost::json::parse(ev->text);
  EXPECT_EQ(e.at("type"), "conversation.activity");
  EXPECT_EQ(e.at("data").at("conversation"), "conv-bankx-1");
  EXPECT_EQ(e.at("data").at("activity").at("text"), "Which card?");
  EXPECT_FALSE(ws.read(300ms));  // the unwatched conversation is not sent
}

TEST_F(live_desk, a_consultants_session_ending_and_an_unanswered_take_put_the_conversation_back_in_the_queue) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna, ada;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "ada", ada).status, 303);
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", anna, R"({"version":1})").status, 200);
  ASSERT_EQ(api("POST", "/desk/api/logout", anna).status, 200);
  // The release runs beside the sign-out: wait for it (bounded), never sleep-and-hope.
  auto h = run(store_->open_handoff("bankx", "conv-bankx-1"));
  for (int i = 0; i < 200 && h && *h && (*h)->status != store::handoff_status::waiting; ++i) {
    std::this_thread::sleep_for(25ms);
    h = run(store_->open_handoff("bankx", "conv-bankx-1"));
  }
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->status, store::handoff_status::waiting);

  // Ada takes it and does not answer within answer_timeout: back to the queue.
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", ada,
                R"({"version":)" + std::to_string(version_of("conv-bankx-1")) + "}")
                .status,
            200);
  clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(options{}.answer_timeout) + 1s);
  run(desk_->requeue_unanswered());
  EXPECT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().status, store::handoff_status::waiting);
  // A consultant cannot take over (supervisors only), nor use a stale version.
  jar bo;
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take-over", bo, R"({"version":1})").status, 403);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", bo, R"({"version":1})").status, 409);
  // Without the CSRF header the guard refuses before anything happens.
  EXPECT_EQ(call("POST", "/desk/api/handoffs/conv-bankx-1/take", &ada,
                 "Origin: " + origin_ + "\r\nContent-Type: application/json\r\n", R"({"version":9})")
                .status,
            403);
}

// Automatic assignment (BankX's assignment = "auto"; Harbour keeps "pick").
class live_desk_auto : public live_desk {
 protected:
  void adjust(options& o) override {
    live_desk::adjust(o);
    for (auto& t : o.tenants) {
      if (t.id == "bankx") t.auto_assign = true;
    }
  }
  /// Reads desk events until one of `type` arrives (bounded).
  static std::optional<boost::json::value> event_of(net::test::ws_client& ws, std::string_view type) {
    for (int i = 0; i < 20; ++i) {
      auto m = ws.read();
      if (!m) return std::nullopt;
      auto e = boost::json::parse(m->text);
      if (const auto* t = e.at("type").if_string(); t && *t == type) return e;
    }
    return std::nullopt;
  }
};

TEST_F(live_desk_auto, a_waiting_handoff_goes_to_an_available_consultant_without_anyone_taking_it) {
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-2", "bot", "dl_u3")));
  // Nobody available: it waits, first in the queue.
  request_handoff("bankx", "conv-bankx-1");
  EXPECT_TRUE(link.of("accept").empty());
  EXPECT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().status, store::handoff_status::waiting);

  jar anna, bo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  net::test::ws_client ws;
  ws.headers = {{"Cookie", cookie_of(anna)}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  ASSERT_TRUE(ws.read());  // hello

  // Anna becomes available: the waiting handoff is hers, accepted in the channel under her first
  // name, and her desk is told, without a Take.
  ASSERT_EQ(api("PUT", "/desk/api/availability", anna, R"({"state":"available","capacity":1})").status, 200);
  ASSERT_EQ(link.of("accept").size(), 1u);
  EXPECT_EQ(link.of("accept")[0].conversation, "conv-bankx-1");
  EXPECT_EQ(link.of("accept")[0].name, "Anna");
  auto h = run(store_->open_handoff("bankx", "conv-bankx-1"))->value();
  EXPECT_EQ(h.status, store::handoff_status::assigned);
  EXPECT_EQ(h.owner_name, "Anna");
  auto assigned = event_of(ws, "handoff.assigned");
  ASSERT_TRUE(assigned);
  EXPECT_EQ(assigned->at("data").at("conversation"), "conv-bankx-1");
  auto events = audit_events();
  EXPECT_NE(std::find(events.begin(), events.end(), "desk.handoff_assigned"), events.end());
  // She may write at once (she owns it), Bo may not.
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", anna, R"({"text":"Hello"})").status, 200);
  EXPECT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/messages", bo, R"({"text":"Hi"})").status, 403);

  // A new handoff while Anna is full: it goes to Bo as soon as it arrives.
  ASSERT_EQ(api("PUT", "/desk/api/availability", bo, R"({"state":"available","capacity":2})").status, 200);
  request_handoff("bankx", "conv-bankx-2");
  ASSERT_EQ(link.of("accept").size(), 2u);
  EXPECT_EQ(link.of("accept")[1].conversation, "conv-bankx-2");
  EXPECT_EQ(link.of("accept")[1].name, "Bo");

  // Another tenant in "pick" mode: its handoff waits for a Take even with a consultant available.
  jar hugo;
  ASSERT_EQ(sign_in("harbour", "hugo", hugo).status, 303);
  ASSERT_EQ(api("PUT", "/desk/api/availability", hugo, R"({"state":"available"})").status, 200);
  request_handoff("harbour", "conv-harbour-1");
  run(desk_->check_queues());
  EXPECT_EQ(link.of("accept").size(), 2u);
}

TEST_F(live_desk_auto, a_consultant_who_signs_out_is_away_and_their_conversation_goes_to_the_next_one) {
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-2", "bot", "dl_u3")));
  jar anna, bo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  ASSERT_EQ(api("PUT", "/desk/api/availability", anna, R"({"state":"available","capacity":1})").status, 200);
  request_handoff("bankx", "conv-bankx-1");
  ASSERT_EQ(link.of("accept").size(), 1u);
  const auto anna_ref = run(store_->open_handoff("bankx", "conv-bankx-1"))->value().owner_ref;
  // Anna signs out: the conversation is requeued and she is away (the release runs beside the
  // sign-out: wait for it, bounded).
  ASSERT_EQ(api("POST", "/desk/api/logout", anna).status, 200);
  auto away = [&] {
    auto me = run(store_->get_desk_agent("bankx", anna_ref));
    return me && *me && (*me)->state == store::availability::away;
  };
  for (int i = 0; i < 200 && !away(); ++i) std::this_thread::sleep_for(25ms);
  ASSERT_TRUE(away());
  EXPECT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().status, store::handoff_status::waiting);
  run(desk_->check_queues());
  EXPECT_EQ(link.of("accept").size(), 1u);  // not given back to Anna, who left
  // Bo becomes available: the requeued conversation is his.
  ASSERT_EQ(api("PUT", "/desk/api/availability", bo, R"({"state":"available","capacity":1})").status, 200);
  ASSERT_EQ(link.of("accept").size(), 2u);
  EXPECT_EQ(link.of("accept")[1].name, "Bo");
}

// The loop itself (every queue_check_interval, started with the desk) assigns a handoff to a
// consultant who became available in the store without any route running (another desk node).
class live_desk_loop : public live_desk_auto {
 protected:
  void adjust(options& o) override {
    live_desk_auto::adjust(o);
    o.queue_check_interval = std::chrono::seconds{1};
  }
};

TEST_F(live_desk_loop, the_desks_loop_assigns_a_waiting_handoff_by_itself) {
  request_handoff("bankx", "conv-bankx-1");
  ASSERT_TRUE(link.of("accept").empty());
  store::desk_agent a;
  a.tenant_id = "bankx";
  a.actor_ref = "agent-on-another-node";
  a.display_name = "Maja";
  a.state = store::availability::available;
  a.skills = {"general"};
  ASSERT_TRUE(run(store_->put_desk_agent(std::move(a))));
  for (int i = 0; i < 400 && link.of("accept").empty(); ++i) std::this_thread::sleep_for(25ms);  // ≤ 10 s
  ASSERT_EQ(link.of("accept").size(), 1u);
  EXPECT_EQ(link.of("accept")[0].name, "Maja");
  EXPECT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().owner_ref, "agent-on-another-node");
}

TEST_F(live_desk, a_handoff_nobody_takes_within_the_wait_timeout_fails_and_the_bot_is_told) {
  request_handoff("bankx", "conv-bankx-1");
  clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(options{}.wait_timeout) - 1s);
  run(desk_->check_queues());
  EXPECT_TRUE(link.of("end").empty());  // not yet
  clock.advance(2s);
  run(desk_->check_queues());
  ASSERT_EQ(link.of("end").size(), 1u);
  EXPECT_FALSE(link.of("end")[0].flag);  // failed
  EXPECT_EQ(link.of("end")[0].conversation, "conv-bankx-1");
  EXPECT_FALSE(link.of("end")[0].text.empty());  // the explanation the assistant passes on
  EXPECT_FALSE(run(store_->open_handoff("bankx", "conv-bankx-1"))->has_value());
  auto events = audit_events();
  EXPECT_NE(std::find(events.begin(), events.end(), "desk.handoff_failed"), events.end());
  run(desk_->check_queues());
  EXPECT_EQ(link.of("end").size(), 1u);  // once
}

TEST_F(live_desk, the_widgets_behind_are_told_their_new_place_when_the_queue_moves) {
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-2", "bot", "dl_u3")));
  request_handoff("bankx", "conv-bankx-1");
  request_handoff("bankx", "conv-bankx-2");
  auto updates = link.of("update");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1].conversation, "conv-bankx-2");
  EXPECT_EQ(updates[1].name, "2");  // second in the queue
  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/take", anna, R"({"version":1})").status, 200);
  updates = link.of("update");
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_EQ(updates[2].conversation, "conv-bankx-2");
  EXPECT_EQ(updates[2].name, "1");  // moved up
}

}  // namespace
}  // namespace parley::desk::test
