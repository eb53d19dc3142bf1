// encrypted_store: crypto-shredding (erase_conversation, erase_user, purge) and key rotation.
//
// An erasure deletes the conversations' data keys and rows and, in the same transaction, rotates
// the tenant key over the tenant's remaining data keys (the new erasure secret is saved before
// the commit). Once committed, the old version's erasure secret is destroyed: an older copy of the
// database still holds the erased data keys, but wrapped under a tenant key nobody can derive any
// more (docs/adr/0003-key-wrapping.md, docs/adr/0006-encrypted-store.md). If the process dies
// between commit and destruction, the next start destroys the superseded secret.
#include "store_impl.hpp"

#include <type_traits>

namespace parley::store {

using boost::asio::awaitable;

namespace {

struct erase_state {
  std::string tenant_id;
  std::vector<std::string> key_ids;
  std::vector<std::string> conversation_ids;
  std::optional<detail::tenant_rotation> rotation;
};

template <class T>
awaitable<result<T>> fail(error_code e) {
  co_return e;
}

}  // namespace

result<std::size_t> encrypted_store::impl::erase_rows(session& s, std::string_view tenant_id,
                                                      std::vector<conversation_row> rows,
                                                      std::optional<detail::tenant_rotation>& rotation) {
  if (rows.empty()) return std::size_t{0};
  std::vector<std::string> key_ids;
  std::vector<std::int64_t> pks;
  for (const auto& r : rows) {
    key_ids.push_back(r.key_id);
    pks.push_back(r.pk);
    states.forget(tenant_id, r.id);
  }
  // Keys first: with SQLite's two files, a crash between the commits leaves rows without keys
  // (reported as erased, removed by the next erase), never keys without rows to erase.
  if (auto d = s.delete_data_keys(tenant_id, key_ids); !d) return d.error();
  if (auto d = s.delete_conversations(pks); !d) return d.error();
  auto rot = keys.prepare_tenant_rotation(s, tenant_id);
  if (!rot) return rot.error();
  rotation = std::move(*rot);
  return rows.size();
}

namespace {

// Selects the conversations an erasure removes.
using finder = std::function<result<std::vector<conversation_row>>(session&)>;

}  // namespace

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
        auto n = impl.erase_rows(s, state->tenant_id, std::move(*rows), state->rotation);
        if (!n) return n.error();
        if constexpr (std::is_void_v<T>) {
          return {};
        } else {
          return *n;
        }
      },
      [&impl, state](detail::key_fate fate, const result<T>&) {
        if (!state->rotation) return;
        if (fate == detail::key_fate::committed) {
          impl.keys.tenant_rotation_committed(*state->rotation);
          impl.keys.forget_data_keys(state->tenant_id, state->key_ids);
          // Again after the commit: a put that completed meanwhile may have cached its state.
          for (const auto& id : state->conversation_ids) impl.states.forget(state->tenant_id, id);
          impl.log->info("tenant {}: erased {} conversation(s); tenant key now version {}", state->tenant_id,
                         state->key_ids.size(), state->rotation->new_version);
        } else if (fate == detail::key_fate::undone) {
          impl.keys.tenant_rotation_failed(*state->rotation);
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

awaitable<result<std::size_t>> encrypted_store::erase_user(std::string tenant_id, std::string user_id) {
  if (!detail::valid_id(tenant_id) || user_id.empty() || user_id.size() > 256) {
    return fail<std::size_t>(errc::invalid_argument);
  }
  finder find = [this, tenant_id, user_id = std::move(user_id)](session& s) -> result<std::vector<conversation_row>> {
    auto exists = s.tenant_exists(tenant_id);
    if (!exists) return exists.error();
    if (!*exists) return std::vector<conversation_row>{};
    auto ref = impl_->keys.user_ref(s, tenant_id, user_id);
    if (!ref) return ref.error();
    return s.conversations_of_user(tenant_id, *ref);
  };
  return run_erasure<std::size_t>(*impl_, std::move(tenant_id), std::move(find));
}

awaitable<result<std::size_t>> encrypted_store::purge(std::string tenant_id, time_point older_than) {
  if (!detail::valid_id(tenant_id)) return fail<std::size_t>(errc::invalid_argument);
  finder find = [tenant_id, cutoff = detail::to_nanos(older_than)](session& s) -> result<std::vector<conversation_row>> {
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
