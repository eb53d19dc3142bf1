// Assistant turns under the store's etag discipline, and the delivery of their replies.
#include "service_state.hpp"

#include <parley/assistant/state.hpp>
#include <parley/bot/error.hpp>

namespace parley::bot {

using boost::asio::awaitable;

namespace {

// A conversation the channel created in another store (or a test's): the bot's state needs its
// row, so the bot registers it in its own store once.
awaitable<result<void>> ensure_conversation(const state_ptr& s, const conversation_ref& c) {
  auto& store = s->deps.store;
  if (auto t = co_await store.ensure_tenant(c.tenant_id); !t) co_return t.error();
  auto created = co_await store.create_conversation(c.tenant_id, c.conversation_id, c.bot_id, c.user_id);
  if (!created && created.error() != store::errc::already_exists) co_return created.error();
  co_return result<void>{};
}

}  // namespace

awaitable<result<assistant::turn_result>> transact(const state_ptr& s, const conversation_ref& c,
                                                   const engine_step& step, bool may_register) {
  auto& store = s->deps.store;
  bool registered = !may_register;
  for (int attempt = 0; attempt <= s->opts.max_etag_retries; ++attempt) {
    auto got = co_await store.get_bot_state(c.tenant_id, c.conversation_id);
    if (!got && got.error() == store::errc::not_found && !registered) {
      registered = true;
      if (auto e = co_await ensure_conversation(s, c); !e) co_return e.error();
      --attempt;
      continue;
    }
    if (!got) co_return got.error();
    std::optional<std::string> etag;
    std::string data;
    if (*got) {
      etag = (*got)->etag;
      data = std::move((*got)->data);
    }
    const auto current = s->engine.restore(*s->def, data, c.conversation_id);
    auto r = step(current);
    // Named arguments only in co_await calls (GCC 12, PR 99576).
    auto data_out = assistant::to_json(r.state);
    auto put = co_await store.put_bot_state(c.tenant_id, c.conversation_id, std::move(data_out), etag);
    if (put) co_return r;
    if (put.error() != store::errc::etag_mismatch) co_return put.error();
    // Another turn of this conversation stored its state first: run ours again on top of it.
    core::with_log_fields(log_ids(c), [&] {
      s->log->debug("turn: etag mismatch for conversation {}, attempt {}", c.conversation_id, attempt + 1);
    });
  }
  core::with_log_fields(log_ids(c), [&] {
    s->log->warn("turn: conversation {} kept changing; giving up after {} attempts", c.conversation_id,
                 s->opts.max_etag_retries + 1);
  });
  co_return make_error_code(errc::state_conflict);
}

awaitable<result<void>> deliver(const state_ptr& s, const reply_target& to, std::string reply_to_id,
                                assistant::turn_result turn) {
  result<void> status;
  for (const auto& r : turn.replies) {
    auto activity = reply_activity(r, to.conversation.user_id, to.locale);
    auto sent = co_await s->connector->send(to.service_url, to.conversation.conversation_id, reply_to_id,
                                            std::move(activity));
    if (!sent) status = sent;
  }
  if (!turn.actions.empty()) {
    const auto& a = turn.actions.front();
    const bool slow = a.kind == assistant::action_kind::call_api || a.kind == assistant::action_kind::start_login;
    if (slow && s->opts.typing_before_actions) {
      auto typing = typing_activity();
      (void)co_await s->connector->send(to.service_url, to.conversation.conversation_id, reply_to_id, std::move(typing));
    }
    start_action(s, to, std::move(turn.actions.front()));
  }
  co_return status;
}

}  // namespace parley::bot
