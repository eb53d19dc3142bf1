// The conformance suite (store_suite.hpp), part three: the desk's queue (desk_queue_store.hpp)
// over every backend: order, sealing, the compare-and-set take under a real race between two
// stores on one database, capacity and availability, automatic assignment, requeue and close.
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace parley::store::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

queued_handoff handoff_of(const std::string& conv, const std::string& queue, int priority,
                          const std::string& reason = "Card blocked abroad, Queue-Secret-Reason") {
  queued_handoff h;
  h.tenant_id = "bankx";
  h.conversation_id = conv;
  h.handoff_id = "h-" + conv;
  h.queue = queue;
  h.priority = priority;
  h.reason = reason;
  h.failed_intent = "card_blocked";
  return h;
}

desk_agent agent_of(const std::string& ref, const std::string& name, unsigned capacity,
                    std::vector<std::string> skills = {"general"}, availability state = availability::available) {
  desk_agent a;
  a.tenant_id = "bankx";
  a.actor_ref = ref;
  a.display_name = name;
  a.capacity = capacity;
  a.skills = std::move(skills);
  a.state = state;
  return a;
}

}  // namespace

TEST_P(store_suite, DeskQueueOrdersByPriorityThenWaitSealsWhatNamesPeopleAndSurvivesAReopen) {
  for (const char* c : {"c1", "c2", "c3"}) make_conversation("bankx", c);
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c1", "general", 0))));
  advance_clock(2ms);  // distinct request times (the store's clock orders them)
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c2", "general", 0))));
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c3", "cards", 5))));
  // A retried request is the same handoff, not a second one.
  auto again = run(store_->enqueue_handoff(handoff_of("c1", "cards", 9, "other")));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->queue, "general");
  EXPECT_EQ(again->version, 1u);

  auto q = run(store_->list_queue("bankx", 100));
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_EQ(q->size(), 3u);
  EXPECT_EQ((*q)[0].conversation_id, "c3");  // highest priority
  EXPECT_EQ((*q)[1].conversation_id, "c1");  // then the longest waiting
  EXPECT_EQ((*q)[2].conversation_id, "c2");
  EXPECT_EQ((*q)[1].reason, "Card blocked abroad, Queue-Secret-Reason");
  EXPECT_EQ((*q)[1].failed_intent, "card_blocked");
  EXPECT_EQ((*q)[1].status, handoff_status::waiting);

  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-anna", "Anna Queue-Secret-Name", 2))));
  auto taken = run(store_->take_handoff("bankx", "c1", 1, "actor-anna", std::nullopt));
  ASSERT_TRUE(taken) << taken.error().message();
  EXPECT_EQ(taken->outcome, take_outcome::taken);
  EXPECT_EQ(taken->handoff.owner_name, "Anna Queue-Secret-Name");
  EXPECT_FALSE(env_->storage_contains("Queue-Secret-Reason"));
  EXPECT_FALSE(env_->storage_contains("Queue-Secret-Name"));

  open_store();  // another desk node, or this one restarted
  auto h = run(store_->open_handoff("bankx", "c1"));
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->status, handoff_status::assigned);
  EXPECT_EQ((*h)->owner_ref, "actor-anna");
  EXPECT_EQ((*h)->owner_name, "Anna Queue-Secret-Name");
  EXPECT_EQ((*h)->version, 2u);
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-anna"))->value().load, 1u);

  // Another tenant sees none of it.
  ASSERT_TRUE(run(store_->ensure_tenant("harbour")));
  EXPECT_TRUE(run(store_->list_queue("harbour", 100))->empty());
  EXPECT_FALSE(run(store_->open_handoff("harbour", "c1"))->has_value());
  EXPECT_FALSE(run(store_->get_desk_agent("harbour", "actor-anna"))->has_value());
  EXPECT_EQ(run(store_->take_handoff("harbour", "c2", 1, "actor-anna", std::nullopt)).error(), errc::not_found);

  // Bad input is refused before anything is stored.
  EXPECT_EQ(run(store_->enqueue_handoff(handoff_of("c9", "Bad Queue", 0))).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->enqueue_handoff(handoff_of("c9", "general", 10))).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->enqueue_handoff(handoff_of("c9", "general", 0, std::string(max_desk_text + 1, 'x')))).error(),
            errc::invalid_argument);
  EXPECT_EQ(run(store_->enqueue_handoff(handoff_of("c9", "general", 0))).error(), errc::not_found);
  EXPECT_EQ(run(store_->put_desk_agent(agent_of("actor-x", "X", 0))).error(), errc::invalid_argument);
  EXPECT_EQ(run(store_->put_desk_agent(agent_of("actor-x", "X", 1, {"No Such"}))).error(), errc::invalid_argument);
}

TEST_P(store_suite, ExactlyOneOfManyConsultantsOnTwoStoresWinsATake) {
  make_conversation("bankx", "c1");
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c1", "general", 0))));
  constexpr int takers = 8;
  for (int i = 0; i < takers; ++i) {
    ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-" + std::to_string(i), "C" + std::to_string(i), 3))));
  }
  auto second = try_open(root());  // a second desk node on the same database
  ASSERT_TRUE(second) << second.error().message();

  std::atomic<int> won{0}, lost{0}, failed{0};
  asio::io_context ctx;
  for (int i = 0; i < takers; ++i) {
    encrypted_store& s = i % 2 == 0 ? *store_ : **second;
    asio::co_spawn(
        ctx,
        [&, i]() -> asio::awaitable<void> {
          auto r = co_await s.take_handoff("bankx", "c1", 1, "actor-" + std::to_string(i), std::nullopt);
          if (!r)
            ++failed;
          else if (r->outcome == take_outcome::taken)
            ++won;
          else if (r->outcome == take_outcome::lost)
            ++lost;
        },
        core::log_exceptions{core::logger("test"), "taker"});
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), takers - 1);

  // The winner is the owner, and only the winner's load counts it.
  auto h = run(store_->open_handoff("bankx", "c1"));
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->version, 2u);
  unsigned total_load = 0;
  for (const auto& a : *run(store_->list_desk_agents("bankx"))) {
    total_load += a.load;
    EXPECT_EQ(a.load, a.actor_ref == (*h)->owner_ref ? 1u : 0u);
  }
  EXPECT_EQ(total_load, 1u);
}

TEST_P(store_suite, DeskQueueHonoursAvailabilityCapacityAndAssignsLongestWaitingToTheLeastLoaded) {
  for (const char* c : {"c1", "c2", "c3", "c4"}) make_conversation("bankx", c);
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c1", "cards", 0))));
  advance_clock(2ms);
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c2", "general", 0))));
  advance_clock(2ms);
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c3", "general", 0))));
  advance_clock(2ms);
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c4", "general", 0))));

  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-away", "Away", 3, {"general"}, availability::away))));
  EXPECT_EQ(run(store_->take_handoff("bankx", "c2", 1, "actor-away", std::nullopt))->outcome,
            take_outcome::not_available);
  EXPECT_EQ(run(store_->take_handoff("bankx", "c2", 1, "actor-unknown", std::nullopt))->outcome,
            take_outcome::not_available);

  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-b", "Ben", 1, {"general"}))));
  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-c", "Cleo", 2, {"general"}))));
  // Automatic assignment: 'general' only (nobody has 'cards'), longest waiting first (c2), to the
  // least loaded; ties go to the one assigned longest ago (round-robin).
  auto first = run(store_->assign_next("bankx"));
  ASSERT_TRUE(first && *first) << (first ? "nothing assigned" : first.error().message());
  EXPECT_EQ((*first)->conversation_id, "c2");
  const std::string first_owner = (*first)->owner_ref;
  auto second = run(store_->assign_next("bankx"));
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->conversation_id, "c3");
  EXPECT_NE((*second)->owner_ref, first_owner);  // the other one: least loaded
  auto third = run(store_->assign_next("bankx"));
  ASSERT_TRUE(third && *third);
  EXPECT_EQ((*third)->conversation_id, "c4");
  EXPECT_EQ((*third)->owner_ref, "actor-c");                     // Ben is at capacity (1)
  EXPECT_FALSE(run(store_->assign_next("bankx"))->has_value());  // c1 needs 'cards'
  EXPECT_EQ(run(store_->take_handoff("bankx", "c1", 1, "actor-b", std::nullopt))->outcome, take_outcome::at_capacity);

  // A supervisor's take-over moves the load from the previous owner.
  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-sup", "Sam", 5, {}))));
  auto c4 = run(store_->open_handoff("bankx", "c4"))->value();
  auto over = run(store_->take_handoff("bankx", "c4", c4.version, "actor-sup", std::string("actor-c")));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->outcome, take_outcome::taken);
  EXPECT_EQ(over->handoff.owner_name, "Sam");
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-c"))->value().load, 1u);
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-sup"))->value().load, 1u);
  // A stale version loses.
  EXPECT_EQ(run(store_->take_handoff("bankx", "c4", c4.version, "actor-b", std::string("actor-sup")))->outcome,
            take_outcome::lost);
}

TEST_P(store_suite, DeskQueueRequeuesUnansweredAndReleasedHandoffsAndClosesWithASealedNote) {
  for (const char* c : {"c1", "c2"}) make_conversation("bankx", c);
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c1", "general", 0))));
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c2", "general", 0))));
  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-anna", "Anna", 3))));
  const auto requested = run(store_->open_handoff("bankx", "c1"))->value().requested;
  ASSERT_EQ(run(store_->take_handoff("bankx", "c1", 1, "actor-anna", std::nullopt))->outcome, take_outcome::taken);
  ASSERT_EQ(run(store_->take_handoff("bankx", "c2", 1, "actor-anna", std::nullopt))->outcome, take_outcome::taken);

  // c2 is answered; c1 is not: only c1 goes back when the consultant does not answer in time.
  EXPECT_TRUE(*run(store_->mark_answered("bankx", "c2", "actor-anna")));
  EXPECT_FALSE(*run(store_->mark_answered("bankx", "c2", "actor-other")));
  EXPECT_TRUE(run(store_->requeue_unanswered("bankx", clock_now() - 1h))->empty());  // none that old
  auto requeued = run(store_->requeue_unanswered("bankx", clock_now() + 1s));
  ASSERT_TRUE(requeued);
  EXPECT_EQ(*requeued, std::vector<std::string>{"c1"});
  auto c1 = run(store_->open_handoff("bankx", "c1"))->value();
  EXPECT_EQ(c1.status, handoff_status::waiting);
  EXPECT_TRUE(c1.owner_ref.empty());
  EXPECT_TRUE(c1.owner_name.empty());
  EXPECT_EQ(c1.requested, requested);  // keeps its place in the queue
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-anna"))->value().load, 1u);

  // The consultant's session ends: what they own goes back to the queue.
  EXPECT_EQ(*run(store_->release_agent("bankx", "actor-anna")), std::vector<std::string>{"c2"});
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-anna"))->value().load, 0u);
  // A transfer to another queue.
  auto c2 = run(store_->open_handoff("bankx", "c2"))->value();
  ASSERT_EQ(run(store_->take_handoff("bankx", "c2", c2.version, "actor-anna", std::nullopt))->outcome,
            take_outcome::taken);
  EXPECT_FALSE(*run(store_->release_handoff("bankx", "c2", "actor-other", std::string("cards"))));
  EXPECT_TRUE(*run(store_->release_handoff("bankx", "c2", "actor-anna", std::string("cards"))));
  EXPECT_EQ(run(store_->open_handoff("bankx", "c2"))->value().queue, "cards");

  // Hand-back: closed with a sealed note, the load released, the conversation free to queue again.
  c2 = run(store_->open_handoff("bankx", "c2"))->value();
  ASSERT_EQ(run(store_->take_handoff("bankx", "c2", c2.version, "actor-anna", std::nullopt))->outcome,
            take_outcome::taken);
  auto closed = run(store_->close_handoff("bankx", "c2", "Card unblocked, Queue-Secret-Note"));
  ASSERT_TRUE(closed && *closed) << (closed ? "none" : closed.error().message());
  EXPECT_EQ((*closed)->status, handoff_status::closed);
  EXPECT_EQ((*closed)->note, "Card unblocked, Queue-Secret-Note");
  EXPECT_FALSE(env_->storage_contains("Queue-Secret-Note"));
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-anna"))->value().load, 0u);
  EXPECT_FALSE(run(store_->open_handoff("bankx", "c2"))->has_value());
  EXPECT_FALSE(run(store_->close_handoff("bankx", "c2", ""))->has_value());
  auto requeue = handoff_of("c2", "general", 0);
  requeue.handoff_id = "h-c2-second";
  auto second = run(store_->enqueue_handoff(requeue));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->version, 1u);
  EXPECT_EQ(run(store_->list_queue("bankx", 100))->size(), 2u);
}

TEST_P(store_suite, DeskQueueClosesAWaitingHandoffOnlyAtTheVersionItWasSeenAt) {
  // The wait-timeout scan saw c1 waiting at version 1; a consultant took it before the close:
  // exactly one outcome, the take (issue 19, the timeout race).
  make_conversation("bankx", "c1");
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c1", "general", 0))));
  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-anna", "Anna", 3))));
  ASSERT_EQ(run(store_->take_handoff("bankx", "c1", 1, "actor-anna", std::nullopt))->outcome, take_outcome::taken);
  auto late = run(store_->close_handoff("bankx", "c1", "No consultant took it in time.", std::uint64_t{1}));
  ASSERT_TRUE(late) << late.error().message();
  EXPECT_FALSE(late->has_value());
  auto still = run(store_->open_handoff("bankx", "c1"))->value();
  EXPECT_EQ(still.status, handoff_status::assigned);
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-anna"))->value().load, 1u);
  // At the version it has now, it closes.
  auto closed = run(store_->close_handoff("bankx", "c1", "", still.version));
  ASSERT_TRUE(closed && *closed);
  EXPECT_EQ(run(store_->get_desk_agent("bankx", "actor-anna"))->value().load, 0u);
}

TEST_P(store_suite, DeskQueueRemembersWhoHadAWaitingHandoffAndWhenItCameBackAndNeverAssignsItToThem) {
  make_conversation("bankx", "c1");
  ASSERT_TRUE(run(store_->enqueue_handoff(handoff_of("c1", "general", 0))));
  auto first = run(store_->open_handoff("bankx", "c1"))->value();
  EXPECT_TRUE(first.previous_owner.empty());
  EXPECT_EQ(first.requeued, time_point{});  // a first wait
  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-anna", "Anna", 3, {"general"}))));
  ASSERT_EQ(run(store_->take_handoff("bankx", "c1", 1, "actor-anna", std::nullopt))->outcome, take_outcome::taken);
  advance_clock(5ms);
  // Anna transfers it back to the queue: it remembers her and when it came back, keeps its place.
  ASSERT_TRUE(*run(store_->release_handoff("bankx", "c1", "actor-anna", std::string("general"))));
  auto back = run(store_->open_handoff("bankx", "c1"))->value();
  EXPECT_EQ(back.status, handoff_status::waiting);
  EXPECT_TRUE(back.owner_ref.empty());
  EXPECT_EQ(back.previous_owner, "actor-anna");
  EXPECT_EQ(back.requeued, clock_now());
  EXPECT_EQ(back.requested, first.requested);
  // Automatic assignment skips her although she is the only one with room (a take by hand may).
  EXPECT_FALSE(run(store_->assign_next("bankx"))->has_value());
  ASSERT_TRUE(run(store_->put_desk_agent(agent_of("actor-bo", "Bo", 3, {"general"}))));
  auto next = run(store_->assign_next("bankx"));
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->owner_ref, "actor-bo");
  EXPECT_TRUE((*next)->previous_owner.empty());
  EXPECT_EQ((*next)->requeued, time_point{});
}

}  // namespace parley::store::testing
