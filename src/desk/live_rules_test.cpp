// The live desk's rules for waits and owners (live.cpp, routes_live.cpp, routes_tools.cpp) over
// real sockets with the queue in a real encrypted SQLite store and a recording fake of the
// channel's side: the wait timeout counts every wait (after a transfer too, from the transfer),
// an automatic assignment never gives a conversation back to the consultant who transferred it
// away, a supervisor's take-over tells the widget the new name, and a private note reaches every
// desk watching the conversation at once.
#include "live_fixture.hpp"

#include <algorithm>
#include <thread>

namespace parley::desk::test {
namespace {

class live_rules : public live_desk {
 protected:
  answer take(const jar& who, const std::string& conversation, const char* how = "take") {
    return api("POST", "/desk/api/handoffs/" + conversation + "/" + how, who,
               R"({"version":)" + std::to_string(version_of(conversation)) + "}");
  }
  /// Reads desk events until one of `type` whose data matches `pred` arrives (bounded).
  template <class Pred>
  static std::optional<boost::json::value> event_of(net::test::ws_client& ws, std::string_view type, Pred pred) {
    for (int i = 0; i < 20; ++i) {
      auto m = ws.read();
      if (!m) return std::nullopt;
      auto e = boost::json::parse(m->text);
      if (const auto* t = e.at("type").if_string(); t && *t == type && pred(e.at("data"))) return e;
    }
    return std::nullopt;
  }
  static std::chrono::milliseconds wait_timeout() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(options{}.wait_timeout);
  }
};

class live_rules_auto : public live_rules {
 protected:
  void adjust(options& o) override {
    live_rules::adjust(o);
    for (auto& t : o.tenants) {
      if (t.id == "bankx") t.auto_assign = true;
    }
  }
};

TEST_F(live_rules, the_wait_timeout_counts_a_wait_after_a_transfer_from_the_transfer_and_fails_it_like_a_first_one) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  ASSERT_TRUE(run(store_->set_conversation_state("bankx", "conv-bankx-1", store::conversation_state::with_consultant)));
  // Long after the request, Anna transfers it to a queue nobody serves: a new wait starts.
  clock.advance(wait_timeout() + 60s);
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/transfer", anna, R"({"queue":"cards"})").status, 200);
  run(desk_->check_queues());
  EXPECT_TRUE(link.of("end").empty());  // it keeps its place, and its new wait is short
  clock.advance(wait_timeout() - 1s);
  run(desk_->check_queues());
  EXPECT_TRUE(link.of("end").empty());
  clock.advance(2s);
  run(desk_->check_queues());
  // Failed as a first wait fails: the bot hears `failed` with the explanation the assistant passes on.
  ASSERT_EQ(link.of("end").size(), 1u);
  EXPECT_FALSE(link.of("end")[0].flag);
  EXPECT_FALSE(link.of("end")[0].text.empty());
  EXPECT_FALSE(run(store_->open_handoff("bankx", "conv-bankx-1"))->has_value());
  auto events = audit_events();
  EXPECT_NE(std::find(events.begin(), events.end(), "desk.handoff_failed"), events.end());
}

TEST_F(live_rules, the_wait_timeout_counts_a_wait_after_a_requeue_from_the_requeue) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  clock.advance(wait_timeout() - 10s);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  // Anna signs out: back in the queue; the wait counts from now, not from the request.
  ASSERT_EQ(api("POST", "/desk/api/logout", anna).status, 200);
  auto back = [&] {
    auto h = run(store_->open_handoff("bankx", "conv-bankx-1"));
    return h && *h && (*h)->status == store::handoff_status::waiting;
  };
  for (int i = 0; i < 200 && !back(); ++i) std::this_thread::sleep_for(10ms);  // released on the desk's executor
  ASSERT_TRUE(back());
  clock.advance(30s);
  run(desk_->check_queues());
  EXPECT_TRUE(link.of("end").empty());
  clock.advance(wait_timeout());
  run(desk_->check_queues());
  EXPECT_EQ(link.of("end").size(), 1u);
}

TEST_F(live_rules_auto, an_automatic_assignment_after_a_transfer_never_goes_back_to_who_transferred_it) {
  jar anna, bo;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "bo", bo).status, 303);
  ASSERT_EQ(api("PUT", "/desk/api/availability", anna, R"({"state":"available","capacity":2})").status, 200);
  request_handoff("bankx", "conv-bankx-1");
  ASSERT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().owner_name, "Anna");
  // Anna transfers it to her own queue: she is the only one available and has room, yet it waits.
  ASSERT_EQ(api("POST", "/desk/api/handoffs/conv-bankx-1/transfer", anna, R"({"queue":"general"})").status, 200);
  run(desk_->check_queues());
  auto h = run(store_->open_handoff("bankx", "conv-bankx-1"))->value();
  EXPECT_EQ(h.status, store::handoff_status::waiting);
  EXPECT_TRUE(h.owner_ref.empty());
  EXPECT_FALSE(h.previous_owner.empty());
  EXPECT_NE(h.requeued, std::chrono::system_clock::time_point{});
  // Bo becomes available: it is his.
  ASSERT_EQ(api("PUT", "/desk/api/availability", bo, R"({"state":"available"})").status, 200);
  h = run(store_->open_handoff("bankx", "conv-bankx-1"))->value();
  EXPECT_EQ(h.status, store::handoff_status::assigned);
  EXPECT_EQ(h.owner_name, "Bo");
  EXPECT_TRUE(h.previous_owner.empty());
}

TEST_F(live_rules, a_supervisors_take_over_tells_the_widget_the_new_name_and_not_the_bot) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna, sven;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  auto over = take(sven, "conv-bankx-1", "take-over");
  ASSERT_EQ(over.status, 200) << over.raw.body;
  ASSERT_EQ(link.of("transfer").size(), 1u);
  EXPECT_EQ(link.of("transfer")[0].name, "Sven");  // the widget: "Sven (consultant) took over"
  EXPECT_EQ(link.of("accept").size(), 1u);         // Anna's take only: the bot hears `accepted` once
  EXPECT_EQ(run(store_->open_handoff("bankx", "conv-bankx-1"))->value().owner_name, "Sven");
  // The user left in between: the take-over ends the handoff and says so.
  ASSERT_TRUE(run(store_->create_conversation("bankx", "conv-bankx-2", "bot", "dl_u3")));
  request_handoff("bankx", "conv-bankx-2");
  ASSERT_EQ(take(anna, "conv-bankx-2").status, 200);
  link.answer_with = link_status::wrong_state;
  EXPECT_EQ(take(sven, "conv-bankx-2", "take-over").status, 409);
  EXPECT_FALSE(run(store_->open_handoff("bankx", "conv-bankx-2"))->has_value());
}

TEST_F(live_rules, a_private_note_reaches_every_desk_watching_the_conversation_at_once) {
  request_handoff("bankx", "conv-bankx-1");
  jar anna, sven;
  ASSERT_EQ(sign_in("bankx", "anna", anna).status, 303);
  ASSERT_EQ(sign_in("bankx", "sven", sven).status, 303);
  ASSERT_EQ(take(anna, "conv-bankx-1").status, 200);
  net::test::ws_client ws;
  ws.headers = {{"Cookie", cookie_of(sven)}, {"Origin", origin_}};
  ASSERT_EQ(ws.connect(port_, "/desk/api/events"), 101);
  ASSERT_TRUE(ws.read());  // hello
  ASSERT_EQ(api("POST", "/desk/api/conversations/conv-bankx-1/monitor", sven).status, 200);
  auto added = api("POST", "/desk/api/handoffs/conv-bankx-1/notes", anna, R"({"text":"Travelling until Friday"})");
  ASSERT_EQ(added.status, 200) << added.raw.body;
  auto e = event_of(ws, "conversation.activity", [](const boost::json::value& d) {
    return d.at("conversation") == "conv-bankx-1" && d.at("type") == "handoff";
  });
  ASSERT_TRUE(e) << "the supervisor's desk did not get the note";
  const auto& data = e->at("data");
  EXPECT_EQ(data.at("seq"), added.json.at("seq"));
  EXPECT_EQ(data.at("activity").at("name"), "parley.note");
  EXPECT_EQ(data.at("activity").at("text"), "Travelling until Friday");
  EXPECT_EQ(data.at("activity").at("from").at("name"), "Anna");
  EXPECT_TRUE(link.of("send").empty());  // never to the customer
}

}  // namespace
}  // namespace parley::desk::test
