// encrypted_store: the one-time upgrade of rows written before erasure subjects (schema before
// the backend's upgrade barrier), run by open() between the migration that adds the new columns
// and the one that drops the old ones (docs/adr/0018, 0019).
//
// Per conversation, in batches (each batch one transaction, so an interrupted upgrade resumes):
// a new subject; its data key bound to the subject (same key bytes); the user id, bot id and
// creation time moved into a sealed conversation record, the user pseudonym re-keyed under the
// subject; every activity re-sealed with its timestamp, type and role inside, padded; the bot
// state and files re-sealed padded, file type, name and size inside. The legacy clear columns are
// blanked in the same write. A record that does not open stays as it was and reads as corrupt.
//
// Then each tenant's key is rotated once: older copies of the database hold the conversations'
// data keys *unbound*, wrapped by the old tenant-key version, which erasing a subject cannot
// reach; retiring that version (destroying its erasure secret) makes those copies unreadable, as
// every erasure did before this format. Tenants still to rotate are remembered in key_meta
// ("upgrade_rotate:<tenant>") from the batch that upgraded their first conversation.
#include "store_impl.hpp"

#include <parley/crypto/primitives.hpp>

#include <set>

namespace parley::store {

namespace {

constexpr std::size_t batch_size = 200;

const std::string rotate_prefix = "upgrade_rotate:";

}  // namespace

result<void> encrypted_store::impl::upgrade_legacy() {
  auto ws = db->write_session();
  if (!ws) return ws.error();
  session& s = **ws;
  std::set<std::string> to_rotate;
  auto mark = [&](session& tx, const std::string& tenant) -> result<void> {
    if (to_rotate.contains(tenant)) return {};
    const std::uint8_t one = 1;
    if (auto r = tx.put_meta(meta_scope::keys, rotate_prefix + tenant, {&one, 1}); !r) return r;
    to_rotate.insert(tenant);
    return {};
  };
  for (;;) {
    if (auto b = s.begin(); !b) return b;
    auto fail = [&](error_code e) -> result<void> {
      s.rollback();
      return e;
    };
    auto batch = s.legacy_conversations(batch_size);
    if (!batch) return fail(batch.error());
    if (batch->empty()) {
      s.rollback();
      break;
    }
    for (const auto& legacy : *batch) {
      upgraded_conversation up;
      up.pk = legacy.pk;
      up.tenant_id = legacy.tenant_id;
      up.key_id = legacy.key_id;
      up.key_version = legacy.key_version;
      up.key_uses = legacy.key_uses;
      if (auto m = mark(s, legacy.tenant_id); !m) return fail(m.error());
      auto key_row = s.get_data_key(legacy.tenant_id, legacy.key_id, legacy.key_version);
      if (!key_row) return fail(key_row.error());
      std::shared_ptr<crypto::aead_key> key;
      crypto::secure_buffer secret;
      if (*key_row && (*key_row)->subject == 0) {
        auto opened = keys.data_key(s, legacy.tenant_id, legacy.key_id, legacy.key_version, legacy.key_uses);
        auto subject = opened ? s.next_subject() : result<std::uint64_t>(opened.error());
        auto derived =
            subject ? keys.subject_secret(legacy.tenant_id, *subject) : result<crypto::secure_buffer>(subject.error());
        auto bound = derived ? keys.bind_legacy_key(s, **key_row, *subject) : result<data_key_row>(derived.error());
        if (bound) {
          key = *opened;
          secret = std::move(*derived);
          up.subject = *subject;
          up.data_key = std::move(bound->sealed);
          up.data_key_parent = bound->parent_version;
        } else if (bound.error() == errc::unavailable) {
          return fail(bound.error());
        } else {
          log->error("upgrade: tenant {} conversation {}: its data key does not open ({}); left unreadable",
                     legacy.tenant_id, legacy.id, bound.error().message());
        }
      }
      if (key) {
        const detail::record_place user_place{
            detail::record_kind::user_id, legacy.tenant_id, legacy.id, 0, {}, legacy.key_version, {}};
        auto user = detail::open_record(*key, user_place, legacy.user_sealed);
        if (user) {
          up.user_ref = detail::key_ring::user_ref(secret.bytes(), legacy.tenant_id, legacy.id, *user);
          const detail::record_place place{
              detail::record_kind::conversation, legacy.tenant_id, legacy.id, 0, {}, legacy.key_version, {}};
          auto sealed =
              detail::seal_padded(*key, place, detail::encode_conversation({*user, legacy.bot_id, legacy.created}));
          crypto::secure_wipe(*user);
          if (!sealed) return fail(errc::unavailable);
          up.sealed = std::move(*sealed);
          up.has_sealed = true;
        } else {
          log->error("upgrade: tenant {} conversation {}: its user record does not open; left unreadable",
                     legacy.tenant_id, legacy.id);
        }
        auto activities = s.legacy_activities(legacy.pk);
        if (!activities) return fail(activities.error());
        for (const auto& a : *activities) {
          const auto extra = detail::activity_extra(a.timestamp, a.type, a.sender_role);
          const detail::record_place old_place{detail::record_kind::activity_body,
                                               legacy.tenant_id,
                                               legacy.id,
                                               a.seq,
                                               a.activity_id,
                                               legacy.key_version,
                                               extra};
          auto body = detail::open_record(*key, old_place, a.body);
          if (!body) continue;  // reads as corrupt, as it did
          const detail::record_place place{
              detail::record_kind::activity, legacy.tenant_id, legacy.id, a.seq, a.activity_id, legacy.key_version, {}};
          auto sealed =
              detail::seal_padded(*key, place, detail::encode_activity({a.timestamp, a.type, a.sender_role}, *body));
          crypto::secure_wipe(*body);
          if (!sealed) return fail(errc::unavailable);
          up.activities.emplace_back(a.seq, std::move(*sealed));
        }
        auto files = s.legacy_attachments(legacy.pk);
        if (!files) return fail(files.error());
        for (const auto& f : *files) {
          const detail::record_place name_place{detail::record_kind::attachment_name,
                                                legacy.tenant_id,
                                                legacy.id,
                                                0,
                                                f.id,
                                                legacy.key_version,
                                                f.content_type};
          const detail::record_place bytes_place{detail::record_kind::attachment_bytes,
                                                 legacy.tenant_id,
                                                 legacy.id,
                                                 0,
                                                 f.id,
                                                 legacy.key_version,
                                                 f.content_type};
          auto name = detail::open_record(*key, name_place, f.name);
          auto content = name ? detail::open_record(*key, bytes_place, f.content) : result<std::string>(name.error());
          if (!content) continue;
          const detail::record_place meta_place{
              detail::record_kind::attachment_meta, legacy.tenant_id, legacy.id, 0, f.id, legacy.key_version, {}};
          const detail::record_place content_place{
              detail::record_kind::attachment_content, legacy.tenant_id, legacy.id, 0, f.id, legacy.key_version, {}};
          auto meta = detail::seal_padded(*key, meta_place,
                                          detail::encode_attachment({f.content_type, *name, content->size()}));
          auto sealed = detail::seal_padded(*key, content_place, *content);
          crypto::secure_wipe(*content);
          if (!meta || !sealed) return fail(errc::unavailable);
          up.attachments.push_back({legacy.pk, f.id, std::move(*meta), std::move(*sealed)});
        }
        auto state = s.get_bot_state(legacy.pk);
        if (!state) return fail(state.error());
        if (*state) {
          const detail::record_place old_place{
              detail::record_kind::bot_state, legacy.tenant_id, legacy.id, 0, (*state)->etag, legacy.key_version, {}};
          auto data = detail::open_record(*key, old_place, (*state)->data);
          if (data) {
            const detail::record_place place{detail::record_kind::bot_state_padded,
                                             legacy.tenant_id,
                                             legacy.id,
                                             0,
                                             (*state)->etag,
                                             legacy.key_version,
                                             {}};
            auto sealed = detail::seal_padded(*key, place, *data);
            crypto::secure_wipe(*data);
            if (!sealed) return fail(errc::unavailable);
            up.bot_state = bot_state_row{(*state)->etag, std::move(*sealed)};
            up.has_bot_state = true;
          }
        }
        up.key_uses = key->seals();
      }
      if (auto w = s.upgrade_conversation(up); !w) return fail(w.error());
      ++report.upgraded_conversations;
    }
    if (s.commit() != commit_outcome::all) return errc::unavailable;
  }
  if (report.upgraded_conversations > 0) {
    log->info("upgrade: {} conversation(s) now use erasure subjects and keep their metadata sealed",
              report.upgraded_conversations);
  }

  // Retire the tenant-key versions that wrapped the unbound data keys.
  auto tenants = s.list_tenants();
  if (!tenants) return tenants.error();
  for (const auto& tenant : *tenants) {
    auto pending = s.get_meta(meta_scope::keys, rotate_prefix + tenant);
    if (!pending) return pending.error();
    if (!*pending || (*pending)->empty()) continue;  // none, or done (cleared below)
    if (auto b = s.begin(); !b) return b;
    auto rot = keys.prepare_tenant_rotation(s, tenant);
    result<void> done = rot ? result<void>{} : result<void>(rot.error());
    if (done) done = s.put_meta(meta_scope::keys, rotate_prefix + tenant, {});
    if (!done) {
      s.rollback();
      if (rot) keys.tenant_rotation_failed(*rot);
      log->error("upgrade: tenant {}: its key could not be rotated: {}", tenant, done.error().message());
      return done;
    }
    const auto outcome = s.commit();
    if (outcome == commit_outcome::none) {
      keys.tenant_rotation_failed(*rot);
      return errc::unavailable;
    }
    if (outcome != commit_outcome::all) return errc::unavailable;
    keys.tenant_rotation_committed(*rot);
    log->info(
        "upgrade: tenant {}: key rotated to version {}; copies of the database from before the upgrade need "
        "the erasure secrets file from before it",
        tenant, rot->new_version);
  }
  return {};
}

}  // namespace parley::store
