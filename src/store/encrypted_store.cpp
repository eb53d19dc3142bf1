// encrypted_store: construction, start-up checks, and the helpers every operation uses.
#include "store_impl.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/log.hpp>
#include <parley/crypto/primitives.hpp>

#include <boost/asio/post.hpp>

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

encrypted_store::impl::impl(std::unique_ptr<backend> backend, crypto::root_key root, std::filesystem::path secrets_file,
                            const options& o, dependencies deps)
    : opts(o),
      db(std::move(backend)),
      clock(deps.clock ? *deps.clock : core::system_clock()),
      rng(deps.random ? *deps.random : core::os_random()),
      log(deps.log ? deps.log : core::logger("store")),
      keys(std::move(root), std::move(secrets_file), o.key_cache_size, rng, log),
      states(o.bot_state_cache_size, o.bot_state_cache_bytes),
      pool(o.threads == 0 ? 1 : o.threads),
      on_integrity(std::move(deps.on_integrity_failure)),
      on_operation(std::move(deps.on_operation)) {}

encrypted_store::impl::~impl() {
  if (writer) writer->stop();
  pool.join();
}

nanos encrypted_store::impl::now() const {
  return detail::to_nanos(clock.now());
}

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
  // Rows written before erasure subjects are upgraded between the migration that adds the new
  // columns and the one (the barrier) that drops the old ones.
  const bool legacy_rows = *version > 0 && *version < db->upgrade_barrier();
  if (*version < db->latest_schema_version()) {
    if (!opts.migrate_on_open) {
      log->error("database schema version {}, this build needs {}: run `parley store migrate`", *version,
                 db->latest_schema_version());
      return errc::invalid_argument;
    }
    auto migrated = db->migrate(legacy_rows ? db->upgrade_barrier() - 1 : 0);
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
      log->error(
          "the key database is new but the data database is not (wrong key database path?); nothing was changed");
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
  std::vector<std::string> tenants;
  crypto::installation_id installation{};
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
    auto listed = (*s)->list_tenants();
    if (!listed) return listed.error();
    tenants = std::move(*listed);
    for (const auto& row : current) {
      if (std::find(tenants.begin(), tenants.end(), row.tenant_id) == tenants.end()) tenants.push_back(row.tenant_id);
    }
    auto id = (*s)->get_meta(meta_scope::keys, "installation");
    if (!id) return id.error();
    if (!*id || (*id)->size() != installation.size()) return errc::unavailable;
    std::copy((*id)->begin(), (*id)->end(), installation.begin());
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
  if (*destroyed > 0)
    log->warn("finished {} interrupted key rotation(s): superseded erasure secrets destroyed", *destroyed);
  if (auto prepared = keys.prepare_secrets(installation, tenants); !prepared) {
    if (prepared.error() != errc::stale_erasure_secrets) {
      log->error("cannot update the erasure secrets file: {}", prepared.error().message());
    }
    return prepared.error();
  }
  if (auto checked = check_tenant_keys(current); !checked) return checked;
  if (legacy_rows) {
    if (auto upgraded = upgrade_legacy(); !upgraded) return upgraded;
    auto migrated = db->migrate();
    if (!migrated) return migrated.error();
    log->info("store schema migrated to version {}", *migrated);
    // The old clear values were blanked, then dropped: no row version or log page keeps them.
    if (auto r = db->reclaim(); !r) log->warn("reclaiming space after the upgrade failed; the next erasure retries");
  }
  if (auto reconciled = reconcile(); !reconciled) return reconciled;

  writer = std::make_unique<detail::write_queue>(
      *db, std::max(1u, db->max_writers()), opts.max_batch,
      [this](session& s, std::span<const std::unique_ptr<detail::write_op>> ops) { process_batch(s, ops); }, log);
  return {};
}

result<void> encrypted_store::impl::check_tenant_keys(const std::vector<tenant_key_row>& current) {
  std::size_t retired = 0;
  std::size_t unopenable = 0;
  for (const auto& row : current) {
    reconcile_report::tenant t;
    t.tenant_id = row.tenant_id;
    if (auto ok = keys.check_tenant_key(row); !ok) {
      ++unopenable;
      t.readable = false;
      if (ok.error() == errc::erased) {
        ++retired;
        t.problem = "its key version " + std::to_string(row.version) +
                    " cannot be opened: that version's erasure secret is not in the erasure secrets file (the "
                    "version was retired by a key rotation after this copy of the database was made)";
      } else if (ok.error() == errc::wrong_root_key) {
        t.problem = "its key was wrapped under another root key version";
      } else {
        t.problem = "its key record fails its integrity check (tampered with)";
      }
      log->error("tenant {} cannot be read: {}", row.tenant_id, t.problem);
    }
    report.tenants.push_back(std::move(t));
  }
  if (unopenable > 0 && unopenable == current.size()) {
    if (retired == unopenable) {
      log->error(
          "no tenant key opens: their erasure secrets are gone (this database is a copy older than a key "
          "rotation, or the erasure secrets file is not this installation's); the root key matches");
      return errc::key_retired;
    }
    log->error("no tenant key opens with this root key and erasure secrets file");
    return errc::corrupt;
  }
  return {};
}

void encrypted_store::impl::integrity(const integrity_failure& f) const {
  std::string key = f.tenant_id;
  for (const auto& part : {f.conversation_id, std::string(f.record), std::to_string(f.seq), f.record_id}) {
    key.push_back('\0');
    key.append(part);
  }
  {
    std::lock_guard lock(integrity_mutex);
    if (!integrity_seen.insert(key).second) return;  // reported once per record
    integrity_order.push_back(std::move(key));
    constexpr std::size_t max_remembered = 16384;
    if (integrity_order.size() > max_remembered) {
      integrity_seen.erase(integrity_order.front());
      integrity_order.pop_front();
    }
  }
  integrity_count.fetch_add(1, std::memory_order_relaxed);
  log->warn("integrity: tenant {} conversation {}: {} {} {} fails its integrity check{}", f.tenant_id,
            f.conversation_id, f.record, f.seq, f.record_id, f.key ? " (its data key does not authenticate)" : "");
  if (on_integrity) {
    try {
      on_integrity(f);
    } catch (...) {
      log->error("integrity hook threw; ignored");
    }
  }
}

void encrypted_store::impl::schedule_reclaim() {
  if (reclaim_queued.exchange(true)) return;
  boost::asio::post(pool, [this] {
    reclaim_queued.store(false);
    if (auto r = db->reclaim(); !r) log->warn("reclaiming space after an erasure failed; it is retried after the next");
  });
}

result<std::unique_ptr<encrypted_store>> encrypted_store::open(std::unique_ptr<backend> db, crypto::root_key root,
                                                               std::filesystem::path erasure_secrets_file,
                                                               const options& opts, dependencies deps) {
  PARLEY_CHECK(db != nullptr, "encrypted_store::open needs a backend");
  auto i = std::make_unique<impl>(std::move(db), std::move(root), std::move(erasure_secrets_file), opts, deps);
  if (auto r = i->start(); !r) return r.error();
  return std::unique_ptr<encrypted_store>(new encrypted_store(std::move(i)));
}

writer_stats encrypted_store::write_stats() const {
  return impl_->writer->counters();
}
std::uint64_t encrypted_store::integrity_failures() const {
  return impl_->integrity_count.load();
}
const reconcile_report& encrypted_store::report() const {
  return impl_->report;
}

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
  if (!key) {
    if (key.error() == errc::corrupt) integrity({std::string(tenant_id), std::string(id), "conversation", 0, {}, true});
    return key.error();
  }
  return opened_conversation{std::move(**row), std::move(*key)};
}

result<conversation> encrypted_store::impl::to_conversation(const conversation_row& row,
                                                            const crypto::aead_key& key) const {
  const detail::record_place place{
      detail::record_kind::conversation, row.tenant_id, row.id, 0, {}, row.key_version, {}};
  auto payload = detail::open_padded(key, place, row.sealed);
  auto fields = payload ? detail::decode_conversation(*payload) : result<detail::conversation_fields>(payload.error());
  if (!fields) {
    integrity({row.tenant_id, row.id, "conversation", 0, {}, false});
    return errc::corrupt;
  }
  return conversation{row.id,
                      row.tenant_id,
                      std::move(fields->bot_id),
                      std::move(fields->user_id),
                      detail::from_nanos(fields->created),
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
  const detail::record_place place{
      detail::record_kind::bot_state_padded, tenant_id, conversation_id, 0, hit->etag, hit->key_version, {}};
  auto data = detail::open_padded(*key, place, hit->sealed);
  if (!data) {
    states.forget(tenant_id, conversation_id);
    return std::nullopt;
  }
  return bot_state{std::move(*data), std::move(hit->etag)};
}

activity_record encrypted_store::impl::to_record(const conversation_row& conv, const crypto::aead_key* key,
                                                 const activity_row& row) const {
  activity_record rec{row.seq, row.activity_id, {}, {}, {}, {}, false};
  if (key != nullptr) {
    const detail::record_place place{
        detail::record_kind::activity, conv.tenant_id, conv.id, row.seq, row.activity_id, conv.key_version, {}};
    auto payload = detail::open_padded(*key, place, row.body);
    if (payload) {
      auto header = detail::decode_activity(*payload, rec.body);
      crypto::secure_wipe(*payload);
      if (header) {
        rec.timestamp = detail::from_nanos(header->timestamp);
        rec.type = std::move(header->type);
        rec.sender_role = std::move(header->sender_role);
        return rec;
      }
      crypto::secure_wipe(rec.body);
    }
  }
  rec.corrupt = true;
  integrity({conv.tenant_id, conv.id, "activity", row.seq, row.activity_id, key == nullptr});
  return rec;
}

}  // namespace parley::store
