// encrypted_store: the writes other than appends and erasure. Each is one operation queued on the
// writer (write_queue.hpp), run in its own savepoint of a group-commit transaction.
#include "store_impl.hpp"

#include <parley/crypto/error.hpp>

namespace parley::store {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_user_id = 256;
constexpr std::size_t max_attachment_name = 1024;
constexpr std::size_t max_content_type = 255;

error_code seal_error(error_code e) {
  if (e == crypto::errc::key_exhausted) return errc::limit_exceeded;
  if (e == crypto::errc::too_large) return errc::too_large;
  return errc::unavailable;
}

template <class T>
awaitable<result<T>> fail(error_code e) {
  co_return e;
}

// A bool through the writer (basic_op's result<T> would take an error_code for a bool).
struct used_flag {
  bool first = false;
};

}  // namespace

awaitable<result<void>> encrypted_store::ensure_tenant(std::string tenant_id) {
  if (!detail::valid_id(tenant_id)) return fail<void>(errc::invalid_argument);
  return impl_->write<void>([this, tenant_id = std::move(tenant_id)](session& s) -> result<void> {
    return impl_->ensure_tenant_row(s, tenant_id);
  });
}

result<void> encrypted_store::impl::ensure_tenant_row(session& s, std::string_view tenant_id) {
  auto exists = s.tenant_exists(tenant_id);
  if (!exists) return exists.error();
  if (*exists) return {};
  // The key may exist without the tenant row (SQLite commits the key file first): keep it.
  auto key = s.current_tenant_key(tenant_id, key_lock::none);
  if (!key) return key.error();
  // The tenant row first: in PostgreSQL its unique key makes a concurrent ensure_tenant of
  // another process wait, then fail here, instead of creating a second key.
  if (auto r = s.insert_tenant(tenant_id, now()); !r) {
    return r.error() == errc::already_exists ? result<void>{} : r;
  }
  if (!*key) return keys.create_tenant(s, tenant_id);
  return {};
}

awaitable<result<conversation>> encrypted_store::create_conversation(std::string tenant_id, std::string id,
                                                                     std::string bot_id, std::string user_id) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(id) || !detail::valid_id(bot_id) || user_id.empty() ||
      user_id.size() > max_user_id) {
    return fail<conversation>(errc::invalid_argument);
  }
  return impl_->write<conversation>([this, tenant_id = std::move(tenant_id), id = std::move(id),
                                     bot_id = std::move(bot_id),
                                     user_id = std::move(user_id)](session& s) -> result<conversation> {
    auto& keys = impl_->keys;
    auto tenant = s.tenant_exists(tenant_id);
    if (!tenant) return tenant.error();
    if (!*tenant) return errc::not_found;
    auto existing = s.get_conversation(tenant_id, id);
    if (!existing) return existing.error();
    if (*existing) return errc::already_exists;

    // A new erasure subject for every conversation: its data key and its user pseudonym hang on
    // the subject's secret, so erasing it makes both meaningless everywhere (docs/adr/0018).
    auto subject = s.next_subject();
    if (!subject) return subject.error();
    auto secret = keys.subject_secret(tenant_id, *subject);
    if (!secret) {
      impl_->log->error("tenant {}: new subject {} is already erased (restored database?)", tenant_id, *subject);
      return errc::unavailable;
    }
    auto key = keys.create_data_key(s, tenant_id, *subject, secret->bytes());
    if (!key) return key.error();
    conversation_row row;
    row.tenant_id = tenant_id;
    row.id = id;
    row.user_ref = detail::key_ring::user_ref(secret->bytes(), tenant_id, id, user_id);
    row.subject = *subject;
    row.key_id = key->key_id;
    row.key_version = 1;
    const auto created = impl_->now();
    row.last_activity = created;
    const detail::record_place place{detail::record_kind::conversation, tenant_id, id, 0, {}, row.key_version, {}};
    auto sealed = detail::seal_padded(*key->key, place, detail::encode_conversation({user_id, bot_id, created}));
    if (!sealed) return seal_error(sealed.error());
    row.sealed = std::move(*sealed);
    row.key_uses = key->key->seals();
    if (auto r = s.insert_conversation(row); !r) return r.error();
    return conversation{
        id,        tenant_id, bot_id, user_id, detail::from_nanos(created), detail::from_nanos(row.last_activity),
        row.state, 0};
  });
}

awaitable<result<void>> encrypted_store::set_conversation_state(std::string tenant_id, std::string id,
                                                                conversation_state state) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(id)) return fail<void>(errc::not_found);
  return impl_->write<void>([tenant_id = std::move(tenant_id), id = std::move(id), state](session& s) -> result<void> {
    auto found = s.set_state(tenant_id, id, state);
    if (!found) return found.error();
    if (!*found) return errc::not_found;
    return {};
  });
}

// An idempotency row of the conversation, its key put in a namespace of its own: the channel's
// and the bot's keys come from HTTP headers, which cannot hold a NUL byte.
awaitable<result<bool>> encrypted_store::use_once(std::string tenant_id, std::string conversation_id,
                                                  std::string use_id) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) co_return bool_error(errc::not_found);
  if (use_id.empty() || use_id.size() > 256) co_return bool_error(errc::invalid_argument);
  // Two statements: GCC 12 destroys a class temporary of a co_await's full-expression twice (PR 99576).
  auto pending =
      impl_->write<used_flag>([this, tenant_id = std::move(tenant_id), conversation_id = std::move(conversation_id),
                               use_id = std::move(use_id)](session& s) -> result<used_flag> {
        const std::pair<std::string, std::string> key{tenant_id, conversation_id};
        auto locked = s.lock_conversations({&key, 1});
        if (!locked) return locked.error();
        if (!(*locked)[0]) return errc::not_found;
        const auto pk = (*locked)[0]->pk;
        auto ref = impl_->keys.idempotency_ref(s, tenant_id, conversation_id, std::string("\0use-once\0", 10) + use_id);
        if (!ref) return ref.error();
        const std::pair<std::int64_t, std::string> lookup{pk, *ref};
        auto seen = s.find_idempotency({&lookup, 1});
        if (!seen) return seen.error();
        if ((*seen)[0]) return used_flag{false};
        const idempotency_row row{pk, *ref, 0, {}};
        if (auto w = s.insert_idempotency({&row, 1}); !w) return w.error();
        return used_flag{true};
      });
  auto r = co_await std::move(pending);
  if (!r) co_return bool_error(r.error());
  co_return r->first;
}

awaitable<result<std::string>> encrypted_store::put_bot_state(std::string tenant_id, std::string conversation_id,
                                                              std::string data,
                                                              std::optional<std::string> expected_etag) {
  if (data.size() > impl_->opts.max_bot_state_bytes) co_return errc::too_large;
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) co_return errc::not_found;
  detail::basic_op<detail::cached_state>::body_fn body =
      [this, tenant_id, conversation_id, data = std::move(data),
       expected = std::move(expected_etag)](session& s) -> result<detail::cached_state> {
    // Locking the conversation row serialises writers of this conversation across processes;
    // the etag is always compared with the database's, never with the cache's.
    const std::pair<std::string, std::string> key{tenant_id, conversation_id};
    auto locked = s.lock_conversations({&key, 1});
    if (!locked) return locked.error();
    if (!(*locked)[0]) return errc::not_found;
    const auto stamp = ++impl_->state_stamps;
    const auto& conv = *(*locked)[0];
    auto current = s.get_bot_state(conv.pk);
    if (!current) return current.error();
    const bool matches = *current ? (expected && *expected == (*current)->etag) : !expected;
    if (!matches) return errc::etag_mismatch;
    auto dk = impl_->key_of(s, conv);
    if (!dk) return dk.error();
    bot_state_row row;
    row.etag = core::random_id(impl_->rng, "", 12);
    const detail::record_place place{
        detail::record_kind::bot_state_padded, tenant_id, conversation_id, 0, row.etag, conv.key_version, {}};
    auto sealed = detail::seal_padded(**dk, place, data);
    if (!sealed) return seal_error(sealed.error());
    row.data = std::move(*sealed);
    if (auto r = s.put_bot_state(conv.pk, row); !r) return r.error();
    if (auto r = s.set_key_uses(conv.pk, (*dk)->seals()); !r) return r.error();
    return detail::cached_state{std::move(row.etag), std::move(row.data), conv.key_id, conv.key_version, stamp};
  };
  auto written = co_await impl_->write<detail::cached_state>(std::move(body));
  if (!written) {
    // A mismatch means the cached entry (if any) is stale; after another failure the database
    // may or may not hold the new state. Either way the next get reads the database.
    impl_->states.forget(tenant_id, conversation_id);
    co_return written.error();
  }
  std::string etag = written->etag;
  impl_->states.put(tenant_id, conversation_id, std::move(*written));
  co_return etag;
}

awaitable<result<std::string>> encrypted_store::put_attachment(std::string tenant_id, std::string conversation_id,
                                                               attachment file) {
  if (file.bytes.size() > impl_->opts.max_attachment_bytes || file.name.size() > max_attachment_name) {
    return fail<std::string>(errc::too_large);
  }
  if (!detail::valid_token(file.content_type, max_content_type)) return fail<std::string>(errc::invalid_argument);
  if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) return fail<std::string>(errc::not_found);
  return impl_->write<std::string>([this, tenant_id = std::move(tenant_id),
                                    conversation_id = std::move(conversation_id),
                                    file = std::move(file)](session& s) -> result<std::string> {
    const std::pair<std::string, std::string> key{tenant_id, conversation_id};
    auto locked = s.lock_conversations({&key, 1});
    if (!locked) return locked.error();
    if (!(*locked)[0]) return errc::not_found;
    const auto& conv = *(*locked)[0];
    auto dk = impl_->key_of(s, conv);
    if (!dk) return dk.error();
    attachment_row row;
    row.conv_pk = conv.pk;
    row.id = core::random_id(impl_->rng, "att_", 16);
    const detail::record_place meta_place{
        detail::record_kind::attachment_meta, tenant_id, conversation_id, 0, row.id, conv.key_version, {}};
    const detail::record_place content_place{
        detail::record_kind::attachment_content, tenant_id, conversation_id, 0, row.id, conv.key_version, {}};
    auto meta = detail::seal_padded(**dk, meta_place,
                                    detail::encode_attachment({file.content_type, file.name, file.bytes.size()}));
    if (!meta) return seal_error(meta.error());
    auto content = detail::seal_padded(**dk, content_place, file.bytes);
    if (!content) return seal_error(content.error());
    row.meta = std::move(*meta);
    row.content = std::move(*content);
    if (auto r = s.insert_attachment(row); !r) return r.error();
    if (auto r = s.set_key_uses(conv.pk, (*dk)->seals()); !r) return r.error();
    return row.id;
  });
}

}  // namespace parley::store
