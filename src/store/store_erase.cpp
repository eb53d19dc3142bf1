// encrypted_store: crypto-shredding (erase_conversation, erase_user, purge) and key rotation.
//
// An erasure first erases the conversations' subjects in the erasure-secrets file (saved before
// the database is touched), then, in the same write transaction, deletes their data keys and rows
// and records the tenant's erasure count (data_meta "erasure_epoch:<tenant>"). An older copy of the
// database still holds the erased data keys, but bound to subjects whose secrets nobody can derive
// any more, while every other conversation of that copy still opens with today's key material
// (docs/adr/0018-scoped-erasure.md). If the transaction does not commit, the subjects stay erased
// (their rows are unreadable) and the next start removes the rows (reconcile()). After a commit
// the backend reclaims the space in the background (backend::reclaim: no dead row version, no
// page image in a write-ahead log keeps the erased rows readable).
#include "store_impl.hpp"

#include <algorithm>
#include <map>
#include <type_traits>

namespace parley::store {

using boost::asio::awaitable;

namespace {

struct erase_state {
  std::string tenant_id;
  std::vector<std::string> key_ids;
  std::vector<std::string> conversation_ids;
};

template <class T>
awaitable<result<T>> fail(error_code e) {
  co_return e;
}

bytes be64(std::uint64_t v) {
  bytes out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

// Selects the conversations an erasure removes.
using finder = std::function<result<std::vector<conversation_row>>(session&)>;

}  // namespace

result<void> encrypted_store::impl::delete_rows(session& s, std::string_view tenant_id,
                                                const std::vector<std::string>& key_ids,
                                                const std::vector<std::int64_t>& pks) {
  // Keys first: with SQLite's two files, a crash between the commits leaves rows without keys
  // (reported as erased, removed by the next start), never keys without rows to erase.
  if (auto d = s.delete_data_keys(tenant_id, key_ids); !d) return d;
  return s.delete_conversations(pks);
}

result<std::size_t> encrypted_store::impl::erase_rows(session& s, std::string_view tenant_id,
                                                      const std::vector<conversation_row>& rows) {
  if (rows.empty()) return std::size_t{0};
  std::vector<std::string> key_ids;
  std::vector<std::int64_t> pks;
  std::vector<std::uint64_t> subjects;
  for (const auto& r : rows) {
    key_ids.push_back(r.key_id);
    pks.push_back(r.pk);
    states.forget(tenant_id, r.id);
    // The subject the data key is bound to is authoritative (it is in the key's associated
    // data); the conversation row's copy is what scans use. Both are erased if they differ.
    if (r.subject != 0) subjects.push_back(r.subject);
    auto key_row = s.get_data_key(tenant_id, r.key_id, r.key_version);
    if (!key_row) return key_row.error();
    if (*key_row && (*key_row)->subject != 0 && (*key_row)->subject != r.subject)
      subjects.push_back((*key_row)->subject);
  }
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  // The file first: from here on the conversations cannot be read anywhere, whatever happens to
  // this transaction.
  auto epoch = keys.erase_subjects(tenant_id, subjects);
  if (!epoch) return epoch.error();
  if (auto d = delete_rows(s, tenant_id, key_ids, pks); !d) return d.error();
  if (auto w = s.put_meta(meta_scope::data, "erasure_epoch:" + std::string(tenant_id), be64(*epoch)); !w) {
    return w.error();
  }
  return rows.size();
}

// The operation shared by the three erasures; T is void (one conversation) or the count.
template <class T>
static awaitable<result<T>> run_erasure(encrypted_store::impl& impl, std::string tenant_id, finder find) {
  auto state = std::make_shared<erase_state>();
  state->tenant_id = tenant_id;
  return impl.write<T>(
      [&impl, state, find = std::move(find)](session& s) -> result<T> {
        auto rows = find(s);
        if (!rows) return rows.error();
        for (const auto& r : *rows) {
          state->key_ids.push_back(r.key_id);
          state->conversation_ids.push_back(r.id);
        }
        auto n = impl.erase_rows(s, state->tenant_id, *rows);
        if (!n) return n.error();
        if constexpr (std::is_void_v<T>) {
          return {};
        } else {
          return *n;
        }
      },
      [&impl, state](detail::key_fate fate, const result<T>& outcome) {
        if (state->key_ids.empty()) return;
        impl.keys.forget_data_keys(state->tenant_id, state->key_ids);
        // Again after the commit: a put that completed meanwhile may have cached its state.
        for (const auto& id : state->conversation_ids) impl.states.forget(state->tenant_id, id);
        if (fate == detail::key_fate::committed) {
          impl.log->info("tenant {}: erased {} conversation(s)", state->tenant_id, state->key_ids.size());
          impl.schedule_reclaim();
        } else if (outcome) {
          // The subjects were erased in the file before the database failed: the conversations are
          // unreadable already; their rows go at the next start.
          impl.log->warn(
              "tenant {}: {} conversation(s) erased, but their rows could not be deleted yet (the next start "
              "removes them)",
              state->tenant_id, state->key_ids.size());
        }
      });
}

awaitable<result<void>> encrypted_store::erase_conversation(std::string tenant_id, std::string conversation_id) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) return fail<void>(errc::not_found);
  finder find = [tenant_id, conversation_id](session& s) -> result<std::vector<conversation_row>> {
    auto row = s.get_conversation(tenant_id, conversation_id);
    if (!row) return row.error();
    if (!*row) return errc::not_found;
    return std::vector<conversation_row>{std::move(**row)};
  };
  return run_erasure<void>(*impl_, std::move(tenant_id), std::move(find));
}

namespace {

constexpr std::size_t scan_page = 2000;

// The conversations of `rows` (one tenant) whose user pseudonym is `user_id`'s.
result<std::vector<subject_row>> matching(detail::key_ring& keys, std::string_view tenant_id,
                                          std::vector<subject_row> rows, std::string_view user_id) {
  std::vector<subject_row> out;
  auto r = keys.match_user(tenant_id, std::move(rows), user_id, [&](const subject_row& m) { out.push_back(m); });
  if (!r) return r.error();
  return out;
}

struct user_scan {
  std::vector<std::string> ids;  // conversations that matched
  std::int64_t last_pk = 0;      // the scan covered pk <= last_pk
};

}  // namespace

awaitable<result<std::size_t>> encrypted_store::erase_user(std::string tenant_id, std::string user_id) {
  if (!detail::valid_id(tenant_id) || user_id.empty() || user_id.size() > 256) {
    co_return errc::invalid_argument;
  }
  // The pseudonyms are per conversation (keyed by each one's subject secret): finding a user's
  // conversations means testing every conversation of the tenant. That scan runs on the pool, not
  // in the writer; the write then re-checks what it found and scans what was created since.
  std::function<result<user_scan>(session&)> scan = [this, tenant_id, user_id](session& s) -> result<user_scan> {
    user_scan out;
    for (;;) {
      auto page = s.scan_subjects(tenant_id, out.last_pk, scan_page);
      if (!page) return page.error();
      if (page->empty()) return out;
      out.last_pk = page->back().pk;
      auto found = matching(impl_->keys, tenant_id, std::move(*page), user_id);
      if (!found) return found.error();
      for (auto& m : *found) out.ids.push_back(std::move(m.id));
    }
  };
  auto scanned = co_await impl_->read<user_scan>(std::move(scan));
  if (!scanned) co_return scanned.error();
  finder find = [this, tenant_id, user_id,
                 first = std::move(*scanned)](session& s) -> result<std::vector<conversation_row>> {
    std::vector<subject_row> candidates;
    std::map<std::int64_t, conversation_row> rows;
    auto add = [&](conversation_row r) {
      candidates.push_back({r.pk, r.id, r.subject, r.user_ref});
      rows.emplace(r.pk, std::move(r));
    };
    for (const auto& id : first.ids) {
      auto row = s.get_conversation(tenant_id, id);
      if (!row) return row.error();
      if (*row) add(std::move(**row));
    }
    for (std::int64_t after = first.last_pk;;) {
      auto page = s.scan_subjects(tenant_id, after, scan_page);
      if (!page) return page.error();
      if (page->empty()) break;
      after = page->back().pk;
      for (auto& p : *page) candidates.push_back(std::move(p));
    }
    auto found = matching(impl_->keys, tenant_id, std::move(candidates), user_id);
    if (!found) return found.error();
    std::vector<conversation_row> out;
    for (const auto& m : *found) {
      if (auto it = rows.find(m.pk); it != rows.end()) {
        out.push_back(std::move(it->second));
        rows.erase(it);
        continue;
      }
      auto row = s.get_conversation(tenant_id, m.id);
      if (!row) return row.error();
      if (*row && (**row).pk == m.pk) out.push_back(std::move(**row));
    }
    return out;
  };
  co_return co_await run_erasure<std::size_t>(*impl_, std::move(tenant_id), std::move(find));
}

awaitable<result<std::size_t>> encrypted_store::purge(std::string tenant_id, time_point older_than) {
  if (!detail::valid_id(tenant_id)) return fail<std::size_t>(errc::invalid_argument);
  finder find = [tenant_id,
                 cutoff = detail::to_nanos(older_than)](session& s) -> result<std::vector<conversation_row>> {
    return s.conversations_idle_since(tenant_id, cutoff);
  };
  return run_erasure<std::size_t>(*impl_, std::move(tenant_id), std::move(find));
}

awaitable<result<std::uint32_t>> encrypted_store::rotate_tenant_key(std::string tenant_id) {
  if (!detail::valid_id(tenant_id)) return fail<std::uint32_t>(errc::not_found);
  auto state = std::make_shared<std::optional<detail::tenant_rotation>>();
  auto& impl = *impl_;
  return impl.write<std::uint32_t>(
      [&impl, state, tenant_id = std::move(tenant_id)](session& s) -> result<std::uint32_t> {
        auto rot = impl.keys.prepare_tenant_rotation(s, tenant_id);
        if (!rot) return rot.error();
        *state = std::move(*rot);
        return (*state)->new_version;
      },
      [&impl, state](detail::key_fate fate, const result<std::uint32_t>&) {
        if (!*state) return;
        if (fate == detail::key_fate::committed) {
          impl.keys.tenant_rotation_committed(**state);
          impl.log->info("tenant {}: key rotated to version {}", (*state)->tenant_id, (*state)->new_version);
        } else if (fate == detail::key_fate::undone) {
          impl.keys.tenant_rotation_failed(**state);
        }
      });
}

awaitable<result<void>> encrypted_store::rotate_root_key(crypto::root_key next) {
  auto next_key = std::make_shared<std::optional<crypto::root_key>>(std::move(next));
  auto state = std::make_shared<std::optional<detail::root_rotation>>();
  auto& impl = *impl_;
  return impl.write<void>(
      [&impl, next_key, state](session& s) -> result<void> {
        if (!*next_key) return errc::invalid_argument;
        auto rot = impl.keys.prepare_root_rotation(s, std::move(**next_key));
        next_key->reset();
        if (!rot) return rot.error();
        *state = std::move(*rot);
        return {};
      },
      [&impl, state](detail::key_fate fate, const result<void>&) {
        if (fate == detail::key_fate::committed && *state) {
          impl.keys.root_rotation_committed(**state);
          impl.log->info("root key rotated to version {}", (*state)->next->version());
        } else if (fate == detail::key_fate::unknown) {
          impl.log->error("root key rotation: the commit failed midway; restart with the key the database expects");
        }
      });
}

}  // namespace parley::store
