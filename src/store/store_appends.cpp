// encrypted_store: appends and the group-commit body of a writer batch.
//
// Consecutive appends of a batch run together: their conversations are locked in one statement,
// their idempotency keys looked up in one, sequence numbers assigned in memory in queue order,
// bodies sealed with the sequence number in the associated data, and rows written in bulk. A
// failure of one append (unknown conversation, too large...) consumes no sequence number; a
// database failure undoes the whole run (savepoint), so no gap can appear.
#include "store_impl.hpp"

#include <parley/crypto/error.hpp>

#include <algorithm>
#include <map>

namespace parley::store {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_activity_id = 256;
constexpr std::size_t max_type = 64;
constexpr std::size_t max_idempotency_key = 256;

// Per conversation, while a run of appends is assigned.
struct conversation_cursor {
  std::optional<conversation_row> row;
  std::shared_ptr<crypto::aead_key> key;
  error_code key_error;
  bool key_loaded = false;
  std::uint64_t seq = 0;
  nanos last_activity = 0;
  bool touched = false;
};

}  // namespace

awaitable<result<append_result>> encrypted_store::append_activity(std::string tenant_id, std::string conversation_id,
                                                                  new_activity activity) {
  error_code invalid;
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) {
    invalid = errc::not_found;
  } else if (activity.body.size() > impl_->opts.max_activity_bytes) {
    invalid = errc::too_large;
  } else if (!detail::valid_token(activity.activity_id, max_activity_id) ||
             !detail::valid_token(activity.type, max_type) || !detail::valid_token(activity.sender_role, max_type) ||
             (activity.idempotency_key &&
              (activity.idempotency_key->empty() || activity.idempotency_key->size() > max_idempotency_key))) {
    invalid = errc::invalid_argument;
  }
  return detail::async_result_of<append_result>(
      [this, invalid, tenant_id = std::move(tenant_id), conversation_id = std::move(conversation_id),
       activity = std::move(activity)](detail::completion_ptr<append_result> done) mutable {
        if (invalid) {
          done->complete(invalid);
          return;
        }
        impl_->writer->submit(std::make_unique<detail::append_op>(std::move(tenant_id), std::move(conversation_id),
                                                                  std::move(activity), std::move(done)));
      });
}

void encrypted_store::impl::process_batch(session& s, std::span<const std::unique_ptr<detail::write_op>> ops) {
  auto run_one = [&s](detail::write_op& op) {
    if (!s.savepoint()) return;
    op.run(s);
    if (op.failed()) {
      s.rollback_to_savepoint();
    } else if (!s.release_savepoint()) {
      s.rollback_to_savepoint();
      op.fail(errc::unavailable);
    }
  };
  // The audit log's operations first, by tenant (write_queue.hpp: one global lock order); ops of
  // one batch come from different callers, so running them in another order changes no promise.
  std::vector<detail::write_op*> audit;
  for (const auto& op : ops) {
    if (!op->audit_tenant().empty()) audit.push_back(op.get());
  }
  std::stable_sort(audit.begin(), audit.end(),
                   [](const auto* a, const auto* b) { return a->audit_tenant() < b->audit_tenant(); });
  for (auto* op : audit) run_one(*op);

  std::size_t i = 0;
  while (i < ops.size()) {
    if (!ops[i]->audit_tenant().empty()) {
      ++i;
      continue;
    }
    if (ops[i]->as_append() != nullptr) {
      std::vector<detail::append_op*> run;
      for (; i < ops.size() && ops[i]->as_append() != nullptr; ++i) run.push_back(ops[i]->as_append());
      if (!s.savepoint()) continue;  // outcomes stay "unavailable"
      if (auto r = run_appends(s, run); !r) {
        s.rollback_to_savepoint();  // nothing of the run remains, so no sequence number is lost
      } else if (!s.release_savepoint()) {
        s.rollback_to_savepoint();
        for (auto* op : run) op->fail(errc::unavailable);
      }
      continue;
    }
    run_one(*ops[i++]);
  }
}

result<void> encrypted_store::impl::run_appends(session& s, std::span<detail::append_op* const> ops) {
  auto fail_all = [&](error_code e) -> result<void> {
    for (auto* op : ops) op->outcome = e;
    return e;
  };

  // 1. Lock every conversation of the run once, in one statement.
  // Each op's conversation is looked up once here; the steps below use `cursor_of`.
  std::map<std::pair<std::string_view, std::string_view>, conversation_cursor> convs;
  std::vector<std::pair<std::string, std::string>> conv_keys;
  std::vector<conversation_cursor*> cursor_of(ops.size());
  for (std::size_t k = 0; k < ops.size(); ++k) {
    auto [it, fresh] = convs.try_emplace({ops[k]->tenant_id, ops[k]->conversation_id});
    if (fresh) conv_keys.emplace_back(it->first.first, it->first.second);
    cursor_of[k] = &it->second;
  }
  auto locked = s.lock_conversations(conv_keys);
  if (!locked) return fail_all(locked.error());
  for (std::size_t k = 0; k < conv_keys.size(); ++k) {
    auto& c = convs.find({conv_keys[k].first, conv_keys[k].second})->second;
    c.row = std::move((*locked)[k]);
    if (c.row) {
      c.seq = c.row->last_seq;
      c.last_activity = c.row->last_activity;
    }
  }

  // 2. Idempotency keys: keyed hashes, looked up in one statement.
  std::vector<std::optional<std::string>> refs(ops.size());
  std::vector<error_code> errors(ops.size());
  std::vector<std::pair<std::int64_t, std::string>> lookups;
  std::vector<std::size_t> lookup_op;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    auto* op = ops[k];
    const auto& c = *cursor_of[k];
    if (!c.row) {
      errors[k] = errc::not_found;
      continue;
    }
    if (!op->activity.idempotency_key) continue;
    auto ref = keys.idempotency_ref(s, op->tenant_id, op->conversation_id, *op->activity.idempotency_key);
    if (!ref) {
      errors[k] = ref.error();
      continue;
    }
    refs[k] = *ref;
    lookups.emplace_back(c.row->pk, *ref);
    lookup_op.push_back(k);
  }
  std::vector<std::optional<idempotency_row>> seen(ops.size());
  if (!lookups.empty()) {
    auto found = s.find_idempotency(lookups);
    if (!found) return fail_all(found.error());
    for (std::size_t k = 0; k < lookup_op.size(); ++k) seen[lookup_op[k]] = std::move((*found)[k]);
  }

  // 3. Assign, seal, collect, in queue order.
  std::vector<activity_row> rows;
  rows.reserve(ops.size());
  std::vector<idempotency_row> idem_rows;
  std::map<std::pair<std::int64_t, std::string>, append_result> in_batch;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    auto* op = ops[k];
    if (errors[k]) {
      op->outcome = errors[k];
      continue;
    }
    auto& c = *cursor_of[k];
    if (seen[k]) {
      op->outcome = append_result{seen[k]->seq, seen[k]->activity_id, true};
      continue;
    }
    if (refs[k]) {
      if (auto it = in_batch.find({c.row->pk, *refs[k]}); it != in_batch.end()) {
        op->outcome = it->second;
        continue;
      }
    }
    if (!c.key_loaded) {
      c.key_loaded = true;
      auto key = key_of(s, *c.row);
      if (key) {
        c.key = std::move(*key);
      } else {
        c.key_error = key.error();
      }
    }
    if (!c.key) {
      op->outcome = c.key_error;
      continue;
    }
    auto& a = op->activity;
    const auto seq = c.seq + 1;
    const auto ts = detail::to_nanos(a.timestamp);
    // Timestamp, type and sender role travel inside the ciphertext, padded with the body.
    const detail::record_place place{
        detail::record_kind::activity, op->tenant_id, op->conversation_id, seq, a.activity_id, c.row->key_version, {}};
    auto sealed = detail::seal_padded(*c.key, place, detail::encode_activity({ts, a.type, a.sender_role}, a.body));
    if (!sealed) {
      op->outcome = sealed.error() == crypto::errc::key_exhausted ? errc::limit_exceeded : errc::unavailable;
      continue;
    }
    c.seq = seq;
    c.touched = true;
    c.last_activity = std::max(c.last_activity, ts);
    if (refs[k]) {
      idem_rows.push_back({c.row->pk, *refs[k], seq, a.activity_id});
      in_batch.emplace(std::pair{c.row->pk, *refs[k]}, append_result{seq, a.activity_id, true});
    }
    op->outcome = append_result{seq, a.activity_id, false};
    // The op's strings are not needed any more: moved into the row rather than copied.
    rows.push_back({c.row->pk, seq, std::move(a.activity_id), std::move(*sealed)});
  }

  // 4. Write in bulk.
  std::vector<conversation_advance> advances;
  for (auto& [key, c] : convs) {
    if (c.touched) advances.push_back({c.row->pk, c.seq, c.last_activity, c.key->seals()});
  }
  result<void> w = s.insert_activities(rows);
  if (w && !idem_rows.empty()) w = s.insert_idempotency(idem_rows);
  if (w && !advances.empty()) w = s.advance_conversations(advances);
  if (!w) return fail_all(make_error_code(errc::unavailable));
  return {};
}

}  // namespace parley::store
