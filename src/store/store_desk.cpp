// encrypted_store: the service desk's sessions, pending sign-ins and settings (desk_store.hpp).
//
// A session's data is sealed under a data key of its own, created in the transaction that stores
// the session and deleted with it, so that a deleted session's tokens are unreadable in the live
// database at once (a backup taken while it lived still holds its key wrapped under the tenant
// key until the next tenant-key rotation). The associated data binds the sealed data to the
// session's tenant, ref, subject, IdP session, creation and absolute expiry: a row whose clear
// columns were edited (to outlive its expiry, or to dodge a back-channel logout) fails to open.
// A session key seals once per sign-in and once per refresh, a few hundred times at most, so its
// use count is not persisted (key_ring::data_key with uses_so_far = 0).
#include "store_impl.hpp"

#include <parley/crypto/error.hpp>

namespace parley::store {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_ref = 128;
constexpr std::size_t max_issuer = 2048;
constexpr std::size_t max_desk_data = 64 * 1024;

template <class T>
awaitable<result<T>> fail(error_code e) {
  co_return result<T>(boost::system::in_place_error, e);
}

// A yes/no outcome of a queued write (result<bool> cannot be built from an error_code implicitly,
// which the writer's operations rely on).
struct flag {
  bool value = false;
};

bool valid_ref(std::string_view ref) noexcept {
  return detail::valid_token(ref, max_ref);
}
bool valid_optional_ref(std::string_view ref) noexcept {
  return ref.empty() || valid_ref(ref);
}

std::string session_extra(const desk_session_row& r) {
  return r.subject_ref + '\0' + r.sid_ref + '\0' + std::to_string(r.created) + '\0' + std::to_string(r.expires);
}

detail::record_place session_place(const desk_session_row& r, const std::string& extra) {
  return {detail::record_kind::desk_session, r.tenant_id, {}, 0, r.ref, r.key_version, extra};
}

error_code seal_error(error_code e) {
  if (e == crypto::errc::key_exhausted) return errc::limit_exceeded;
  if (e == crypto::errc::too_large) return errc::too_large;
  return errc::unavailable;
}

desk_session_key key_of_row(const desk_session_row& r) {
  return {r.tenant_id, r.ref, r.subject_ref};
}

// What a deletion removed, for forgetting the keys once the transaction committed.
struct removed_sessions {
  std::string tenant_id;
  std::vector<std::string> key_ids;
  std::vector<desk_session_key> sessions;
};

result<void> remove_rows(session& s, const std::vector<desk_session_row>& rows, removed_sessions& out) {
  std::vector<std::string> refs;
  for (const auto& r : rows) {
    out.key_ids.push_back(r.key_id);
    out.sessions.push_back(key_of_row(r));
    refs.push_back(r.ref);
  }
  if (rows.empty()) return {};
  // Keys first, as for conversations: a crash between SQLite's two commits leaves rows whose key
  // is gone (read as not found, purged later), never a key without its row.
  if (auto d = s.delete_data_keys(out.tenant_id, out.key_ids); !d) return d;
  return s.delete_desk_sessions(out.tenant_id, refs);
}

}  // namespace

awaitable<result<void>> encrypted_store::create_desk_session(desk_session in) {
  if (!detail::valid_id(in.tenant_id) || !valid_ref(in.ref) || !valid_ref(in.subject_ref) ||
      !valid_optional_ref(in.sid_ref) || in.data.size() > max_desk_data) {
    return fail<void>(errc::invalid_argument);
  }
  return impl_->write<void>([this, in = std::move(in)](session& s) -> result<void> {
    auto tenant = s.tenant_exists(in.tenant_id);
    if (!tenant) return tenant.error();
    if (!*tenant) return errc::not_found;
    auto existing = s.get_desk_session(in.tenant_id, in.ref);
    if (!existing) return existing.error();
    if (*existing) return errc::already_exists;
    auto key = impl_->keys.create_data_key(s, in.tenant_id, 0, {});
    if (!key) return key.error();
    desk_session_row row;
    row.tenant_id = in.tenant_id;
    row.ref = in.ref;
    row.subject_ref = in.subject_ref;
    row.sid_ref = in.sid_ref;
    row.key_id = key->key_id;
    row.key_version = 1;
    row.created = detail::to_nanos(in.created);
    row.last_seen = detail::to_nanos(in.last_seen);
    row.expires = detail::to_nanos(in.expires);
    row.refresh_due = detail::to_nanos(in.refresh_due);
    const std::string extra = session_extra(row);
    auto sealed = detail::seal_record(*key->key, session_place(row, extra), in.data);
    if (!sealed) return seal_error(sealed.error());
    row.data = std::move(*sealed);
    return s.insert_desk_session(row);
  });
}

awaitable<result<desk_session>> encrypted_store::get_desk_session(std::string tenant_id, std::string ref) {
  if (!detail::valid_id(tenant_id) || !valid_ref(ref)) return fail<desk_session>(errc::not_found);
  return impl_->read<desk_session>(
      [this, tenant_id = std::move(tenant_id), ref = std::move(ref)](session& s) -> result<desk_session> {
        auto row = s.get_desk_session(tenant_id, ref);
        if (!row) return row.error();
        if (!*row) return errc::not_found;
        const auto& r = **row;
        auto key = impl_->keys.data_key(s, r.tenant_id, r.key_id, r.key_version, 0);
        if (!key) return key.error() == errc::erased ? error_code(errc::not_found) : key.error();
        auto data = detail::open_record(**key, session_place(r, session_extra(r)), r.data);
        if (!data) {
          impl_->log->error("tenant {}: a desk session's record does not open (tampered?)", r.tenant_id);
          return errc::corrupt;
        }
        desk_session out;
        out.tenant_id = r.tenant_id;
        out.ref = r.ref;
        out.subject_ref = r.subject_ref;
        out.sid_ref = r.sid_ref;
        out.created = detail::from_nanos(r.created);
        out.last_seen = detail::from_nanos(r.last_seen);
        out.expires = detail::from_nanos(r.expires);
        out.refresh_due = detail::from_nanos(r.refresh_due);
        out.data = std::move(*data);
        return out;
      });
}

awaitable<result<void>> encrypted_store::touch_desk_session(std::string tenant_id, std::string ref,
                                                            time_point last_seen) {
  if (!detail::valid_id(tenant_id) || !valid_ref(ref)) return fail<void>(errc::not_found);
  return impl_->write<void>([tenant_id = std::move(tenant_id), ref = std::move(ref),
                             at = detail::to_nanos(last_seen)](session& s) -> result<void> {
    auto changed = s.touch_desk_session(tenant_id, ref, at);
    if (!changed) return changed.error();
    if (!*changed) return errc::not_found;
    return {};
  });
}

awaitable<result<bool>> encrypted_store::claim_desk_session_refresh(std::string tenant_id, std::string ref,
                                                                    time_point expected, time_point next) {
  if (!detail::valid_id(tenant_id) || !valid_ref(ref)) co_return bool_error(errc::not_found);
  // The call and the co_await are two statements, no temporary in the co_await: GCC 12 destroys
  // a class temporary of a co_await's full-expression twice (PR 99576).
  auto pending =
      impl_->write<flag>([tenant_id = std::move(tenant_id), ref = std::move(ref), was = detail::to_nanos(expected),
                          next = detail::to_nanos(next)](session& s) -> result<flag> {
        auto row = s.get_desk_session(tenant_id, ref);
        if (!row) return row.error();
        if (!*row) return errc::not_found;
        auto claimed = s.claim_desk_refresh(tenant_id, ref, was, next);
        if (!claimed) return claimed.error();
        return flag{*claimed};
      });
  auto r = co_await std::move(pending);
  if (!r) co_return bool_error(r.error());
  co_return r->value;
}

awaitable<result<void>> encrypted_store::update_desk_session(std::string tenant_id, std::string ref, std::string data) {
  if (!detail::valid_id(tenant_id) || !valid_ref(ref)) return fail<void>(errc::not_found);
  if (data.size() > max_desk_data) return fail<void>(errc::invalid_argument);
  return impl_->write<void>([this, tenant_id = std::move(tenant_id), ref = std::move(ref),
                             data = std::move(data)](session& s) -> result<void> {
    auto row = s.get_desk_session(tenant_id, ref);
    if (!row) return row.error();
    if (!*row) return errc::not_found;
    const auto& r = **row;
    auto key = impl_->keys.data_key(s, r.tenant_id, r.key_id, r.key_version, 0);
    if (!key) return key.error() == errc::erased ? error_code(errc::not_found) : key.error();
    auto sealed = detail::seal_record(**key, session_place(r, session_extra(r)), data);
    if (!sealed) return seal_error(sealed.error());
    auto changed = s.update_desk_session_data(tenant_id, ref, *sealed);
    if (!changed) return changed.error();
    if (!*changed) return errc::not_found;
    return {};
  });
}

awaitable<result<bool>> encrypted_store::delete_desk_session(std::string tenant_id, std::string ref) {
  if (!detail::valid_id(tenant_id) || !valid_ref(ref)) co_return false;
  auto removed = std::make_shared<removed_sessions>();
  removed->tenant_id = tenant_id;
  auto& impl = *impl_;
  auto pending = impl.write<flag>(  // two statements: GCC 12, PR 99576 (see above)
      [removed, ref = std::move(ref)](session& s) -> result<flag> {
        auto row = s.get_desk_session(removed->tenant_id, ref);
        if (!row) return row.error();
        if (!*row) return flag{false};
        if (auto d = remove_rows(s, {**row}, *removed); !d) return d.error();
        return flag{true};
      },
      [&impl, removed](detail::key_fate fate, const result<flag>&) {
        if (fate == detail::key_fate::committed) impl.keys.forget_data_keys(removed->tenant_id, removed->key_ids);
      });
  auto r = co_await std::move(pending);
  if (!r) co_return bool_error(r.error());
  co_return r->value;
}

awaitable<result<std::vector<desk_session_key>>> encrypted_store::delete_desk_sessions(std::string tenant_id,
                                                                                       std::string subject_ref,
                                                                                       std::string sid_ref) {
  using keys_t = std::vector<desk_session_key>;
  if (!detail::valid_id(tenant_id) || !valid_optional_ref(subject_ref) || !valid_optional_ref(sid_ref) ||
      (subject_ref.empty() && sid_ref.empty())) {
    return fail<keys_t>(errc::invalid_argument);
  }
  auto removed = std::make_shared<removed_sessions>();
  removed->tenant_id = std::move(tenant_id);
  auto& impl = *impl_;
  return impl.write<keys_t>(
      [removed, subject_ref = std::move(subject_ref), sid_ref = std::move(sid_ref)](session& s) -> result<keys_t> {
        auto rows = s.find_desk_sessions(removed->tenant_id, subject_ref, sid_ref);
        if (!rows) return rows.error();
        if (auto d = remove_rows(s, *rows, *removed); !d) return d.error();
        return removed->sessions;
      },
      [&impl, removed](detail::key_fate fate, const result<keys_t>&) {
        if (fate == detail::key_fate::committed) impl.keys.forget_data_keys(removed->tenant_id, removed->key_ids);
      });
}

awaitable<result<std::vector<desk_session_key>>> encrypted_store::purge_desk_sessions(std::string tenant_id,
                                                                                      time_point now,
                                                                                      time_point idle_cutoff) {
  using keys_t = std::vector<desk_session_key>;
  if (!detail::valid_id(tenant_id)) return fail<keys_t>(errc::invalid_argument);
  auto removed = std::make_shared<removed_sessions>();
  removed->tenant_id = std::move(tenant_id);
  auto& impl = *impl_;
  return impl.write<keys_t>(
      [removed, now = detail::to_nanos(now), cutoff = detail::to_nanos(idle_cutoff)](session& s) -> result<keys_t> {
        auto rows = s.expired_desk_sessions(removed->tenant_id, now, cutoff);
        if (!rows) return rows.error();
        if (auto d = remove_rows(s, *rows, *removed); !d) return d.error();
        if (auto l = s.delete_expired_desk_logins(removed->tenant_id, now); !l) return l.error();
        return removed->sessions;
      },
      [&impl, removed](detail::key_fate fate, const result<keys_t>&) {
        if (fate == detail::key_fate::committed) impl.keys.forget_data_keys(removed->tenant_id, removed->key_ids);
      });
}

awaitable<result<void>> encrypted_store::put_desk_login(desk_login in) {
  if (!detail::valid_id(in.tenant_id) || !valid_ref(in.ref) || !valid_ref(in.browser_ref) ||
      !detail::valid_token(in.issuer, max_issuer)) {
    return fail<void>(errc::invalid_argument);
  }
  return impl_->write<void>([in = std::move(in)](session& s) -> result<void> {
    return s.insert_desk_login({in.tenant_id, in.ref, in.browser_ref, in.issuer, detail::to_nanos(in.expires)});
  });
}

awaitable<result<desk_login>> encrypted_store::take_desk_login(std::string tenant_id, std::string ref) {
  if (!detail::valid_id(tenant_id) || !valid_ref(ref)) return fail<desk_login>(errc::not_found);
  return impl_->write<desk_login>(
      [tenant_id = std::move(tenant_id), ref = std::move(ref)](session& s) -> result<desk_login> {
        auto row = s.get_desk_login(tenant_id, ref);
        if (!row) return row.error();
        if (!*row) return errc::not_found;
        // Single use even across processes: only the one whose delete removed the row gets it.
        auto deleted = s.delete_desk_login(tenant_id, ref);
        if (!deleted) return deleted.error();
        if (!*deleted) return errc::not_found;
        auto& r = **row;
        return desk_login{std::move(r.tenant_id), std::move(r.ref), std::move(r.browser_ref), std::move(r.issuer),
                          detail::from_nanos(r.expires)};
      });
}

awaitable<result<std::optional<desk_settings>>> encrypted_store::get_desk_settings(std::string tenant_id) {
  using out_t = std::optional<desk_settings>;
  if (!detail::valid_id(tenant_id)) return fail<out_t>(errc::invalid_argument);
  return impl_->read<out_t>([this, tenant_id = std::move(tenant_id)](session& s) -> result<out_t> {
    auto row = s.get_desk_settings(tenant_id);
    if (!row) return row.error();
    if (!*row) return out_t{};
    const auto& r = **row;
    auto key = impl_->keys.data_key(s, r.tenant_id, r.key_id, r.key_version, r.version);
    if (!key) return key.error();
    const std::string extra = std::to_string(r.version);
    const detail::record_place place{detail::record_kind::desk_settings, r.tenant_id, {}, 0, {}, r.key_version, extra};
    auto data = detail::open_record(**key, place, r.data);
    if (!data) {
      impl_->log->error("tenant {}: the desk settings record does not open (tampered?)", r.tenant_id);
      return errc::corrupt;
    }
    return out_t{desk_settings{std::move(*data), r.version}};
  });
}

awaitable<result<std::uint64_t>> encrypted_store::put_desk_settings(std::string tenant_id, std::string data,
                                                                    std::optional<std::uint64_t> expected_version) {
  if (!detail::valid_id(tenant_id) || data.size() > max_desk_data) return fail<std::uint64_t>(errc::invalid_argument);
  return impl_->write<std::uint64_t>([this, tenant_id = std::move(tenant_id), data = std::move(data),
                                      expected_version](session& s) -> result<std::uint64_t> {
    auto tenant = s.tenant_exists(tenant_id);
    if (!tenant) return tenant.error();
    if (!*tenant) return errc::not_found;
    auto current = s.get_desk_settings(tenant_id);
    if (!current) return current.error();
    const bool exists = current->has_value();
    const std::uint64_t stored = exists ? (*current)->version : 0;
    if (exists != expected_version.has_value() || (exists && stored != *expected_version)) return errc::etag_mismatch;
    desk_settings_row row;
    row.tenant_id = tenant_id;
    std::shared_ptr<crypto::aead_key> key;
    if (*current) {
      row.key_id = (*current)->key_id;
      row.key_version = (*current)->key_version;
      auto k = impl_->keys.data_key(s, tenant_id, row.key_id, row.key_version, (*current)->version);
      if (!k) return k.error();
      key = std::move(*k);
    } else {
      auto k = impl_->keys.create_data_key(s, tenant_id, 0, {});
      if (!k) return k.error();
      row.key_id = k->key_id;
      row.key_version = 1;
      key = std::move(k->key);
    }
    row.version = stored + 1;
    const std::string extra = std::to_string(row.version);
    const detail::record_place place{detail::record_kind::desk_settings, tenant_id, {}, 0, {}, row.key_version, extra};
    auto sealed = detail::seal_record(*key, place, data);
    if (!sealed) return seal_error(sealed.error());
    row.data = std::move(*sealed);
    if (auto w = s.put_desk_settings(row); !w) {
      return w.error() == errc::already_exists ? error_code(errc::etag_mismatch) : w.error();
    }
    return row.version;
  });
}

}  // namespace parley::store
