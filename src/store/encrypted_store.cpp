// encrypted_store: construction, start-up checks, and the helpers every operation uses.
#include "store_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/log.hpp>

#include <algorithm>
#include <map>

namespace parley::store {
namespace {

std::optional<std::uint32_t> read_be32(const std::optional<bytes>& b) {
  if (!b || b->size() != 4) return std::nullopt;
  return (std::uint32_t{(*b)[0]} << 24) | (std::uint32_t{(*b)[1]} << 16) | (std::uint32_t{(*b)[2]} << 8) |
         std::uint32_t{(*b)[3]};
}

}  // namespace

encrypted_store::impl::impl(std::unique_ptr<backend> backend, crypto::root_key root,
                            std::filesystem::path secrets_file, const options& o, dependencies deps)
    : opts(o),
      db(std::move(backend)),
      clock(deps.clock ? *deps.clock : core::system_clock()),
      rng(deps.random ? *deps.random : core::os_random()),
      log(deps.log ? deps.log : core::logger("store")),
      keys(std::move(root), std::move(secrets_file), o.key_cache_size, rng, log),
      states(o.bot_state_cache_size, o.bot_state_cache_bytes),
      pool(o.threads == 0 ? 1 : o.threads) {}

encrypted_store::impl::~impl() {
  if (writer) writer->stop();
  pool.join();
}

nanos encrypted_store::impl::now() const { return detail::to_nanos(clock.now()); }

result<void> encrypted_store::impl::start() {
  auto version = db->schema_version();
  if (!version) return version.error();

  // The root key is checked before anything is written, migrations included.
  if (*version > 0) {
    auto s = db->read_session();
    if (!s) return s.error();
    auto stored_version = (*s)->get_meta(meta_scope::keys, "root_key_version");
    auto stored_check = (*s)->get_meta(meta_scope::keys, "root_key_check");
    if (!stored_version) return stored_version.error();
    if (!stored_check) return stored_check.error();
    if (*stored_check) {
      const auto v = read_be32(*stored_version);
      if (!v || !keys.verify_root(*v, **stored_check)) {
        if (v && *v != keys.root_version()) {
          log->error("the database expects root key version {}, not {}; nothing was changed", *v, keys.root_version());
        } else {
          log->error("the root key does not match the database's key check value (another key); nothing was changed");
        }
        return errc::wrong_root_key;
      }
    }
  }
  if (*version > db->latest_schema_version()) {
    log->error("database schema version {} is newer than this build ({})", *version, db->latest_schema_version());
    return errc::invalid_argument;
  }
  if (*version < db->latest_schema_version()) {
    if (!opts.migrate_on_open) {
      log->error("database schema version {}, this build needs {}: run `parley store migrate`", *version,
                 db->latest_schema_version());
      return errc::invalid_argument;
    }
    auto migrated = db->migrate();
    if (!migrated) return migrated.error();
    log->info("store schema migrated from version {} to {}", *version, *migrated);
  }

  // First start: record the root key's check value and one installation id in both halves, so
  // that a data file is never paired with another installation's key file by mistake.
  {
    auto ws = db->write_session();
    if (!ws) return ws.error();
    session& s = **ws;
    if (auto b = s.begin(); !b) return b;
    auto fail = [&](error_code e) -> result<void> {
      s.rollback();
      return e;
    };
    auto check = s.get_meta(meta_scope::keys, "root_key_check");
    if (!check) return fail(check.error());
    if (!*check) {
      if (auto r = keys.record_root(s); !r) return fail(r.error());
    }
    auto key_install = s.get_meta(meta_scope::keys, "installation");
    auto data_install = s.get_meta(meta_scope::data, "installation");
    if (!key_install) return fail(key_install.error());
    if (!data_install) return fail(data_install.error());
    if (*key_install && *data_install && **key_install != **data_install) {
      log->error("the data and key databases belong to different installations; nothing was changed");
      return fail(errc::invalid_argument);
    }
    if (!*key_install && *data_install) {
      log->error("the key database is new but the data database is not (wrong key database path?); nothing was changed");
      return fail(errc::invalid_argument);
    }
    if (!*key_install) {
      bytes id(16);
      rng.fill(id);
      if (auto r = s.put_meta(meta_scope::keys, "installation", id); !r) return fail(r.error());
      key_install = std::optional<bytes>(id);
    }
    if (!*data_install) {
      if (auto r = s.put_meta(meta_scope::data, "installation", **key_install); !r) return fail(r.error());
    }
    if (s.commit() != commit_outcome::all) return errc::unavailable;
  }

  // Erasure secrets: required once any tenant key exists.
  std::vector<tenant_key_row> current;
  {
    auto s = db->read_session();
    if (!s) return s.error();
    auto rows = (*s)->all_tenant_keys();
    if (!rows) return rows.error();
    std::map<std::string, tenant_key_row> newest;
    for (auto& r : *rows) {
      auto& slot = newest[r.tenant_id];
      if (r.version > slot.version) slot = std::move(r);
    }
    for (auto& [id, row] : newest) current.push_back(std::move(row));
  }
  if (auto loaded = keys.load_secrets(!current.empty()); !loaded) {
    log->error("cannot load the erasure secrets file: {}", loaded.error().message());
    return loaded.error();
  }
  auto destroyed = keys.destroy_superseded_secrets(current);
  if (!destroyed) {
    log->error("cannot update the erasure secrets file: {}", destroyed.error().message());
    return destroyed.error();
  }
  if (*destroyed > 0) log->warn("finished {} interrupted erasure(s): superseded erasure secrets destroyed", *destroyed);
  std::size_t unopenable = 0;
  for (const auto& row : current) {
    if (auto ok = keys.check_tenant_key(row); !ok) ++unopenable;
  }
  if (unopenable > 0 && unopenable == current.size()) {
    log->error("no tenant key opens with this root key and erasure secrets file (wrong or stale file?)");
    return errc::wrong_root_key;
  }
  if (unopenable > 0) log->error("{} tenant(s) cannot be read: their current key does not open", unopenable);

  writer = std::make_unique<detail::write_queue>(
      *db, std::max(1u, db->max_writers()), opts.max_batch,
      [this](session& s, std::span<const std::unique_ptr<detail::write_op>> ops) { process_batch(s, ops); }, log);
  return {};
}

result<std::unique_ptr<encrypted_store>> encrypted_store::open(std::unique_ptr<backend> db, crypto::root_key root,
                                                               std::filesystem::path erasure_secrets_file,
                                                               const options& opts, dependencies deps) {
  PARLEY_CHECK(db != nullptr, "encrypted_store::open needs a backend");
  auto i = std::make_unique<impl>(std::move(db), std::move(root), std::move(erasure_secrets_file), opts, deps);
  if (auto r = i->start(); !r) return r.error();
  return std::unique_ptr<encrypted_store>(new encrypted_store(std::move(i)));
}

writer_stats encrypted_store::write_stats() const { return impl_->writer->counters(); }

encrypted_store::encrypted_store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
encrypted_store::~encrypted_store() = default;

result<std::shared_ptr<crypto::aead_key>> encrypted_store::impl::key_of(session& s, const conversation_row& row) {
  return keys.data_key(s, row.tenant_id, row.key_id, row.key_version, row.key_uses);
}

result<encrypted_store::impl::opened_conversation> encrypted_store::impl::open_conversation(session& s,
                                                                                           std::string_view tenant_id,
                                                                                           std::string_view id) {
  if (!detail::valid_id(tenant_id) || !detail::valid_id(id)) return errc::not_found;
  auto row = s.get_conversation(tenant_id, id);
  if (!row) return row.error();
  if (!*row) return errc::not_found;
  auto key = key_of(s, **row);
  if (!key) return key.error();
  return opened_conversation{std::move(**row), std::move(*key)};
}

result<conversation> encrypted_store::impl::to_conversation(const conversation_row& row,
                                                            const crypto::aead_key& key) const {
  const detail::record_place place{detail::record_kind::user_id, row.tenant_id, row.id, 0, {}, row.key_version, {}};
  auto user = detail::open_record(key, place, row.user_sealed);
  if (!user) {
    log->warn("tenant {} conversation {}: user id record does not open", row.tenant_id, row.id);
    return errc::corrupt;
  }
  return conversation{row.id,
                      row.tenant_id,
                      row.bot_id,
                      std::move(*user),
                      detail::from_nanos(row.created),
                      detail::from_nanos(row.last_activity),
                      row.state,
                      row.last_seq};
}

std::optional<bot_state> encrypted_store::impl::cached_bot_state(std::string_view tenant_id,
                                                                std::string_view conversation_id) {
  auto hit = states.get(tenant_id, conversation_id);
  if (!hit) return std::nullopt;
  // Only a key already in memory: a key that was evicted, or forgotten by an erasure, sends the
  // read to the database, which knows whether the conversation still exists.
  auto key = keys.cached_data_key(tenant_id, hit->key_id, hit->key_version);
  if (!key) return std::nullopt;
  const detail::record_place place{detail::record_kind::bot_state, tenant_id, conversation_id, 0, hit->etag,
                                   hit->key_version, {}};
  auto data = detail::open_record(*key, place, hit->sealed);
  if (!data) {
    states.forget(tenant_id, conversation_id);
    return std::nullopt;
  }
  return bot_state{std::move(*data), std::move(hit->etag)};
}

activity_record encrypted_store::impl::to_record(const conversation_row& conv, const crypto::aead_key& key,
                                                 const activity_row& row) const {
  activity_record rec{row.seq, row.activity_id, detail::from_nanos(row.timestamp), row.type, row.sender_role, {}, false};
  const auto extra = detail::activity_extra(row.timestamp, row.type, row.sender_role);
  const detail::record_place place{detail::record_kind::activity_body, conv.tenant_id, conv.id, row.seq,
                                   row.activity_id, conv.key_version, extra};
  auto body = detail::open_record(key, place, row.body);
  if (body) {
    rec.body = std::move(*body);
  } else {
    rec.corrupt = true;
    log->warn("tenant {} conversation {}: activity seq {} does not open (reported as corrupt)", conv.tenant_id,
              conv.id, row.seq);
  }
  return rec;
}

}  // namespace parley::store
