// The SQLite session's erasure-subject counter and its part of the one-time upgrade of rows
// written before erasure subjects (backend.hpp). The counter lives in the key file (key_meta
// "next_subject", big-endian u64), changed inside the writer's transaction: one writer, so no gap
// and no reuse. The legacy statements name columns that schema v6 drops: they run only before it.
#include "sqlite_rows.hpp"
#include "sqlite_session.hpp"

#include <sqlite3.h>

namespace parley::store::sqlite::detail {
namespace {

constexpr char sql_get_counter[] = "SELECT value FROM key_meta WHERE name = 'next_subject'";
constexpr char sql_put_counter[] = "INSERT OR REPLACE INTO key_meta (name, value) VALUES ('next_subject', ?1)";

constexpr char sql_legacy_conversations[] =
    "SELECT pk, tenant_id, id, bot_id, user_sealed, key_id, key_version, created, key_uses FROM conversations "
    "WHERE upgraded = 0 ORDER BY pk LIMIT ?1";
constexpr char sql_legacy_activities[] =
    "SELECT seq, activity_id, ts, type, sender_role, body FROM activities WHERE conv_pk = ?1 ORDER BY seq";
constexpr char sql_legacy_attachments[] =
    "SELECT id, content_type, name, content FROM attachments WHERE conv_pk = ?1 ORDER BY id";
constexpr char sql_upgrade_conversation[] =
    "UPDATE conversations SET sealed = ?2, subject = ?3, user_ref = ?4, key_uses = ?5, bot_id = '', "
    "user_sealed = x'', created = 0, upgraded = 1 WHERE pk = ?1";
constexpr char sql_upgrade_activity[] =
    "UPDATE activities SET body = ?3, ts = 0, type = '', sender_role = '' WHERE conv_pk = ?1 AND seq = ?2";
constexpr char sql_blank_activities[] = "UPDATE activities SET ts = 0, type = '', sender_role = '' WHERE conv_pk = ?1";
constexpr char sql_upgrade_attachment[] =
    "UPDATE attachments SET meta = ?3, content = ?4, content_type = '', size = 0, name = x'', created = 0 "
    "WHERE conv_pk = ?1 AND id = ?2";
constexpr char sql_blank_attachments[] =
    "UPDATE attachments SET content_type = '', size = 0, name = x'', created = 0 WHERE conv_pk = ?1";
constexpr char sql_upgrade_bot_state[] = "UPDATE bot_state SET data = ?2 WHERE conv_pk = ?1";
constexpr char sql_upgrade_data_key[] =
    "UPDATE data_keys SET sealed = ?4, parent_version = ?5, subject = ?6 "
    "WHERE tenant_id = ?1 AND key_id = ?2 AND version = ?3";

bytes be64(std::uint64_t v) {
  bytes out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

std::uint64_t from_be64(const bytes& b) {
  std::uint64_t v = 0;
  for (auto x : b) v = (v << 8) | x;
  return b.size() == 8 ? v : 0;
}

}  // namespace

result<std::uint64_t> sqlite_session::next_subject() {
  auto current = one<bytes>(keys().prepare(sql_get_counter), [](const statement& s) { return s.blob(0); });
  if (!current) return current.error();
  const std::uint64_t next = *current ? std::max<std::uint64_t>(1, from_be64(**current)) : 1;
  auto st = keys().prepare(sql_put_counter);
  if (st) st->bind_blob(1, be64(next + 1));
  if (auto w = run(std::move(st)); !w) return w.error();
  return next;
}

result<void> sqlite_session::subjects_at_least(std::uint64_t floor) {
  auto current = one<bytes>(keys().prepare(sql_get_counter), [](const statement& s) { return s.blob(0); });
  if (!current) return current.error();
  if (*current && from_be64(**current) >= floor) return {};
  auto st = keys().prepare(sql_put_counter);
  if (st) st->bind_blob(1, be64(floor));
  return run(std::move(st));
}

result<std::vector<legacy_conversation_row>> sqlite_session::legacy_conversations(std::size_t limit) {
  auto st = data().prepare(sql_legacy_conversations);
  if (st) st->bind(1, static_cast<std::int64_t>(limit));
  return all<legacy_conversation_row>(std::move(st), [](const statement& s) {
    return legacy_conversation_row{s.int64(0),
                                   s.text(1),
                                   s.text(2),
                                   s.text(3),
                                   s.blob(4),
                                   s.text(5),
                                   static_cast<std::uint32_t>(s.int64(6)),
                                   s.int64(7),
                                   static_cast<std::uint64_t>(s.int64(8))};
  });
}

result<std::vector<legacy_activity_row>> sqlite_session::legacy_activities(std::int64_t conv_pk) {
  auto st = data().prepare(sql_legacy_activities);
  if (st) st->bind(1, conv_pk);
  return all<legacy_activity_row>(std::move(st), [](const statement& s) {
    return legacy_activity_row{
        static_cast<std::uint64_t>(s.int64(0)), s.text(1), s.int64(2), s.text(3), s.text(4), s.blob(5)};
  });
}

result<std::vector<legacy_attachment_row>> sqlite_session::legacy_attachments(std::int64_t conv_pk) {
  auto st = data().prepare(sql_legacy_attachments);
  if (st) st->bind(1, conv_pk);
  return all<legacy_attachment_row>(std::move(st), [](const statement& s) {
    return legacy_attachment_row{s.text(0), s.text(1), s.blob(2), s.blob(3)};
  });
}

result<void> sqlite_session::upgrade_conversation(const upgraded_conversation& c) {
  if (!c.data_key.empty()) {
    auto st = keys().prepare(sql_upgrade_data_key);
    if (st) {
      st->bind(1, c.tenant_id)
          .bind(2, c.key_id)
          .bind(3, c.key_version)
          .bind_blob(4, c.data_key)
          .bind(5, c.data_key_parent)
          .bind(6, i64(c.subject));
    }
    if (auto w = run(std::move(st)); !w) return w;
  }
  {
    auto st = data().prepare(sql_upgrade_conversation);
    if (st) {
      st->bind(1, c.pk);
      if (c.has_sealed) {
        st->bind_blob(2, c.sealed);
      } else {
        st->bind_null(2);
      }
      st->bind(3, i64(c.subject)).bind(4, c.user_ref).bind(5, i64(c.key_uses));
    }
    if (auto w = run(std::move(st)); !w) return w;
  }
  // Every activity's clear columns are blanked, upgraded or not (one that did not open stays
  // corrupt either way); then the upgraded bodies are written.
  {
    auto st = data().prepare(sql_blank_activities);
    if (st) st->bind(1, c.pk);
    if (auto w = run(std::move(st)); !w) return w;
  }
  for (const auto& [seq, body] : c.activities) {
    auto st = data().prepare(sql_upgrade_activity);
    if (st) st->bind(1, c.pk).bind(2, i64(seq)).bind_blob(3, body);
    if (auto w = run(std::move(st)); !w) return w;
  }
  {
    auto st = data().prepare(sql_blank_attachments);
    if (st) st->bind(1, c.pk);
    if (auto w = run(std::move(st)); !w) return w;
  }
  for (const auto& a : c.attachments) {
    auto st = data().prepare(sql_upgrade_attachment);
    if (st) st->bind(1, c.pk).bind(2, a.id).bind_blob(3, a.meta).bind_blob(4, a.content);
    if (auto w = run(std::move(st)); !w) return w;
  }
  if (c.has_bot_state) {
    auto st = data().prepare(sql_upgrade_bot_state);
    if (st) st->bind(1, c.pk).bind_blob(2, c.bot_state.data);
    if (auto w = run(std::move(st)); !w) return w;
  }
  return {};
}

}  // namespace parley::store::sqlite::detail
